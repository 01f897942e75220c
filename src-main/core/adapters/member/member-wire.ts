import { z } from 'zod';
import type { SourceRecord } from '../types';
import { mapStatus } from '../../sync/status-map';

/**
 * Mindbody Public API v6 wire format for clients (GET /client/clients). Field names are
 * PascalCase as Mindbody sends them. Unknown fields are kept and travel on in `raw`.
 */

const text = z.string().nullable().optional();

/** Mindbody ids are strings ("100015678"), but some sites' exports and proxies send numbers. */
const clientId = z.union([z.string(), z.number().int()]).transform((v) => String(v).trim()).pipe(z.string().min(1, 'a client has no Id'));

export const clientSchema = z.looseObject({
  Id: clientId,
  UniqueId: z.union([z.number(), z.string()]).nullable().optional(),
  FirstName: text,
  LastName: text,
  Email: text,
  MobilePhone: text,
  HomePhone: text,
  WorkPhone: text,
  Status: text,
  Active: z.boolean().nullable().optional(),
  IsProspect: z.boolean().nullable().optional(),
  LastModifiedDateTime: text,
  HomeLocation: z.looseObject({ Id: z.union([z.number(), z.string()]).nullable().optional(), Name: text }).nullable().optional(),
});
export type MindbodyClient = z.infer<typeof clientSchema>;

export const clientsPageSchema = z.object({
  PaginationResponse: z.object({
    RequestedLimit: z.number().int().min(0),
    RequestedOffset: z.number().int().min(0),
    PageSize: z.number().int().min(0),
    TotalResults: z.number().int().min(0),
  }),
  Clients: z.array(clientSchema),
});
export type ClientsPage = z.infer<typeof clientsPageSchema>;

export const userTokenSchema = z.looseObject({ AccessToken: z.string().min(1), TokenType: text });

/** Mindbody's error envelope: `{ "Error": { "Message": "...", "Code": "..." } }`. */
export function mindbodyErrorCode(body: unknown): string | null {
  const code = (body as { Error?: { Code?: unknown } } | null)?.Error?.Code;
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : null;
}

/**
 * Mindbody has two status signals: `Status` (the membership: Active, Expired, Suspended,
 * Terminated, Declined, Non-Member) and `Active` (whether the client profile itself is active).
 * A deactivated profile must never read as an active member, so when `Active` is false and the
 * membership word does not already say "not active", the record's status is "Inactive".
 * Words the engine does not map (Declined, Non-Member) are passed through unchanged, so the
 * activity log shows the vendor's own word; they map to "unknown".
 */
export function clientStatus(c: Pick<MindbodyClient, 'Status' | 'Active'>): string | null {
  const word = c.Status?.trim() || null;
  if (c.Active === false) {
    const mapped = mapStatus(word);
    return mapped === 'inactive' || mapped === 'past' ? word : 'Inactive';
  }
  return word;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

export function clientToRecord(raw: Record<string, unknown>, parsed: MindbodyClient): SourceRecord {
  const homeId = parsed.HomeLocation?.Id;
  const tags: string[] = [];
  if (parsed.IsProspect === true) tags.push('Prospect');
  const location = str(parsed.HomeLocation?.Name);
  if (location) tags.push(location);
  return {
    externalId: parsed.Id,
    firstName: parsed.FirstName ?? null,
    lastName: parsed.LastName ?? null,
    email: str(parsed.Email),
    // Mobile first: access systems use the number for text messages.
    phone: str(parsed.MobilePhone) ?? str(parsed.HomePhone) ?? str(parsed.WorkPhone),
    unit: null,
    status: clientStatus(parsed),
    type: 'member',
    tags,
    // The client's home location is the closest thing to a property; without one the record
    // belongs to whichever site the connection serves.
    ...(homeId !== null && homeId !== undefined && String(homeId).trim() !== '' ? { siteKey: String(homeId).trim() } : {}),
    raw: structuredClone(raw),
  };
}
