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
  /** Optional in Seam's published acs_user model: absent means not suspended. */
  is_suspended: z.boolean().nullish(),
  user_identity_id: z.string().nullish(),
  access_schedule: z.looseObject({ starts_at: z.string().nullish(), ends_at: z.string().nullish() }).nullish(),
  created_at: z.string().optional(),
  /** Changes Seam has accepted but not yet pushed to the access system (see effectiveUser). */
  pending_mutations: z.array(z.looseObject({ mutation_code: z.string(), to: z.record(z.string(), z.unknown()).nullish() })).nullish(),
  warnings: z.array(z.looseObject({ warning_code: z.string() })).nullish(),
});
export type SeamAcsUser = z.infer<typeof acsUserSchema>;

export const paginationSchema = z.looseObject({
  has_next_page: z.boolean().nullish(),
  next_page_cursor: z.string().nullish(),
  next_page_url: z.string().nullish(),
});

/** A single object where a list belongs is read as a list of one. */
const listOf = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v && typeof v === 'object' && !Array.isArray(v) ? [v] : v), z.array(item));

export const userEnvelope = z.looseObject({ acs_user: acsUserSchema });
export const userListEnvelope = z.looseObject({ acs_users: listOf(acsUserSchema), pagination: paginationSchema.nullish() });

/**
 * The cursor of the next page, or null at the end. Seam pages with `pagination.next_page_cursor`
 * (sent back as `page_cursor`) and `has_next_page`; a cursor is followed unless has_next_page is
 * explicitly false, and when only `next_page_url` is given its page_cursor parameter is used.
 */
export function nextCursor(p: z.infer<typeof paginationSchema> | null | undefined): string | null {
  if (!p || p.has_next_page === false) return null;
  if (p.next_page_cursor) return p.next_page_cursor;
  if (p.next_page_url) {
    try {
      return new URL(p.next_page_url).searchParams.get('page_cursor') || null;
    } catch {
      return null;
    }
  }
  return null;
}

export const acsSystemSchema = z.looseObject({
  acs_system_id: z.string().min(1),
  name: z.string().nullish(),
  external_type: z.string().nullish(),
  external_type_display_name: z.string().nullish(),
});
export const systemEnvelope = z.looseObject({ acs_system: acsSystemSchema });
export const systemListEnvelope = z.looseObject({ acs_systems: listOf(acsSystemSchema) });

export const accessGroupSchema = z.looseObject({
  acs_access_group_id: z.string().min(1),
  acs_system_id: z.string().optional(),
  name: z.string().nullish(),
  display_name: z.string().nullish(),
  access_group_type: z.string().nullish(),
  external_type: z.string().nullish(),
});
export const accessGroupListEnvelope = z.looseObject({ acs_access_groups: listOf(accessGroupSchema) });

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
 * Seam applies writes to the access system asynchronously: right after suspend or update, the
 * user may still show the old values with a pending mutation carrying the new ones. What we
 * report is the state Seam has accepted, so a write reads back as done instead of being retried.
 */
export function effectiveUser(u: SeamAcsUser): SeamAcsUser {
  const out: SeamAcsUser = { ...u, is_suspended: u.is_suspended ?? false };
  for (const m of u.pending_mutations ?? []) {
    const to = m.to ?? {};
    if (m.mutation_code === 'updating_suspension_state' && typeof to.is_suspended === 'boolean') out.is_suspended = to.is_suspended;
    if (m.mutation_code === 'updating_user_information') {
      if (typeof to.full_name === 'string') out.full_name = to.full_name;
      if (typeof to.email_address === 'string') out.email_address = to.email_address;
      if (typeof to.phone_number === 'string') out.phone_number = to.phone_number;
    }
  }
  return out;
}

/** Seam is deleting the user (pending "deleting" mutation or "being_deleted" warning): it is gone for us. */
export function isBeingDeleted(u: SeamAcsUser): boolean {
  return (u.pending_mutations ?? []).some((m) => m.mutation_code === 'deleting') || (u.warnings ?? []).some((w) => w.warning_code === 'being_deleted');
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
    u.is_suspended ?? false,
    u.access_schedule?.starts_at ?? null,
    u.access_schedule?.ends_at ?? null,
    u.user_identity_id ?? null,
  ]);
  return createHash('sha256').update(basis).digest('hex').slice(0, 20);
}
