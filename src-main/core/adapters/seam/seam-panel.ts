import type { z } from 'zod';
import { UpstreamError } from '../types';
import type { AccessPanel, AccountInput, ListOptions, RemoteAccount, TestResult, WriteOptions } from '../types';
import { DEFAULT_RETRY, createUpstreamHttp, retryAfterMs, statusError } from '../http/upstream-http';
import type { HttpReply, RetryPolicy } from '../http/upstream-http';
import { parseReply } from '../http/parse-reply';
import { joinFullName, splitFullName } from './full-name';
import {
  accessGroupListEnvelope,
  effectiveUser,
  isBeingDeleted,
  nextCursor,
  seamError,
  systemEnvelope,
  systemListEnvelope,
  userEmail,
  userEnvelope,
  userListEnvelope,
  userVersion,
} from './seam-wire';
import type { SeamAcsUser } from './seam-wire';

/**
 * Seam ACS (one API in front of Brivo, Salto, Latch, Kisi, Avigilon…). Seam is RPC over HTTP:
 * every call is `POST /<resource>/<action>` with a JSON body and a bearer API key.
 *
 * What Seam does not give us, and what we do instead:
 * - No idempotency keys on /acs/users/create. A create first looks for the person in the ACS
 *   system (same email; without one, same phone and full name) and adopts that account; the
 *   create POST itself is never resent blindly — after a lost answer we look again before
 *   trying again, so a retry cannot make a second account.
 * - No first/last name split (see full-name.ts).
 * - No version or updated_at: the version is a hash of the user's fields, and `ifVersion` is
 *   checked by reading the user just before the write (412 when it moved). There is a short
 *   window between that read and the write that only a vendor-side precondition could close.
 * - No field for our external reference on ACS users themselves. Seam's user identities carry a
 *   documented unique `user_identity_key` (and acs users a `user_identity_id`), which could hold
 *   it, but that costs an identity per person and extra calls, and Seam's own fake does not
 *   implement /user_identities/create; until that is decided RemoteAccount.externalRef is null.
 * - Updates cannot clear an email or phone number; a null there leaves Seam's value as it is.
 */

export interface SeamPanelOptions {
  /** https://connect.getseam.com for the real service. */
  url: string;
  apiKey: string;
  acsSystemId: string;
  /** Access groups every new user joins (Seam's acs_access_group_ids on create). */
  accessGroupIds?: string[];
  /** Users per page when listing (Seam allows up to 500 on paged routes). */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

export interface SeamAccessGroup {
  id: string;
  name: string;
  /** Seam's access_group_type ("brivo_group", "salto_access_group"…). */
  type: string | null;
}

export interface SeamAcsSystem {
  id: string;
  name: string;
  /** The vendor behind it, as Seam names it ("Brivo account"). */
  vendor: string | null;
}

export interface SeamPanel extends AccessPanel {
  /** The access groups of the configured ACS system. */
  listAccessGroups(opts?: ListOptions): Promise<SeamAccessGroup[]>;
  addToAccessGroup(remoteId: string, accessGroupId: string, opts?: ListOptions): Promise<void>;
  /** Every ACS system the API key can see (for picking one in the connection settings). */
  listSystems(opts?: ListOptions): Promise<SeamAcsSystem[]>;
}

const SYSTEM = 'Seam';
export const SEAM_DEFAULT_URL = 'https://connect.getseam.com';

export function createSeamPanel(opts: SeamPanelOptions): SeamPanel {
  const http = createUpstreamHttp({ baseUrl: opts.url || SEAM_DEFAULT_URL, token: opts.apiKey, systemName: SYSTEM, retry: opts.retry });
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const pageSize = opts.pageSize ?? 200;
  const systemId = opts.acsSystemId;
  // Idempotency keys we have already seen succeed in this process: an exact replay is answered
  // without even the look-up.
  const createdByKey = new Map<string, string>();
  // For creates sent under a key whose answer never came: the namesakes there were before the
  // first send (see createOnce). Kept across calls, so a later retry of the same push is covered.
  const sentUnanswered = new Map<string, Set<string>>();

  const rpc = (route: string, body: Record<string, unknown>, retryable: boolean, signal?: AbortSignal, maxAttempts?: number) =>
    http.request({ method: 'POST', path: route, json: body, retryable, signal, maxAttempts });

  // Seam's error bodies describe the request; a proxy in front of it may repeat the key too.
  const replyError = (reply: HttpReply, what: string, remoteId?: string) => withoutKey(describeReply(reply, what, remoteId), opts.apiKey);

  async function call<T>(route: string, body: Record<string, unknown>, schema: z.ZodType<T>, what: string, signal?: AbortSignal): Promise<T> {
    const reply = await rpc(route, body, true, signal);
    if (!ok(reply)) throw replyError(reply, what);
    return validate(reply, what, schema);
  }

  async function getUser(remoteId: string, signal?: AbortSignal): Promise<SeamAcsUser | null> {
    const what = `reading ACS user ${remoteId}`;
    const reply = await rpc('/acs/users/get', { acs_user_id: remoteId }, true, signal);
    if (isNotFound(reply)) return null;
    if (!ok(reply)) throw replyError(reply, what);
    const user = validate(reply, what, userEnvelope).acs_user;
    // An ACS user of another system is not ours to manage from this connection.
    if (user.acs_system_id && user.acs_system_id !== systemId) return null;
    // One Seam is deleting counts as deleted: the removal we (or someone) asked for is under way.
    if (isBeingDeleted(user)) return null;
    return effectiveUser(user);
  }

  async function mustGet(remoteId: string, what: string, signal?: AbortSignal): Promise<SeamAcsUser> {
    const user = await getUser(remoteId, signal);
    if (!user) throw new UpstreamError(`${SYSTEM} has no ACS user ${remoteId} (it may have been deleted there) while ${what}.`, 404);
    return user;
  }

  /** Reads the user and refuses when it no longer has the version the caller last saw. */
  async function current(remoteId: string, wo: WriteOptions, what: string): Promise<SeamAcsUser> {
    const user = await mustGet(remoteId, what, wo.signal);
    if (wo.ifVersion && userVersion(user) !== wo.ifVersion) {
      throw new UpstreamError(`ACS user ${remoteId} changed in ${SYSTEM} since it was last read; read it again before writing.`, 412);
    }
    return user;
  }

  async function* pages(signal?: AbortSignal, search?: string): AsyncIterable<SeamAcsUser[]> {
    const seen = new Set<string>();
    const cursors = new Set<string>();
    let cursor: string | null = null;
    for (let page = 1; ; page++) {
      const what = `reading page ${page} of the ACS user list`;
      const body: Record<string, unknown> = { acs_system_id: systemId, limit: pageSize };
      if (cursor) body.page_cursor = cursor;
      if (search) body.search = search;
      const value = await call('/acs/users/list', body, userListEnvelope, what, signal);
      for (const u of value.acs_users) {
        if (seen.has(u.acs_user_id)) throw unusable(what, `ACS user ${u.acs_user_id} appears more than once`);
        seen.add(u.acs_user_id);
      }
      // Seam filters by acs_system_id itself; a stray user from another system is dropped, not trusted.
      yield value.acs_users.filter((u) => (!u.acs_system_id || u.acs_system_id === systemId) && !isBeingDeleted(u)).map(effectiveUser);
      const next = nextCursor(value.pagination);
      if (!next) {
        // "More to come" without a way to reach it: ending here would pass a partial list off as
        // the whole one, and the accounts on the unread pages would look deleted.
        const p = value.pagination;
        if (p && (p.has_next_page === true || (p.has_next_page !== false && p.next_page_url))) {
          throw unusable(what, 'it says there is a next page but gives no cursor to reach it');
        }
        return;
      }
      if (cursors.has(next)) throw unusable(what, 'its paging goes round in a circle');
      cursors.add(next);
      cursor = next;
    }
  }

  /** The account this person already has in the ACS system, if any (see the header comment). */
  async function findExisting(input: AccountInput, signal?: AbortSignal): Promise<SeamAcsUser | null> {
    const email = input.email?.trim().toLowerCase() || null;
    const phone = digits(input.phone);
    const name = joinFullName(input.firstName, input.lastName).toLowerCase();
    const matches = (u: SeamAcsUser): boolean => {
      if (email) return userEmail(u)?.trim().toLowerCase() === email;
      const sameName = (u.full_name ?? '').trim().replace(/\s+/g, ' ').toLowerCase() === name;
      if (phone) return sameName && digits(u.phone_number) === phone;
      return sameName && !userEmail(u) && !digits(u.phone_number);
    };
    // `search` (a partial match on full_name, email_address or phone_number) narrows the list on
    // Seam's side; the phone goes in the E.164 form Seam stores, or spacing would miss it. We
    // still match exactly here.
    const search = input.email?.trim() || (input.phone?.trim() ? e164(input.phone) : undefined);
    for await (const page of pages(signal, search)) {
      const found = page.find(matches);
      if (found) return found;
    }
    return null;
  }

  /** The ids of the users that carry this person's full name (no email or phone to go by). */
  async function namesakes(input: AccountInput, signal?: AbortSignal): Promise<SeamAcsUser[]> {
    const name = joinFullName(input.firstName, input.lastName);
    const out: SeamAcsUser[] = [];
    for await (const page of pages(signal, name || undefined)) {
      out.push(...page.filter((u) => (u.full_name ?? '').trim().replace(/\s+/g, ' ').toLowerCase() === name.toLowerCase()));
    }
    return out;
  }

  async function createOnce(input: AccountInput, wo: WriteOptions): Promise<SeamAcsUser> {
    const what = 'creating an ACS user';
    const body: Record<string, unknown> = { acs_system_id: systemId, full_name: joinFullName(input.firstName, input.lastName) };
    if (input.email) body.email_address = input.email;
    if (input.phone) body.phone_number = e164(input.phone);
    if (opts.accessGroupIds?.length) body.acs_access_group_ids = opts.accessGroupIds;
    // A person with neither email nor phone is found again only by name, and only while the
    // namesake has no contacts either; Seam (or the system behind it) may fill one in on
    // create, so after a lost answer our own new user would not be recognised. What tells it
    // apart is that it was not there before our first create under this key.
    const byNameOnly = !input.email?.trim() && !digits(input.phone);
    for (let attempt = 1; ; attempt++) {
      const existing = await findExisting(input, wo.signal);
      if (existing) return existing;
      const before = byNameOnly ? sentUnanswered.get(wo.idempotencyKey) : undefined;
      if (before) {
        const fresh = (await namesakes(input, wo.signal)).filter((u) => !before.has(u.acs_user_id));
        if (fresh.length) return fresh[0];
      } else if (byNameOnly) {
        sentUnanswered.set(wo.idempotencyKey, new Set((await namesakes(input, wo.signal)).map((u) => u.acs_user_id)));
        if (sentUnanswered.size > 5000) sentUnanswered.delete(sentUnanswered.keys().next().value as string);
      }
      let reply: HttpReply;
      try {
        // Never resent by the HTTP layer: a lost answer might mean the user exists now.
        reply = await rpc('/acs/users/create', body, false, wo.signal);
      } catch (err) {
        if (!(err instanceof UpstreamError) || !err.retryable || attempt >= policy.attempts || wo.signal?.aborted) throw err;
        await sleep(backoff(policy, attempt));
        continue;
      }
      if (ok(reply)) {
        // Read first: an answer cut off on the way still made the user, so its baseline stays.
        const created = effectiveUser(validate(reply, what, userEnvelope).acs_user);
        sentUnanswered.delete(wo.idempotencyKey);
        return created;
      }
      const error = replyError(reply, what);
      // A refusal (4xx) made nothing; a 5xx may have, so its baseline stays for the next try.
      if (!error.retryable && reply.status < 500) sentUnanswered.delete(wo.idempotencyKey);
      if (!error.retryable || attempt >= policy.attempts) throw error;
      const asked = retryAfterMs(reply.headers['retry-after']);
      await sleep(asked !== null ? Math.min(asked, policy.maxDelayMs) : backoff(policy, attempt));
    }
  }

  return {
    kind: 'seam',

    async test(): Promise<TestResult> {
      try {
        const reply = await rpc('/acs/systems/get', { acs_system_id: systemId }, true, undefined, 2);
        if (isNotFound(reply)) {
          return { ok: false, message: `${SYSTEM} accepted the API key but has no access system "${systemId}" in this workspace. Check the ACS system id.` };
        }
        if (!ok(reply)) throw replyError(reply, 'checking the connection');
        const sys = validate(reply, 'checking the connection', systemEnvelope).acs_system;
        const vendor = sys.external_type_display_name ? ` (${sys.external_type_display_name})` : '';
        return { ok: true, message: `Connected to ${SYSTEM}: access system "${sys.name ?? sys.acs_system_id}"${vendor}.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<RemoteAccount[]> {
      for await (const page of pages(listOpts?.signal)) yield page.map(toRemote);
    },

    async get(remoteId) {
      const user = await getUser(remoteId);
      return user ? toRemote(user) : null;
    },

    async create(input, wo) {
      requireKey(wo);
      const known = createdByKey.get(wo.idempotencyKey);
      if (known) {
        const user = await getUser(known, wo.signal);
        if (user) return toRemote(user);
      }
      const user = await createOnce(input, wo);
      createdByKey.set(wo.idempotencyKey, user.acs_user_id);
      if (createdByKey.size > 5000) createdByKey.delete(createdByKey.keys().next().value as string);
      return toRemote(user);
    },

    async update(remoteId, input, wo) {
      requireKey(wo);
      const what = `updating ACS user ${remoteId}`;
      const before = await current(remoteId, wo, what);
      const body: Record<string, unknown> = { acs_user_id: remoteId };
      if (input.firstName !== undefined || input.lastName !== undefined) {
        // Seam only knows the whole name: fill the half we were not given from what it holds now.
        const now = splitFullName(before.full_name);
        body.full_name = joinFullName(input.firstName ?? now.firstName, input.lastName ?? now.lastName);
      }
      if (input.email) body.email_address = input.email;
      if (input.phone) body.phone_number = e164(input.phone);
      if (Object.keys(body).length > 1) {
        // Setting the same values twice is harmless, so the HTTP layer may retry this one.
        const reply = await rpc('/acs/users/update', body, true, wo.signal);
        if (!ok(reply)) throw replyError(reply, what, remoteId);
      }
      return toRemote(await mustGet(remoteId, what, wo.signal));
    },

    async suspend(remoteId, wo) {
      return setSuspended(remoteId, true, wo);
    },

    async resume(remoteId, wo) {
      return setSuspended(remoteId, false, wo);
    },

    async remove(remoteId, wo) {
      requireKey(wo);
      const what = `removing ACS user ${remoteId}`;
      if (wo.ifVersion) {
        const user = await getUser(remoteId, wo.signal);
        if (!user) return;
        if (userVersion(user) !== wo.ifVersion) {
          throw new UpstreamError(`ACS user ${remoteId} changed in ${SYSTEM} since it was last read; read it again before writing.`, 412);
        }
      }
      const reply = await rpc('/acs/users/delete', { acs_user_id: remoteId }, true, wo.signal);
      // Already gone is what we wanted.
      if (isNotFound(reply)) return;
      if (!ok(reply)) throw replyError(reply, what, remoteId);
    },

    async listAccessGroups(listOpts) {
      const value = await call('/acs/access_groups/list', { acs_system_id: systemId }, accessGroupListEnvelope, 'reading the access groups', listOpts?.signal);
      return value.acs_access_groups
        .filter((g) => !g.acs_system_id || g.acs_system_id === systemId)
        .map((g) => ({ id: g.acs_access_group_id, name: g.name ?? g.display_name ?? g.acs_access_group_id, type: g.access_group_type ?? g.external_type ?? null }));
    },

    async addToAccessGroup(remoteId, accessGroupId, listOpts) {
      const what = `adding ACS user ${remoteId} to access group ${accessGroupId}`;
      // Joining a group one is already in changes nothing, so this is safe to retry.
      const reply = await rpc('/acs/users/add_to_access_group', { acs_user_id: remoteId, acs_access_group_id: accessGroupId }, true, listOpts?.signal);
      if (!ok(reply)) throw replyError(reply, what, remoteId);
    },

    async listSystems(listOpts) {
      const value = await call('/acs/systems/list', {}, systemListEnvelope, 'reading the access systems', listOpts?.signal);
      return value.acs_systems.map((s) => ({ id: s.acs_system_id, name: s.name ?? s.acs_system_id, vendor: s.external_type_display_name ?? s.external_type ?? null }));
    },
  };

  async function setSuspended(remoteId: string, suspended: boolean, wo: WriteOptions): Promise<RemoteAccount> {
    requireKey(wo);
    const what = `${suspended ? 'suspending' : 'resuming'} ACS user ${remoteId}`;
    const before = await current(remoteId, wo, what);
    if (before.is_suspended !== suspended) {
      const reply = await rpc(suspended ? '/acs/users/suspend' : '/acs/users/unsuspend', { acs_user_id: remoteId }, true, wo.signal);
      if (!ok(reply)) throw replyError(reply, what, remoteId);
    }
    return toRemote(await mustGet(remoteId, what, wo.signal));
  }
}

export function toRemote(user: SeamAcsUser): RemoteAccount {
  const u = effectiveUser(user);
  const { firstName, lastName } = splitFullName(u.full_name ?? u.display_name);
  return {
    remoteId: u.acs_user_id,
    firstName,
    lastName,
    email: userEmail(u),
    phone: u.phone_number ?? null,
    suspended: u.is_suspended ?? false,
    version: userVersion(u),
    externalRef: null,
  };
}

/** Seam answers writes with 200 and a body ({} or { acs_user }), some proxies with 201/204: all are success. */
function ok(reply: HttpReply): boolean {
  return reply.status >= 200 && reply.status < 300;
}

function requireKey(wo: WriteOptions): void {
  if (!wo.idempotencyKey) throw new UpstreamError(`Refusing to write to ${SYSTEM} without an idempotency key.`);
}

function isNotFound(reply: HttpReply): boolean {
  if (reply.status === 404) return true;
  // Some Seam routes answer 400 with a *_not_found type instead of 404.
  return reply.status === 400 && /_not_found$/.test(seamError(reply.text).type ?? '');
}

function validate<T>(reply: HttpReply, what: string, schema: z.ZodType<T>): T {
  return parseReply(reply, schema, (why) => unusable(what, why));
}

function unusable(what: string, why: string): UpstreamError {
  return new UpstreamError(`${SYSTEM} sent an unusable answer while ${what}: ${why}.`, null, true);
}

/** The same error with every copy of the API key cut out of its message. */
function withoutKey(err: UpstreamError, apiKey: string): UpstreamError {
  if (!apiKey || apiKey.length < 4 || !err.message.includes(apiKey)) return err;
  return new UpstreamError(err.message.split(apiKey).join('***'), err.status, err.retryable);
}

/** Turns a Seam error envelope into a message a person can act on. */
function describeReply(reply: HttpReply, what: string, remoteId?: string): UpstreamError {
  const { type, message } = seamError(reply.text);
  if (reply.status === 401 || reply.status === 403) {
    return new UpstreamError(`${SYSTEM} rejected the API key (${reply.status}${type ? `, ${type}` : ''}). Check the key in the connection settings.`, reply.status);
  }
  if (isNotFound(reply)) {
    const which = remoteId ? ` for ACS user ${remoteId}` : '';
    return new UpstreamError(`${SYSTEM} found nothing${which} while ${what}${type ? ` (${type})` : ''}.`, 404);
  }
  if (reply.status === 400 || reply.status === 409 || reply.status === 422) {
    return new UpstreamError(`${SYSTEM} refused the request while ${what}${type ? ` (${type})` : ''}${message ? `: ${message}` : ''}.`, reply.status);
  }
  const base = statusError(SYSTEM, what, reply);
  return type ? new UpstreamError(base.message.replace(/\)/, `, ${type})`), base.status, base.retryable) : base;
}

/** Seam insists on E.164; "+1 415 555 0100" only needs its spacing removed. Anything else goes as is. */
function e164(phone: string): string {
  const t = phone.trim();
  return /^\+[\d\s().-]+$/.test(t) ? `+${t.replace(/\D/g, '')}` : t;
}

function digits(phone: string | null | undefined): string {
  return (phone ?? '').replace(/\D/g, '');
}

function backoff(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random() * 0.25));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
