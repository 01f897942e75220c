import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Seam's wire shapes, as its API (and its own fake, @seamapi/fake-seam-connect) sends them.
 * Objects are loose: Seam adds fields often, and we only rely on the ones named here.
 */

export const acsUserSchema = z.looseObject({
  acs_user_id: z.string().min(1),
  acs_system_id: z.string().optional(),
  full_name: z.string().nullish(),
  display_name: z.string().nullish(),
  email_address: z.string().nullish(),
  /** Deprecated by Seam in favour of email_address; still sent by some versions. */
  email: z.string().nullish(),
  phone_number: z.string().nullish(),
  is_suspended: z.boolean(),
  user_identity_id: z.string().nullish(),
  access_schedule: z.looseObject({ starts_at: z.string().nullish(), ends_at: z.string().nullish() }).nullish(),
  created_at: z.string().optional(),
});
export type SeamAcsUser = z.infer<typeof acsUserSchema>;

export const paginationSchema = z.looseObject({
  has_next_page: z.boolean(),
  next_page_cursor: z.string().nullish(),
});

export const userEnvelope = z.looseObject({ acs_user: acsUserSchema });
export const userListEnvelope = z.looseObject({ acs_users: z.array(acsUserSchema), pagination: paginationSchema.nullish() });

export const acsSystemSchema = z.looseObject({
  acs_system_id: z.string().min(1),
  name: z.string().nullish(),
  external_type: z.string().nullish(),
  external_type_display_name: z.string().nullish(),
});
export const systemEnvelope = z.looseObject({ acs_system: acsSystemSchema });
export const systemListEnvelope = z.looseObject({ acs_systems: z.array(acsSystemSchema) });

export const accessGroupSchema = z.looseObject({
  acs_access_group_id: z.string().min(1),
  acs_system_id: z.string().optional(),
  name: z.string().nullish(),
  display_name: z.string().nullish(),
  access_group_type: z.string().nullish(),
  external_type: z.string().nullish(),
});
export const accessGroupListEnvelope = z.looseObject({ acs_access_groups: z.array(accessGroupSchema) });

/** Seam's error envelope: `{ error: { type, message }, ok: false }`. */
export function seamError(text: string): { type: string | null; message: string | null } {
  try {
    const err = (JSON.parse(text) as { error?: { type?: unknown; message?: unknown } } | null)?.error;
    const type = typeof err?.type === 'string' && /^[a-z0-9_.-]{1,80}$/i.test(err.type) ? err.type : null;
    // Seam messages describe the request, not the caller; keep them short all the same.
    const message = typeof err?.message === 'string' ? err.message.slice(0, 200) : null;
    return { type, message };
  } catch {
    return { type: null, message: null };
  }
}

export function userEmail(u: SeamAcsUser): string | null {
  return u.email_address ?? u.email ?? null;
}

/**
 * Seam sends no updated_at or revision on ACS users, so the version is a hash of everything a
 * write of ours could change (or another admin could): name, contacts, suspension, schedule and
 * identity link. Equal hash = nothing we care about moved.
 */
export function userVersion(u: SeamAcsUser): string {
  const basis = JSON.stringify([
    u.full_name ?? null,
    userEmail(u),
    u.phone_number ?? null,
    u.is_suspended,
    u.access_schedule?.starts_at ?? null,
    u.access_schedule?.ends_at ?? null,
    u.user_identity_id ?? null,
  ]);
  return createHash('sha256').update(basis).digest('hex').slice(0, 20);
}
