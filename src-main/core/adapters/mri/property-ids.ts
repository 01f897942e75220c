import { z } from 'zod';

/**
 * The property ids a PMS connection reads (Entrata propertyId, MRI RMPROPID, AppFolio property
 * ids). They are also the engine's `propertyCodes`, so one setting serves both: the connections
 * form sends a list, a hand-written config may hold comma-separated text.
 */
export const propertyIdList = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => [...new Set((Array.isArray(v) ? v : v.split(/[\s,;]+/)).map((s) => s.trim()).filter(Boolean))]);
