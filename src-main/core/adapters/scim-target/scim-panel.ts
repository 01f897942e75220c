import type { z } from 'zod';
import { UpstreamError } from '../types';
import type { AccessPanel, AccountInput, ListOptions, RemoteAccount, TestResult, WriteOptions } from '../types';
import { DEFAULT_RETRY, createUpstreamHttp, parseJson, retryAfterMs, statusError } from '../http/upstream-http';
import type { HttpCall, HttpReply, RetryPolicy } from '../http/upstream-http';
import {
  SCIM_PATCH_SCHEMA,
  SCIM_USER_SCHEMA,
  fieldHash,
  filterEq,
  listResponseSchema,
  patchOperations,
  scimError,
  scimUserSchema,
  toRemote,
  toScimUser,
  userNameFor,
} from './scim-wire';
import type { ScimUser } from './scim-wire';
import { SCIM_ACCEPT, SCIM_MEDIA_TYPE, canonicalize, parseEndpoint, readScim, withQuery } from './scim-protocol';

/**
 * A SCIM 2.0 service provider as an access system (Kisi, Avigilon Alta and others accept SCIM).
 *
 * - Create is idempotent on our side: look for `externalId eq "<our ref>"` first; POST only when
 *   nothing is there, never resend a POST blindly (after a lost answer, look again first); a 409
 *   on userName adopts the holder when it is ours or unclaimed (no externalId).
 * - Filters are not trusted: when a server refuses them (400/501) or ignores them (answers with
 *   users that do not match), we page through everything and match here.
 * - Versions: the server's ETag (ETag header or meta.version) travels back as If-Match; a server
 *   without ETags gets a field hash that we check by re-reading just before the write. A 412 is a
 *   conflict, never retried — unless it answers our own retried write, which a re-read confirms.
 * - Paging (RFC 7644 §3.4.2.4): 1-based startIndex advanced by what actually came (servers may
 *   send fewer than `count`, or ignore it); the list ends when startIndex passes totalResults,
 *   and a list that stops short of totalResults, or a total that moves mid-read, is an error.
 * - Quirks tolerated: DELETE 200 or 204, PATCH 200 with the user or 204 without, no `meta`,
 *   no `Resources` in an empty list, `active` as a string, PATCH unsupported (→ GET + PUT),
 *   attribute names in any case (RFC 7643 §2.1), application/json instead of application/scim+json.
 */

export interface ScimPanelOptions {
  /**
   * The SCIM base URL, e.g. https://api.example.com/scim/v2: a trailing slash, a pasted /Users
   * and a query string (kept on every request) are all fine.
   */
  url: string;
  token: string;
  /** Users per page when listing (SCIM `count`). */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

const SYSTEM = 'the SCIM server';

export function createScimPanel(opts: ScimPanelOptions): AccessPanel {
  const endpoint = parseEndpoint(opts.url);
  const http = createUpstreamHttp({ baseUrl: endpoint.baseUrl, token: opts.token, systemName: SYSTEM, retry: opts.retry, accept: SCIM_ACCEPT });
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const pageSize = Math.max(1, opts.pageSize ?? 100);
  const secrets = [opts.token];
  // Once a server has shown it cannot filter, stop asking it to.
  let filtersWork = true;

  /** Every call goes out with its query encoded here and, with a body, as application/scim+json. */
  const send = (call: Omit<HttpCall, 'body'> & { json?: unknown }) => {
    const { json, query, path, ...rest } = call;
    return http.request({
      ...rest,
      path: withQuery(endpoint, path, query),
      ...(json !== undefined ? { body: { contentType: SCIM_MEDIA_TYPE, text: JSON.stringify(json) } } : {}),
    });
  };
  const userPath = (id: string) => `/Users/${encodeURIComponent(id)}`;
  const fail = (reply: HttpReply, what: string, remoteId?: string) => replyError(reply, what, secrets, remoteId);

  async function read(remoteId: string, signal?: AbortSignal): Promise<{ user: ScimUser; etag: string | null } | null> {
    const what = `reading user ${remoteId}`;
    const reply = await send({ method: 'GET', path: userPath(remoteId), retryable: true, signal });
    if (reply.status === 404) return null;
    if (reply.status !== 200) throw fail(reply, what, remoteId);
    return { user: validate(reply, what, scimUserSchema), etag: etagOf(reply) };
  }

  async function* pages(signal?: AbortSignal, filter?: string): AsyncIterable<ScimUser[]> {
    const seen = new Set<string>();
    let startIndex = 1;
    let total: number | null = null;
    for (let page = 1; ; page++) {
      const what = `reading page ${page} of the user list`;
      const reply = await send({ method: 'GET', path: '/Users', query: { filter, startIndex, count: pageSize }, retryable: true, signal });
      if (reply.status !== 200) throw fail(reply, what);
      const value = validate(reply, what, listResponseSchema);
      // A server that ignores startIndex would hand us page 1 again and again. (One that numbers
      // its first page 0 is tolerated.)
      if (value.startIndex !== undefined && value.startIndex !== startIndex && !(startIndex === 1 && value.startIndex === 0)) {
        throw unusable(what, `it starts at ${value.startIndex} where ${startIndex} was asked for`);
      }
      if (total === null) total = value.totalResults;
      else if (value.totalResults !== total) {
        // Index-based pages shift when users come or go, so a user could have been skipped.
        throw new UpstreamError(`The user list on ${SYSTEM} changed while it was being read (${value.totalResults} users now, ${total} before). Try again.`, null, true);
      }
      const users = value.Resources ?? [];
      for (const u of users) {
        if (seen.has(u.id)) throw unusable(what, `user ${u.id} appears more than once`);
        seen.add(u.id);
      }
      yield users;
      startIndex += users.length;
      if (startIndex > total) return;
      // Fewer than asked is fine (RFC 7644 §3.4.2.4); nothing at all before the total is reached
      // means the server lost the rest, and a partial list must never pass for the whole one.
      if (users.length === 0) {
        throw new UpstreamError(`The user list from ${SYSTEM} was incomplete: it reported ${total} users but sent ${seen.size}.`, null, true);
      }
    }
  }

  /** Users where `attribute` equals `value` (case-insensitive for userName, as RFC 7643 says). */
  async function findBy(attribute: 'externalId' | 'userName', value: string, signal?: AbortSignal): Promise<ScimUser[]> {
    const same = (u: ScimUser) => (attribute === 'userName' ? (u.userName ?? '').toLowerCase() === value.toLowerCase() : u.externalId === value);
    // A server that matched externalId without regard to case still filtered; it did not ignore us.
    const near = (u: ScimUser) => ((attribute === 'userName' ? u.userName : u.externalId) ?? '').toLowerCase() === value.toLowerCase();
    if (filtersWork) {
      try {
        const found: ScimUser[] = [];
        let honoured = true;
        for await (const page of pages(signal, filterEq(attribute, value))) {
          if (page.some((u) => !near(u))) honoured = false;
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
    // Compare like with like: the hash was made from fields, even if this read brought an ETag
    // (a list carries no ETag headers; a single GET may).
    if (fieldHash(now.user) !== wo.ifVersion) throw changed(remoteId);
    // Whatever ETag the server has now closes the gap between this read and the write.
    const etag = now.etag ?? now.user.meta?.version ?? null;
    return etag ? { 'if-match': etag } : {};
  }

  /**
   * A 412 is a conflict and is not retried. The one exception: our own write was applied, its
   * answer lost, and the retry then failed the If-Match against the version that write created.
   * Then the user already holds what we asked for, and that is success, not a conflict.
   */
  async function ownWriteLanded(reply: HttpReply, remoteId: string, operations: Array<Record<string, unknown>>, signal?: AbortSignal): Promise<RemoteAccount | null> {
    if (reply.status !== 412 || reply.attempts < 2) return null;
    const now = await read(remoteId, signal);
    return now && operationsHold(now.user, operations) ? toRemote(now.user, now.etag) : null;
  }

  async function patch(remoteId: string, operations: Array<Record<string, unknown>>, wo: WriteOptions, what: string): Promise<RemoteAccount> {
    requireKey(wo);
    const headers = await precondition(remoteId, wo, what);
    // Replacing values with the same values is harmless, so PATCH may be retried.
    const reply = await send({ method: 'PATCH', path: userPath(remoteId), json: { schemas: [SCIM_PATCH_SCHEMA], Operations: operations }, headers, retryable: true, signal: wo.signal });
    if (reply.status === 405 || reply.status === 501) return putInstead(remoteId, operations, headers, wo, what);
    const landed = await ownWriteLanded(reply, remoteId, operations, wo.signal);
    if (landed) return landed;
    if (reply.status !== 200 && reply.status !== 204) throw fail(reply, what, remoteId);
    if (reply.status === 200 && reply.text.trim()) {
      const parsed = parseJson(reply.text);
      const user = parsed.ok ? scimUserSchema.safeParse(canonicalize(parsed.value)) : null;
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
    // RFC 7644 §3.5.1: a PUT carries the whole resource, `schemas` included (a server may have
    // left it out of its GET answer); `meta` is the server's own and read-only.
    const body: Record<string, unknown> = { ...now.user };
    delete body.meta;
    const schemas = Array.isArray(body.schemas) ? (body.schemas as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    body.schemas = schemas.some((x) => x.toLowerCase() === SCIM_USER_SCHEMA.toLowerCase()) ? schemas : [SCIM_USER_SCHEMA, ...schemas];
    for (const op of operations) applyOp(body, op);
    const ifMatch = headers['if-match'] ?? now.etag ?? now.user.meta?.version ?? undefined;
    const reply = await send({ method: 'PUT', path: userPath(remoteId), json: body, headers: ifMatch ? { 'if-match': ifMatch } : {}, retryable: true, signal: wo.signal });
    const landed = await ownWriteLanded(reply, remoteId, operations, wo.signal);
    if (landed) return landed;
    if (reply.status === 204 || (reply.status === 200 && !reply.text.trim())) {
      const after = await read(remoteId, wo.signal);
      if (!after) throw new UpstreamError(`${SYSTEM} has no user ${remoteId} after ${what}.`, 404);
      return toRemote(after.user, after.etag);
    }
    if (reply.status !== 200) throw fail(reply, what, remoteId);
    return toRemote(validate(reply, what, scimUserSchema), etagOf(reply));
  }

  async function createOnce(input: AccountInput, wo: WriteOptions): Promise<{ user: ScimUser; etag: string | null }> {
    const what = 'creating a user';
    for (let attempt = 1; ; attempt++) {
      const ours = await findBy('externalId', input.externalRef, wo.signal);
      if (ours.length > 0) return { user: ours[0], etag: null };
      let reply: HttpReply;
      try {
        reply = await send({ method: 'POST', path: '/Users', json: toScimUser(input), retryable: false, signal: wo.signal });
      } catch (err) {
        if (!(err instanceof UpstreamError) || !err.retryable || attempt >= policy.attempts || wo.signal?.aborted) throw err;
        await sleep(backoff(policy, attempt));
        continue;
      }
      if (reply.status === 201 || reply.status === 200) return { user: validate(reply, what, scimUserSchema), etag: etagOf(reply) };
      if (reply.status === 409) return { user: await adopt(input, reply, wo), etag: null };
      const error = fail(reply, what);
      if (!error.retryable || attempt >= policy.attempts) throw error;
      const asked = retryAfterMs(reply.headers['retry-after']);
      await sleep(asked !== null ? Math.min(asked, policy.maxDelayMs) : backoff(policy, attempt));
    }
  }

  /**
   * 409 uniqueness (RFC 7644 §3.3): the user may be ours after all (created by a concurrent or
   * earlier try the externalId search did not yet see), or an unclaimed account holding the
   * userName, which we adopt; anybody else's is refused with who holds what.
   */
  async function adopt(input: AccountInput, conflict: HttpReply, wo: WriteOptions): Promise<ScimUser> {
    const [ours] = await findBy('externalId', input.externalRef, wo.signal);
    if (ours) return ours;
    const userName = userNameFor(input);
    const [holder] = await findBy('userName', userName, wo.signal);
    if (holder && !holder.externalId) {
      const claimed = await patch(holder.id, [{ op: 'replace', path: 'externalId', value: input.externalRef }], wo, `claiming user ${holder.id}`);
      return (await read(claimed.remoteId, wo.signal))?.user ?? holder;
    }
    const { scimType, detail } = scimError(conflict.text, secrets);
    const said = [scimType, detail].filter(Boolean).join(': ');
    const why = holder
      ? `already has another user with the userName "${userName}"; userNames must be unique there`
      : `refused the new user as a duplicate of an existing one, which could not be found by its userName "${userName}" or our reference`;
    return Promise.reject(new UpstreamError(`${capital(SYSTEM)} ${why} (409${said ? `: ${said}` : ''}).`, 409));
  }

  return {
    kind: 'scim',

    async test(): Promise<TestResult> {
      try {
        const reply = await send({ method: 'GET', path: '/Users', query: { startIndex: 1, count: 1 }, retryable: true, maxAttempts: 2 });
        if (reply.status !== 200) throw fail(reply, 'checking the connection');
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
      const { user, etag } = await createOnce(input, wo);
      return toRemote(user, etag);
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
      throw fail(reply, what, remoteId);
    },
  };
}

/** Whether the user already holds what these (our own) operations ask for. */
function operationsHold(u: ScimUser, operations: Array<Record<string, unknown>>): boolean {
  const now = toRemote(u);
  const first = (v: unknown) => (Array.isArray(v) ? ((v[0] as { value?: unknown } | undefined)?.value ?? null) : null);
  const sameText = (a: string | null, b: unknown) => (a ?? '').toLowerCase() === String(b ?? '').toLowerCase();
  return operations.every((op) => {
    const removing = String(op.op).toLowerCase() === 'remove';
    switch (op.path) {
      case 'name.givenName':
        return now.firstName === op.value;
      case 'name.familyName':
        return now.lastName === op.value;
      case 'emails':
        return removing ? now.email === null : sameText(now.email, first(op.value));
      case 'phoneNumbers':
        return removing ? now.phone === null : now.phone === first(op.value);
      case 'externalId':
        return now.externalRef === op.value;
      case 'active':
        return now.suspended === (op.value === false);
      default:
        return false;
    }
  });
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
  return readScim(reply.text, schema, (why) => unusable(what, why));
}

function unusable(what: string, why: string): UpstreamError {
  return new UpstreamError(`${capital(SYSTEM)} sent an unusable answer while ${what}: ${why}.`, null, true);
}

function replyError(reply: HttpReply, what: string, secrets: string[], remoteId?: string): UpstreamError {
  const { scimType, detail } = scimError(reply.text, secrets);
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
