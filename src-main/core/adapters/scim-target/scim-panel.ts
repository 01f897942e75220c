import type { z } from 'zod';
import { UpstreamError } from '../types';
import type { AccessPanel, AccountInput, ListOptions, RemoteAccount, TestResult, WriteOptions } from '../types';
import { DEFAULT_RETRY, createUpstreamHttp, parseJson, retryAfterMs, statusError } from '../http/upstream-http';
import type { HttpCall, HttpReply, RetryPolicy } from '../http/upstream-http';
import { parseReply } from '../http/parse-reply';
import {
  SCIM_PATCH_SCHEMA,
  filterEq,
  listResponseSchema,
  patchOperations,
  scimError,
  scimUserSchema,
  toRemote,
  toScimUser,
  userNameFor,
  versionOf,
} from './scim-wire';
import type { ScimUser } from './scim-wire';

/**
 * A SCIM 2.0 service provider as an access system (Kisi, Avigilon Alta and others accept SCIM).
 *
 * - Create is idempotent on our side: look for `externalId eq "<our ref>"` first; POST only when
 *   nothing is there, never resend a POST blindly (after a lost answer, look again first); a 409
 *   on userName adopts the holder when it is ours or unclaimed (no externalId).
 * - Filters are not trusted: when a server refuses them (400/501) or ignores them (answers with
 *   users that do not match), we page through everything and match here.
 * - Versions: the server's ETag (ETag header or meta.version) travels back as If-Match; a server
 *   without ETags gets a field hash that we check by re-reading just before the write.
 * - Quirks tolerated: DELETE 200 or 204, PATCH 200 with the user or 204 without, no `meta`,
 *   no `Resources` in an empty list, `active` as a string, PATCH unsupported (→ GET + PUT).
 */

export interface ScimPanelOptions {
  /** The SCIM base URL, e.g. https://api.example.com/scim/v2 (without /Users). */
  url: string;
  token: string;
  /** Users per page when listing (SCIM `count`). */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

const SYSTEM = 'the SCIM server';
const CONTENT = 'application/scim+json';

export function createScimPanel(opts: ScimPanelOptions): AccessPanel {
  const http = createUpstreamHttp({ baseUrl: opts.url, token: opts.token, systemName: SYSTEM, retry: opts.retry, accept: `${CONTENT}, application/json` });
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const pageSize = opts.pageSize ?? 100;
  // Once a server has shown it cannot filter, stop asking it to.
  let filtersWork = true;

  const send = (call: Omit<HttpCall, 'body'> & { json?: unknown }) => {
    const { json, ...rest } = call;
    return http.request({ ...rest, ...(json !== undefined ? { body: { contentType: CONTENT, text: JSON.stringify(json) } } : {}) });
  };
  const userPath = (id: string) => `/Users/${encodeURIComponent(id)}`;

  async function read(remoteId: string, signal?: AbortSignal): Promise<{ user: ScimUser; etag: string | null } | null> {
    const what = `reading user ${remoteId}`;
    const reply = await send({ method: 'GET', path: userPath(remoteId), retryable: true, signal });
    if (reply.status === 404) return null;
    if (reply.status !== 200) throw replyError(reply, what, remoteId);
    return { user: validate(reply, what, scimUserSchema), etag: etagOf(reply) };
  }

  async function* pages(signal?: AbortSignal, filter?: string): AsyncIterable<ScimUser[]> {
    const seen = new Set<string>();
    let startIndex = 1;
    for (let page = 1; ; page++) {
      const what = `reading page ${page} of the user list`;
      const reply = await send({ method: 'GET', path: '/Users', query: { filter, startIndex, count: pageSize }, retryable: true, signal });
      if (reply.status !== 200) throw replyError(reply, what);
      const value = validate(reply, what, listResponseSchema);
      const users = value.Resources ?? [];
      for (const u of users) {
        if (seen.has(u.id)) throw unusable(what, `user ${u.id} appears more than once`);
        seen.add(u.id);
      }
      yield users;
      startIndex += users.length;
      // An empty page ends it even if totalResults promised more: the server has nothing left to give.
      if (users.length === 0 || startIndex > value.totalResults) return;
    }
  }

  /** Users where `attribute` equals `value` (case-insensitive for userName, as RFC 7643 says). */
  async function findBy(attribute: 'externalId' | 'userName', value: string, signal?: AbortSignal): Promise<ScimUser[]> {
    const same = (u: ScimUser) => (attribute === 'userName' ? (u.userName ?? '').toLowerCase() === value.toLowerCase() : u.externalId === value);
    if (filtersWork) {
      try {
        const found: ScimUser[] = [];
        let honoured = true;
        for await (const page of pages(signal, filterEq(attribute, value))) {
          if (page.some((u) => !same(u))) honoured = false;
          found.push(...page.filter(same));
          if (!honoured) break;
        }
        if (honoured) return found;
      } catch (err) {
        if (!(err instanceof UpstreamError) || (err.status !== 400 && err.status !== 501 && err.status !== 403)) throw err;
      }
      filtersWork = false;
    }
    const found: ScimUser[] = [];
    for await (const page of pages(signal)) found.push(...page.filter(same));
    return found;
  }

  /** Refuses when the account moved on since the caller read it; returns the If-Match to send. */
  async function precondition(remoteId: string, wo: WriteOptions, what: string): Promise<Record<string, string>> {
    if (!wo.ifVersion) return {};
    if (!wo.ifVersion.startsWith('h:')) return { 'if-match': wo.ifVersion };
    const now = await read(remoteId, wo.signal);
    if (!now) throw new UpstreamError(`${SYSTEM} has no user ${remoteId} (it may have been deleted there) while ${what}.`, 404);
    if (versionOf(now.user, now.etag) !== wo.ifVersion) throw changed(remoteId);
    return {};
  }

  async function patch(remoteId: string, operations: Array<Record<string, unknown>>, wo: WriteOptions, what: string): Promise<RemoteAccount> {
    requireKey(wo);
    const headers = await precondition(remoteId, wo, what);
    // Replacing values with the same values is harmless, so PATCH may be retried.
    const reply = await send({ method: 'PATCH', path: userPath(remoteId), json: { schemas: [SCIM_PATCH_SCHEMA], Operations: operations }, headers, retryable: true, signal: wo.signal });
    if (reply.status === 405 || reply.status === 501) return putInstead(remoteId, operations, headers, wo, what);
    if (reply.status !== 200 && reply.status !== 204) throw replyError(reply, what, remoteId);
    if (reply.status === 200 && reply.text.trim()) {
      const parsed = parseJson(reply.text);
      const user = parsed.ok ? scimUserSchema.safeParse(parsed.value) : null;
      if (user?.success) return toRemote(user.data, etagOf(reply));
    }
    const after = await read(remoteId, wo.signal);
    if (!after) throw new UpstreamError(`${SYSTEM} has no user ${remoteId} after ${what}.`, 404);
    return toRemote(after.user, after.etag);
  }

  /** For servers without PATCH: read the user, apply our operations, PUT it back. */
  async function putInstead(remoteId: string, operations: Array<Record<string, unknown>>, headers: Record<string, string>, wo: WriteOptions, what: string): Promise<RemoteAccount> {
    const now = await read(remoteId, wo.signal);
    if (!now) throw new UpstreamError(`${SYSTEM} has no user ${remoteId} while ${what}.`, 404);
    const body: Record<string, unknown> = { ...now.user };
    delete body.meta;
    for (const op of operations) applyOp(body, op);
    const ifMatch = headers['if-match'] ?? now.etag ?? now.user.meta?.version ?? undefined;
    const reply = await send({ method: 'PUT', path: userPath(remoteId), json: body, headers: ifMatch ? { 'if-match': ifMatch } : {}, retryable: true, signal: wo.signal });
    if (reply.status !== 200) throw replyError(reply, what, remoteId);
    return toRemote(validate(reply, what, scimUserSchema), etagOf(reply));
  }

  async function createOnce(input: AccountInput, wo: WriteOptions): Promise<ScimUser> {
    const what = 'creating a user';
    for (let attempt = 1; ; attempt++) {
      const ours = await findBy('externalId', input.externalRef, wo.signal);
      if (ours.length > 0) return ours[0];
      let reply: HttpReply;
      try {
        reply = await send({ method: 'POST', path: '/Users', json: toScimUser(input), retryable: false, signal: wo.signal });
      } catch (err) {
        if (!(err instanceof UpstreamError) || !err.retryable || attempt >= policy.attempts || wo.signal?.aborted) throw err;
        await sleep(backoff(policy, attempt));
        continue;
      }
      if (reply.status === 201 || reply.status === 200) return validate(reply, what, scimUserSchema);
      if (reply.status === 409) return adopt(input, reply, wo);
      const error = replyError(reply, what);
      if (!error.retryable || attempt >= policy.attempts) throw error;
      const asked = retryAfterMs(reply.headers['retry-after']);
      await sleep(asked !== null ? Math.min(asked, policy.maxDelayMs) : backoff(policy, attempt));
    }
  }

  /** userName is taken: take the account over if it is ours or nobody's, else say who holds it. */
  async function adopt(input: AccountInput, conflict: HttpReply, wo: WriteOptions): Promise<ScimUser> {
    const userName = userNameFor(input);
    const [holder] = await findBy('userName', userName, wo.signal);
    if (holder && (!holder.externalId || holder.externalId === input.externalRef)) {
      if (holder.externalId) return holder;
      const claimed = await patch(holder.id, [{ op: 'replace', path: 'externalId', value: input.externalRef }], wo, `claiming user ${holder.id}`);
      return (await read(claimed.remoteId, wo.signal))?.user ?? holder;
    }
    const { detail } = scimError(conflict.text);
    return Promise.reject(
      new UpstreamError(`${capital(SYSTEM)} already has another user with the userName "${userName}" (409${detail ? `: ${detail}` : ''}); userNames must be unique there.`, 409),
    );
  }

  return {
    kind: 'scim',

    async test(): Promise<TestResult> {
      try {
        const reply = await send({ method: 'GET', path: '/Users', query: { startIndex: 1, count: 1 }, retryable: true, maxAttempts: 2 });
        if (reply.status !== 200) throw replyError(reply, 'checking the connection');
        const value = validate(reply, 'checking the connection', listResponseSchema);
        return { ok: true, message: `Connected to ${SYSTEM}; it holds ${value.totalResults} user${value.totalResults === 1 ? '' : 's'}.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<RemoteAccount[]> {
      for await (const page of pages(listOpts?.signal)) yield page.map((u) => toRemote(u));
    },

    async get(remoteId) {
      const found = await read(remoteId);
      return found ? toRemote(found.user, found.etag) : null;
    },

    async create(input, wo) {
      requireKey(wo);
      const user = await createOnce(input, wo);
      return toRemote(user);
    },

    async update(remoteId, input, wo) {
      const ops = patchOperations(input);
      if (ops.length === 0) {
        const now = await read(remoteId, wo.signal);
        if (!now) throw new UpstreamError(`${SYSTEM} has no user ${remoteId}.`, 404);
        return toRemote(now.user, now.etag);
      }
      return patch(remoteId, ops, wo, `updating user ${remoteId}`);
    },

    async suspend(remoteId, wo) {
      return patch(remoteId, [{ op: 'replace', path: 'active', value: false }], wo, `suspending user ${remoteId}`);
    },

    async resume(remoteId, wo) {
      return patch(remoteId, [{ op: 'replace', path: 'active', value: true }], wo, `resuming user ${remoteId}`);
    },

    async remove(remoteId, wo) {
      requireKey(wo);
      const what = `removing user ${remoteId}`;
      let headers: Record<string, string>;
      try {
        headers = await precondition(remoteId, wo, what);
      } catch (err) {
        if (err instanceof UpstreamError && err.status === 404) return;
        throw err;
      }
      const reply = await send({ method: 'DELETE', path: userPath(remoteId), headers, retryable: true, signal: wo.signal });
      // 204 is the RFC's answer; 200 (with or without a body) is common; gone already is fine.
      if (reply.status === 204 || reply.status === 200 || reply.status === 404) return;
      throw replyError(reply, what, remoteId);
    },
  };
}

/** Applies one of our own PatchOp operations to a plain user object (for the PUT fallback). */
function applyOp(body: Record<string, unknown>, op: Record<string, unknown>): void {
  const path = String(op.path);
  if (path.startsWith('name.')) {
    const name = { ...((body.name as Record<string, unknown> | undefined) ?? {}) };
    name[path.slice(5)] = op.value;
    body.name = name;
  } else if (op.op === 'remove') delete body[path];
  else body[path] = op.value;
}

function etagOf(reply: HttpReply): string | null {
  const v = reply.headers.etag;
  const tag = Array.isArray(v) ? v[0] : v;
  return tag?.trim() || null;
}

function requireKey(wo: WriteOptions): void {
  if (!wo.idempotencyKey) throw new UpstreamError(`Refusing to write to ${SYSTEM} without an idempotency key.`);
}

function changed(remoteId: string): UpstreamError {
  return new UpstreamError(`User ${remoteId} changed on ${SYSTEM} since it was last read; read it again before writing.`, 412);
}

function validate<T>(reply: HttpReply, what: string, schema: z.ZodType<T>): T {
  return parseReply(reply, schema, (why) => unusable(what, why));
}

function unusable(what: string, why: string): UpstreamError {
  return new UpstreamError(`${capital(SYSTEM)} sent an unusable answer while ${what}: ${why}.`, null, true);
}

function replyError(reply: HttpReply, what: string, remoteId?: string): UpstreamError {
  const { scimType, detail } = scimError(reply.text);
  if (reply.status === 412) return changed(remoteId ?? '?');
  if (reply.status === 404) return new UpstreamError(`${capital(SYSTEM)} has no user ${remoteId ?? ''} (it may have been deleted there) while ${what}.`.replace('  ', ' '), 404);
  if (reply.status === 401 || reply.status === 403) return statusError(SYSTEM, what, reply);
  if (reply.status >= 400 && reply.status < 500 && reply.status !== 429) {
    const why = [scimType, detail].filter(Boolean).join(': ');
    return new UpstreamError(`${capital(SYSTEM)} refused the request (${reply.status}) while ${what}${why ? ` — ${why}` : ''}.`, reply.status);
  }
  return statusError(SYSTEM, what, reply);
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function backoff(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random() * 0.25));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
