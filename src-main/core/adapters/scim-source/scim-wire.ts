import { z } from 'zod';
import type { SourceRecord } from '../types';
import { splitDisplayName } from '../cctv/split-name';
import { ENTERPRISE_USER_URN, ERROR_URN, LIST_RESPONSE_URN, canonicalize, truthy } from '../scim-target/scim-protocol';

/**
 * SCIM 2.0 (RFC 7643 / 7644) as a source of staff: ListResponse pages of User resources.
 * Schemas are lenient where real directories differ (missing meta, absent `active`, `status`
 * sent as a number, `primary` as a string) and strict where a mistake would corrupt the list
 * (ids, counts). Replies are read after `canonicalize` (attribute names are case-insensitive,
 * RFC 7643 §2.1); the record's `raw` stays exactly as the directory sent it.
 */

export const LIST_URN = LIST_RESPONSE_URN;
export { ERROR_URN };
const ENTERPRISE_URN = ENTERPRISE_USER_URN;

const text = z.string().nullable().optional();
const multi = z
  .array(z.looseObject({ value: z.string().nullable().optional(), primary: z.union([z.boolean(), z.string()]).nullable().optional(), type: text }))
  .nullable()
  .optional();

export const scimUserSchema = z.looseObject({
  // RFC 7643 §3.1 says string; a number is read as its text rather than failing the whole list.
  id: z.union([z.string(), z.number().transform(String)]).pipe(z.string().trim().min(1, 'a user has no id')),
  externalId: text,
  userName: text,
  displayName: text,
  name: z.looseObject({ givenName: text, familyName: text, formatted: text }).nullable().optional(),
  emails: multi,
  phoneNumbers: multi,
  // Some directories send "true"/"false" strings.
  active: z.union([z.boolean(), z.string().trim().regex(/^(true|false)$/i, 'active is neither true nor false')]).nullable().optional(),
  meta: z.looseObject({ lastModified: text }).nullable().optional(),
});
export type ScimUserWire = z.infer<typeof scimUserSchema>;

const count = z.union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)]);

export const listResponseSchema = z.object({
  // Schema URIs are compared without regard to case, like attribute names.
  schemas: z
    .array(z.string())
    .optional()
    .refine((s) => s === undefined || s.some((x) => x.toLowerCase() === LIST_URN.toLowerCase()), 'it is not a SCIM ListResponse'),
  totalResults: count,
  startIndex: count.optional(),
  itemsPerPage: count.optional(),
  // RFC 7644 lets an empty result leave Resources out.
  Resources: z.array(scimUserSchema).optional(),
});

export const serviceProviderConfigSchema = z.looseObject({
  filter: z.looseObject({ supported: z.boolean().optional() }).nullable().optional(),
});

/** A SCIM Error message, when the body is one. */
export function scimErrorOf(body: unknown): { status: string | null; scimType: string | null; detail: string | null } | null {
  if (!body || typeof body !== 'object') return null;
  const o = canonicalize(body) as { schemas?: unknown; status?: unknown; scimType?: unknown; detail?: unknown };
  if (!Array.isArray(o.schemas) || !o.schemas.some((x) => typeof x === 'string' && x.toLowerCase() === ERROR_URN.toLowerCase())) return null;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  return { status: str(o.status), scimType: str(o.scimType), detail: str(o.detail) };
}

type Multi = NonNullable<ScimUserWire['emails']>;

/** The primary value, else the first of the preferred types, else the first with a value. */
function pick(values: Multi | null | undefined, preferTypes: string[]): string | null {
  const usable = (values ?? []).filter((v) => typeof v.value === 'string' && v.value.trim() !== '');
  const primary = usable.find((v) => truthy(v.primary));
  if (primary) return primary.value!;
  for (const t of preferTypes) {
    const hit = usable.find((v) => v.type?.toLowerCase() === t);
    if (hit) return hit.value!;
  }
  return usable[0]?.value ?? null;
}

function blank(v: string | null | undefined): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

/** `active` absent means active (RFC 7643 leaves it optional; most directories omit it). */
export function isActive(u: Pick<ScimUserWire, 'active'>): boolean {
  return u.active === undefined || u.active === null || truthy(u.active);
}

/**
 * @param raw the user exactly as received (kept for the activity detail view)
 * @param u the same user read through `scimUserSchema` after `canonicalize`
 */
export function userToRecord(raw: Record<string, unknown>, u: ScimUserWire): SourceRecord {
  let firstName = blank(u.name?.givenName);
  let lastName = blank(u.name?.familyName);
  if (firstName === null && lastName === null) {
    // No structured name: fall back to the formatted name, then the display name.
    const split = splitDisplayName(blank(u.name?.formatted) ?? blank(u.displayName) ?? '');
    firstName = split.firstName;
    lastName = split.lastName;
  }
  const enterprise = (u[ENTERPRISE_URN] ?? (canonicalize(raw) as Record<string, unknown>)[ENTERPRISE_URN]) as { department?: unknown } | undefined;
  const department = typeof enterprise?.department === 'string' ? blank(enterprise.department) : null;
  return {
    externalId: u.id.trim(),
    firstName: firstName ?? '',
    lastName: lastName ?? '',
    email: pick(u.emails, ['work', 'home']),
    phone: pick(u.phoneNumbers, ['mobile', 'work']),
    unit: null,
    status: isActive(u) ? 'Active' : 'Inactive',
    type: 'staff',
    tags: department ? [department] : [],
    raw: structuredClone(raw),
  };
}
