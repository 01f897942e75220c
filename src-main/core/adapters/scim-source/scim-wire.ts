import { z } from 'zod';
import type { SourceRecord } from '../types';
import { splitDisplayName } from '../cctv/split-name';

/**
 * SCIM 2.0 (RFC 7643 / 7644) as a source of staff: ListResponse pages of User resources.
 * Schemas are lenient where real directories differ (missing meta, absent `active`, `status`
 * sent as a number) and strict where a mistake would corrupt the list (ids, counts).
 */

export const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const text = z.string().nullable().optional();
const multi = z
  .array(z.looseObject({ value: z.string().nullable().optional(), primary: z.boolean().nullable().optional(), type: text }))
  .nullable()
  .optional();

export const scimUserSchema = z.looseObject({
  id: z.string().trim().min(1, 'a user has no id'),
  externalId: text,
  userName: text,
  displayName: text,
  name: z.looseObject({ givenName: text, familyName: text, formatted: text }).nullable().optional(),
  emails: multi,
  phoneNumbers: multi,
  // Some directories send "true"/"false" strings.
  active: z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])]).nullable().optional(),
  meta: z.looseObject({ lastModified: text }).nullable().optional(),
});
export type ScimUserWire = z.infer<typeof scimUserSchema>;

const count = z.union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)]);

export const listResponseSchema = z.object({
  schemas: z.array(z.string()).optional().refine((s) => s === undefined || s.includes(LIST_URN), 'it is not a SCIM ListResponse'),
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
  const o = body as { schemas?: unknown; status?: unknown; scimType?: unknown; detail?: unknown };
  if (!Array.isArray(o.schemas) || !o.schemas.includes(ERROR_URN)) return null;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  return { status: str(o.status), scimType: str(o.scimType), detail: str(o.detail) };
}

type Multi = NonNullable<ScimUserWire['emails']>;

/** The primary value, else the first of the preferred types, else the first with a value. */
function pick(values: Multi | null | undefined, preferTypes: string[]): string | null {
  const usable = (values ?? []).filter((v) => typeof v.value === 'string' && v.value.trim() !== '');
  const primary = usable.find((v) => v.primary === true);
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
  return u.active === undefined || u.active === null || u.active === true || u.active === 'true' || u.active === 'True';
}

export function userToRecord(raw: Record<string, unknown>, u: ScimUserWire): SourceRecord {
  let firstName = blank(u.name?.givenName);
  let lastName = blank(u.name?.familyName);
  if (firstName === null && lastName === null) {
    // No structured name: fall back to the formatted name, then the display name.
    const split = splitDisplayName(blank(u.name?.formatted) ?? blank(u.displayName) ?? '');
    firstName = split.firstName;
    lastName = split.lastName;
  }
  const enterprise = raw[ENTERPRISE_URN] as { department?: unknown } | undefined;
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
