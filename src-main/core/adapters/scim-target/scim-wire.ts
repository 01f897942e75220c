import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AccountInput, RemoteAccount } from '../types';

/** SCIM 2.0 (RFC 7643/7644) shapes as real servers send them: loose, with `meta` optional. */

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

const multi = z.array(z.looseObject({ value: z.string().nullish(), primary: z.boolean().nullish(), type: z.string().nullish() })).nullish();

export const scimUserSchema = z.looseObject({
  id: z.string().min(1),
  externalId: z.string().nullish(),
  userName: z.string().nullish(),
  displayName: z.string().nullish(),
  name: z.looseObject({ givenName: z.string().nullish(), familyName: z.string().nullish(), formatted: z.string().nullish() }).nullish(),
  emails: multi,
  phoneNumbers: multi,
  // Some servers send "true"/"false" strings; both read as booleans.
  active: z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])]).nullish(),
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

export function primary(values: ScimUser['emails']): string | null {
  if (!values?.length) return null;
  return (values.find((v) => v.primary) ?? values[0]).value ?? null;
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

/** The SCIM error envelope: `{ schemas: [Error], status, scimType?, detail? }`. */
export function scimError(text: string): { scimType: string | null; detail: string | null } {
  try {
    const o = JSON.parse(text) as { scimType?: unknown; detail?: unknown } | null;
    const scimType = typeof o?.scimType === 'string' && /^[a-z0-9_.-]{1,40}$/i.test(o.scimType) ? o.scimType : null;
    const detail = typeof o?.detail === 'string' ? o.detail.slice(0, 200) : null;
    return { scimType, detail };
  } catch {
    return { scimType: null, detail: null };
  }
}

/** A filter value inside double quotes, escaped per RFC 7644 §3.4.2.2 (JSON string rules). */
export function filterEq(attribute: string, value: string): string {
  return `${attribute} eq ${JSON.stringify(value)}`;
}
