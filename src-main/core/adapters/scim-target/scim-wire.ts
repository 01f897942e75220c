import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AccountInput, RemoteAccount } from '../types';
import { CORE_USER_URN, ERROR_URN, PATCH_OP_URN, canonicalize, filterEq, safeDetail, truthy } from './scim-protocol';

/**
 * SCIM 2.0 (RFC 7643/7644) shapes as real servers send them: loose, with `meta` optional.
 * Replies go through `canonicalize` first (attribute names are case-insensitive, RFC 7643 §2.1).
 */

export const SCIM_USER_SCHEMA = CORE_USER_URN;
export const SCIM_PATCH_SCHEMA = PATCH_OP_URN;
export const SCIM_ERROR_SCHEMA = ERROR_URN;
export { filterEq };

// `primary` is a Boolean (RFC 7643 §2.4); a few servers send "true"/"false" strings.
const bool = z.union([z.boolean(), z.string()]).nullish();
const multi = z.array(z.looseObject({ value: z.string().nullish(), primary: bool, type: z.string().nullish() })).nullish();

export const scimUserSchema = z.looseObject({
  // RFC 7643 §3.1 says string; a number is read as its text rather than failing the whole list.
  id: z.union([z.string().trim().min(1), z.number().transform(String)]),
  externalId: z.string().nullish(),
  userName: z.string().nullish(),
  displayName: z.string().nullish(),
  name: z.looseObject({ givenName: z.string().nullish(), familyName: z.string().nullish(), formatted: z.string().nullish() }).nullish(),
  emails: multi,
  phoneNumbers: multi,
  // Some servers send "true"/"false" strings; both read as booleans.
  active: z.union([z.boolean(), z.string().trim().regex(/^(true|false)$/i, 'active is neither true nor false')]).nullish(),
  meta: z.looseObject({ version: z.string().nullish(), lastModified: z.string().nullish() }).nullish(),
});
export type ScimUser = z.infer<typeof scimUserSchema>;

export const listResponseSchema = z.looseObject({
  totalResults: z.coerce.number().int().nonnegative(),
  startIndex: z.coerce.number().int().optional(),
  itemsPerPage: z.coerce.number().int().optional(),
  // RFC 7644 lets a server leave Resources out when there are none.
  Resources: z.array(scimUserSchema).optional(),
});

/** The value marked primary, else the first with a value (RFC 7643 §2.4: primary is optional). */
export function primary(values: ScimUser['emails']): string | null {
  const usable = (values ?? []).filter((v) => typeof v.value === 'string' && v.value.trim() !== '');
  return (usable.find((v) => truthy(v.primary)) ?? usable[0])?.value ?? null;
}

export function isActive(u: ScimUser): boolean {
  return u.active === undefined || u.active === null ? true : String(u.active).toLowerCase() === 'true';
}

/**
 * The version a later write must match: the server's ETag (meta.version or the ETag header) when
 * it offers one; otherwise "h:" + a hash of the fields we manage, checked by re-reading.
 */
export function versionOf(u: ScimUser, etagHeader: string | null): string {
  if (etagHeader) return etagHeader;
  if (u.meta?.version) return u.meta.version;
  return fieldHash(u);
}

/** "h:" + a hash of the fields we manage: the version of a user on a server without ETags. */
export function fieldHash(u: ScimUser): string {
  const basis = JSON.stringify([u.userName ?? null, u.name?.givenName ?? null, u.name?.familyName ?? null, primary(u.emails), primary(u.phoneNumbers), isActive(u), u.externalId ?? null]);
  return `h:${createHash('sha256').update(basis).digest('hex').slice(0, 20)}`;
}

export function toRemote(u: ScimUser, etagHeader: string | null = null): RemoteAccount {
  const [given, ...rest] = (u.name?.formatted ?? u.displayName ?? '').trim().split(/\s+/);
  return {
    remoteId: u.id,
    firstName: u.name?.givenName ?? given ?? '',
    lastName: u.name?.familyName ?? rest.join(' '),
    email: primary(u.emails),
    phone: primary(u.phoneNumbers),
    suspended: !isActive(u),
    version: versionOf(u, etagHeader),
    externalRef: u.externalId ?? null,
  };
}

/** userName must be unique on the server: the email when there is one, else our reference. */
export function userNameFor(input: Pick<AccountInput, 'email' | 'externalRef'>): string {
  return input.email?.trim() || input.externalRef;
}

export function toScimUser(input: AccountInput, active = true): Record<string, unknown> {
  const body: Record<string, unknown> = {
    schemas: [SCIM_USER_SCHEMA],
    externalId: input.externalRef,
    userName: userNameFor(input),
    name: { givenName: input.firstName, familyName: input.lastName, formatted: `${input.firstName} ${input.lastName}`.trim() },
    displayName: `${input.firstName} ${input.lastName}`.trim(),
    active,
  };
  if (input.email) body.emails = [{ value: input.email, type: 'work', primary: true }];
  if (input.phone) body.phoneNumbers = [{ value: input.phone, type: 'work', primary: true }];
  return body;
}

/** RFC 7644 §3.5.2 PatchOp operations for the fields that were given. */
export function patchOperations(input: Partial<AccountInput>): Array<Record<string, unknown>> {
  const ops: Array<Record<string, unknown>> = [];
  if (input.firstName !== undefined) ops.push({ op: 'replace', path: 'name.givenName', value: input.firstName });
  if (input.lastName !== undefined) ops.push({ op: 'replace', path: 'name.familyName', value: input.lastName });
  if (input.email !== undefined) {
    ops.push(input.email ? { op: 'replace', path: 'emails', value: [{ value: input.email, type: 'work', primary: true }] } : { op: 'remove', path: 'emails' });
  }
  if (input.phone !== undefined) {
    ops.push(input.phone ? { op: 'replace', path: 'phoneNumbers', value: [{ value: input.phone, type: 'work', primary: true }] } : { op: 'remove', path: 'phoneNumbers' });
  }
  if (input.externalRef !== undefined) ops.push({ op: 'replace', path: 'externalId', value: input.externalRef });
  return ops;
}

/**
 * The SCIM error envelope (RFC 7644 §3.12): `{ schemas: [Error], status: "409", scimType?, detail? }`.
 * `detail` is cleaned of `secrets` (servers have been seen echoing the bearer token).
 */
export function scimError(text: string, secrets: string[] = []): { scimType: string | null; detail: string | null } {
  try {
    const o = canonicalize(JSON.parse(text)) as { scimType?: unknown; detail?: unknown } | null;
    const scimType = typeof o?.scimType === 'string' && /^[a-z0-9_.-]{1,40}$/i.test(o.scimType) ? o.scimType : null;
    const detail = typeof o?.detail === 'string' ? safeDetail(o.detail, secrets) || null : null;
    return { scimType, detail };
  } catch {
    return { scimType: null, detail: null };
  }
}
