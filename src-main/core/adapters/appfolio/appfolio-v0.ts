import { z } from 'zod';
import type { SourceRecord } from '../types';
import { pickPhone, text } from './appfolio-wire';

/**
 * AppFolio's Database API (v0), the home of the `LastUpdatedAtFrom` filter that continuous sync
 * needs (the Reports API v2 tenant directory has no "changed since" filter):
 *
 *   GET https://api.appfolio.com/api/v0/tenants
 *       ?filters[LastUpdatedAtFrom]=<ISO time>&filters[PropertyId]=<id,id>&page[number]=1&page[size]=200
 *   Authorization: Basic <client id:secret>     X-AppFolio-Developer-ID: <developer id>
 *   → { "data": [ { Id, FirstName, LastName, Email, PhoneNumbers, Status, PropertyId, UnitId,
 *                   OccupancyId, MoveInOn, MoveOutOn, HiddenAt, LastUpdatedAt, … } ],
 *       "next_page_path": "/api/v0/tenants?…&page[number]=2" | null }
 *
 * The filter is required (the API answers 400 without it), so a full read asks from the epoch.
 * Ids here are the Database API's own (UUIDs), not the report's integers: a connection reads
 * through one API or the other, never a mix, so a person keeps one id.
 */

export const V0_TENANTS_PATH = '/api/v0/tenants';
export const V0_DEVELOPER_HEADER = 'X-AppFolio-Developer-ID';
export const V0_EPOCH = '1970-01-01T00:00:00Z';

const value = z.union([z.string(), z.number()]).nullable().optional();

export const v0TenantSchema = z
  .looseObject({
    Id: value,
    FirstName: value,
    LastName: value,
    Name: value,
    Status: value,
    PropertyId: value,
    UnitId: value,
    OccupancyId: value,
    LastUpdatedAt: value,
    HiddenAt: value,
  })
  .refine((t) => text(t.Id), { message: 'a tenant has no Id' });
export type V0Tenant = z.infer<typeof v0TenantSchema>;

export const v0PageSchema = z.looseObject({
  data: z.array(v0TenantSchema),
  next_page_path: z.string().nullable().optional(),
});

/** The Database API spells contact details several ways across versions; take the first that is there. */
function firstText(raw: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) {
    const v = text(raw[k]);
    if (v) return v;
  }
  return null;
}

function v0Email(raw: Record<string, unknown>): string | null {
  const direct = firstText(raw, ['Email', 'EmailAddress', 'PrimaryEmail']);
  if (direct) return direct;
  const list = raw.Emails ?? raw.EmailAddresses;
  if (!Array.isArray(list)) return null;
  for (const e of list) {
    const v = typeof e === 'object' && e !== null ? firstText(e as Record<string, unknown>, ['EmailAddress', 'Email', 'Address']) : text(e);
    if (v) return v;
  }
  return null;
}

function v0Phone(raw: Record<string, unknown>): string | null {
  const list = raw.PhoneNumbers ?? raw.Phones;
  if (Array.isArray(list)) {
    const entries = list
      .map((e) =>
        typeof e === 'object' && e !== null
          ? {
              label: firstText(e as Record<string, unknown>, ['Type', 'Label', 'PhoneType']) ?? '',
              number: firstText(e as Record<string, unknown>, ['PhoneNumber', 'Number', 'Phone']),
            }
          : { label: '', number: text(e) },
      )
      .filter((e) => e.number);
    const chosen = entries.find((e) => /mobile|cell/i.test(e.label)) ?? entries[0];
    if (chosen) return chosen.number;
  }
  const scalar = firstText(raw, ['MobilePhone', 'CellPhone', 'Phone', 'PhoneNumber', 'HomePhone', 'WorkPhone']);
  return scalar ? pickPhone(scalar) : null;
}

/** The unit's name when the API gives one; the primary address's second line otherwise. */
function v0Unit(raw: Record<string, unknown>): string | null {
  const named = firstText(raw, ['UnitName', 'Unit']);
  if (named) return named;
  const addresses = raw.Addresses;
  if (!Array.isArray(addresses) || addresses.length === 0) return null;
  const primary = (addresses.find((a) => (a as { IsPrimary?: unknown })?.IsPrimary === true) ?? addresses[0]) as Record<string, unknown> | null;
  return primary && typeof primary === 'object' ? text(primary.Address2) : null;
}

export function v0UpdatedAtMs(t: V0Tenant): number | null {
  const s = text(t.LastUpdatedAt);
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

export function v0TenantToRecord(raw: Record<string, unknown>, t: V0Tenant): SourceRecord {
  let first = text(t.FirstName);
  let last = text(t.LastName);
  const name = text(t.Name);
  if (!first && !last && name) {
    const space = name.lastIndexOf(' ');
    first = space > 0 ? name.slice(0, space) : null;
    last = space > 0 ? name.slice(space + 1) : name;
  }
  const type = firstText(raw, ['Type', 'TenantType']);
  return {
    externalId: text(t.Id)!,
    firstName: first,
    lastName: last,
    email: v0Email(raw),
    phone: v0Phone(raw),
    unit: v0Unit(raw),
    // AppFolio's word (Current, Notice, Future, Past, Evict), for the engine to map.
    status: text(t.Status),
    type: 'resident',
    tags: type ? [type] : [],
    siteKey: text(t.PropertyId),
    raw: structuredClone(raw),
  };
}
