import { z } from 'zod';
import { call } from '../define';
import { id } from './common';
import type { SyncRunDto } from '../dto';

export const syncCalls = {
  /** Runs a pass now for one site, or for every site when siteId is left out. */
  'sync.runNow': call<SyncRunDto[]>()(z.object({ siteId: id.optional(), dryRun: z.boolean().default(false) }).strict()),
  /** A held pass (mass-change guard): approve runs it for real with the guard lifted once. */
  'sync.approveHeld': call<SyncRunDto>()(z.object({ runId: id }).strict(), 'manager'),
  'sync.discardHeld': call<SyncRunDto>()(z.object({ runId: id }).strict(), 'manager'),
  'sync.lastRun': call<SyncRunDto | null>()(z.object({ siteId: id }).strict()),
};
