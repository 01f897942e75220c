import { z } from 'zod';
import { UpstreamError } from '../adapters/types';
import type { AccessPanel, AccountInput, ListOptions, RemoteAccount, TestResult, WriteOptions } from '../adapters/types';
import { createUpstreamHttp, parseJson, statusError, vendorErrorCode } from '../adapters/http/upstream-http';
import type { HttpCall, HttpReply, RetryPolicy } from '../adapters/http/upstream-http';
import { parseReply } from '../adapters/http/parse-reply';

/**
 * Talks to Demo Access. Every write carries the caller's idempotency key, so every call is safe
 * to retry (on 429/5xx/network trouble, honouring Retry-After): a retried create can never make
 * a second account. `ifVersion` becomes If-Match, so we never overwrite someone else's edit.
 */

export interface DemoAccessPanelOptions {
  url: string;
  token: string;
  /** Accounts per page when listing (default 200). */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

const SYSTEM = 'Demo Access';

const userSchema = z.looseObject({
  id: z.string().min(1),
  first_name: z.string(),
  last_name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  suspended: z.boolean(),
  external_ref: z.string().nullable(),
  version: z.number().int(),
  updated_at: z.string().optional(),
});
type WireUser = z.infer<typeof userSchema>;

const pageSchema = z.object({ users: z.array(userSchema), next_cursor: z.string().min(1).nullable() });

export function createDemoAccessPanel(opts: DemoAccessPanelOptions): AccessPanel {
  const http = createUpstreamHttp({ baseUrl: opts.url, token: opts.token, systemName: SYSTEM, retry: opts.retry });
  const pageSize = opts.pageSize ?? 200;

  const write = async (call: Omit<HttpCall, 'retryable' | 'headers'>, wo: WriteOptions, what: string, remoteId?: string) => {
    if (!wo.idempotencyKey) throw new UpstreamError(`Refusing to write to ${SYSTEM} without an idempotency key.`);
    const headers: Record<string, string> = { 'idempotency-key': wo.idempotencyKey };
    if (wo.ifVersion) headers['if-match'] = quoteEtag(wo.ifVersion);
    const reply = await http.request({ ...call, headers, retryable: true, signal: wo.signal });
    if (reply.status >= 200 && reply.status < 300) return reply;
    throw writeError(reply, what, remoteId, call.json);
  };

  const userFrom = (reply: HttpReply, what: string): RemoteAccount => toRemote(validate(reply, what, userSchema), reply);

  return {
    kind: 'demo',

    async test(): Promise<TestResult> {
      try {
        const reply = await http.request({ method: 'GET', path: '/v1/users', query: { limit: 1 }, retryable: true, maxAttempts: 2 });
        if (reply.status !== 200) throw statusError(SYSTEM, 'checking the connection', reply);
        validate(reply, 'checking the connection', pageSchema);
        return { ok: true, message: `Connected to ${SYSTEM}.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<RemoteAccount[]> {
      const seen = new Set<string>();
      const cursors = new Set<string>();
      let cursor: string | null = null;
      for (let page = 1; ; page++) {
        const what = `reading page ${page} of the account list`;
        const reply = await http.request({ method: 'GET', path: '/v1/users', query: { limit: pageSize, cursor }, retryable: true, signal: listOpts?.signal });
        if (reply.status !== 200) throw statusError(SYSTEM, what, reply);
        const value = validate(reply, what, pageSchema);
        for (const u of value.users) {
          if (seen.has(u.id)) throw unusable(what, `account ${u.id} appears more than once`);
          seen.add(u.id);
        }
        yield value.users.map((u) => toRemote(u));
        if (value.next_cursor === null) return;
        if (cursors.has(value.next_cursor)) throw unusable(what, 'its paging goes round in a circle');
        cursors.add(value.next_cursor);
        cursor = value.next_cursor;
      }
    },

    async get(remoteId) {
      const what = `reading account ${remoteId}`;
      const reply = await http.request({ method: 'GET', path: `/v1/users/${encodeURIComponent(remoteId)}`, retryable: true });
      if (reply.status === 404) return null;
      if (reply.status !== 200) throw statusError(SYSTEM, what, reply);
      return userFrom(reply, what);
    },

    async create(input, wo) {
      const what = 'creating an account';
      const reply = await write({ method: 'POST', path: '/v1/users', json: toWire(input) }, wo, what);
      return userFrom(reply, what);
    },

    async update(remoteId, input, wo) {
      const what = `updating account ${remoteId}`;
      const reply = await write({ method: 'PATCH', path: `/v1/users/${encodeURIComponent(remoteId)}`, json: toWire(input) }, wo, what, remoteId);
      return userFrom(reply, what);
    },

    async suspend(remoteId, wo) {
      const what = `suspending account ${remoteId}`;
      const reply = await write({ method: 'POST', path: `/v1/users/${encodeURIComponent(remoteId)}/suspend` }, wo, what, remoteId);
      return userFrom(reply, what);
    },

    async resume(remoteId, wo) {
      const what = `resuming account ${remoteId}`;
      const reply = await write({ method: 'POST', path: `/v1/users/${encodeURIComponent(remoteId)}/unsuspend` }, wo, what, remoteId);
      return userFrom(reply, what);
    },

    async remove(remoteId, wo) {
      const what = `removing account ${remoteId}`;
      try {
        await write({ method: 'DELETE', path: `/v1/users/${encodeURIComponent(remoteId)}` }, wo, what, remoteId);
      } catch (err) {
        // Already gone is what we wanted.
        if (err instanceof UpstreamError && err.status === 404) return;
        throw err;
      }
    },
  };
}

function toWire(input: Partial<AccountInput>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (input.firstName !== undefined) out.first_name = input.firstName;
  if (input.lastName !== undefined) out.last_name = input.lastName;
  if (input.email !== undefined) out.email = input.email;
  if (input.phone !== undefined) out.phone = input.phone;
  if (input.externalRef !== undefined) out.external_ref = input.externalRef;
  return out;
}

function toRemote(u: WireUser, reply?: HttpReply): RemoteAccount {
  const header = reply?.headers.etag;
  const tag = Array.isArray(header) ? header[0] : header;
  return {
    remoteId: u.id,
    firstName: u.first_name,
    lastName: u.last_name,
    email: u.email,
    phone: u.phone,
    suspended: u.suspended,
    version: tag ? unquoteEtag(tag) : String(u.version),
    externalRef: u.external_ref,
  };
}

const unquoteEtag = (tag: string) => tag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
const quoteEtag = (version: string) => (version.startsWith('"') || version.startsWith('W/') ? version : `"${version}"`);

function validate<T>(reply: HttpReply, what: string, schema: z.ZodType<T>): T {
  return parseReply(reply, schema, (why) => unusable(what, why));
}

function unusable(what: string, why: string): UpstreamError {
  return new UpstreamError(`${SYSTEM} sent an unusable answer while ${what}: ${why}.`, null, true);
}

function writeError(reply: HttpReply, what: string, remoteId: string | undefined, body: unknown): UpstreamError {
  const code = vendorErrorCode(reply.text);
  if (reply.status === 409 && code === 'email_taken') {
    const email = (body as { email?: unknown } | undefined)?.email;
    const which = typeof email === 'string' ? ` (${email})` : '';
    return new UpstreamError(`${SYSTEM} already has another account with that email${which}; emails must be unique there.`, 409);
  }
  if (reply.status === 412) {
    return new UpstreamError(`Account ${remoteId} changed in ${SYSTEM} since it was last read; read it again before writing.`, 412);
  }
  if (reply.status === 404) {
    return new UpstreamError(`${SYSTEM} has no account ${remoteId ?? ''}`.trim() + ' (it may have been deleted there).', 404);
  }
  if (reply.status === 400) {
    const parsed = parseJson(reply.text);
    const message = parsed.ok ? (parsed.value as { error?: { message?: unknown } })?.error?.message : null;
    return new UpstreamError(`${SYSTEM} refused the data while ${what}${typeof message === 'string' ? `: ${message}` : ''}`, 400);
  }
  return statusError(SYSTEM, what, reply);
}
