import { z } from 'zod';
import type { SourceRecord } from '../types';
import { mapStatus } from '../../sync/status-map';

/**
 * Mindbody Public API v6 wire format for clients (GET /client/clients). Field names are
 * PascalCase as Mindbody sends them. Unknown fields are kept and travel on in `raw`.
 */

const text = z.string().nullable().optional();

/** An id Mindbody documents as a string or an int32; proxies and exports send either. */
const idValue = z
  .union([z.string(), z.number().int()])
  .nullable()
  .optional()
  .transform((v) => (v === null || v === undefined ? null : String(v).trim() || null));

export const clientSchema = z
  .looseObject({
    /** The business's own client id (often the barcode). Staff can change it. */
    Id: idValue,
    /** System-generated, never changes, unique per site: the stable key. */
    UniqueId: idValue,
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
  })
  .refine((c) => c.UniqueId !== null || c.Id !== null, { message: 'a client has neither UniqueId nor Id' });
export type MindbodyClient = z.infer<typeof clientSchema>;

/**
 * PaginationResponse as documented (RequestedLimit, RequestedOffset, PageSize, TotalResults).
 * Every field is optional here: the reader checks what is present and never trusts a missing
 * total to mean "done" (see member-source.ts).
 */
const count = z.number().int().min(0).nullable().optional();
export const clientsPageSchema = z.looseObject({
  PaginationResponse: z
    .looseObject({ RequestedLimit: count, RequestedOffset: count, PageSize: count, TotalResults: count })
    .nullable()
    .optional(),
  // An empty result may come back as null rather than [].
  Clients: z.array(clientSchema).nullable(),
});
export type ClientsPage = z.infer<typeof clientsPageSchema>;

/** POST /usertoken/issue answer: { TokenType, AccessToken, Expires, User }. */
export const userTokenSchema = z.looseObject({ AccessToken: z.string().min(1), TokenType: text, Expires: text });

/** Mindbody's error envelope: `{ "Error": { "Message": "...", "Code": "..." } }` (lower-case keys tolerated). */
export function mindbodyErrorCode(body: unknown): string | null {
  const o = body as { Error?: { Code?: unknown }; error?: { code?: unknown; Code?: unknown } } | null;
  const code = o?.Error?.Code ?? o?.error?.Code ?? o?.error?.code;
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : null;
}

/** The client's key: UniqueId (immutable), or Id when a server leaves UniqueId out. */
export function clientKey(c: Pick<MindbodyClient, 'Id' | 'UniqueId'>): string {
  return (c.UniqueId ?? c.Id)!;
}

/**
 * Mindbody has two status signals: `Status` (the membership: Active, Expired, Suspended,
 * Terminated, Declined, Non-Member) and `Active` (whether the client profile itself is active).
 * A deactivated profile must never read as an active member, so when `Active` is false and the
 * membership word does not already say "not active", the record's status is "Inactive".
 * Otherwise the vendor's own word is passed through unchanged for the engine to map, so the
 * activity log shows it; a word the engine does not know maps to "unknown", never to a guess.
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
    // Not `Id`: the business can edit it (a new barcode), which would read as one member
    // leaving and a stranger arriving — and the leaver's access being switched off.
    externalId: clientKey(parsed),
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
