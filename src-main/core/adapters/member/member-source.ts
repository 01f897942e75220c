import type { z } from 'zod';
import { UpstreamError } from '../types';
import type { ChangeSet, ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, parseJson, statusError } from '../http/upstream-http';
import type { HttpReply, RetryPolicy } from '../http/upstream-http';
import { readWireJson } from '../wire-text';
import { clientKey, clientToRecord, clientsPageSchema, mindbodyErrorCode, userTokenSchema } from './member-wire';
import type { MindbodyClient } from './member-wire';
import { advanceWatermark, afterWatermark, decodeWatermark, encodeWatermark, parseTime, usableWatermark } from './watermark';
import type { Watermark } from './watermark';

/**
 * Member management source in the shape of Mindbody's Public API v6:
 *
 *   GET  {base}/client/clients?request.limit=&request.offset=&request.includeInactive=true
 *        [&request.lastModifiedDate=<UTC>]          headers: Api-Key, SiteId, Authorization
 *   POST {base}/usertoken/issue { Username, Password } → { TokenType, AccessToken, Expires, User }
 *
 * Inactive clients are always asked for (Mindbody's default is active only): a member whose
 * profile is switched off must reach the engine as "Inactive", not vanish from the list (which
 * reads as a removal). The end of the list is TotalResults; a short page is not the end, and a
 * read that cannot account for every client it was promised fails instead of coming back short.
 */

export const MINDBODY_DEFAULT_URL = 'https://api.mindbodyonline.com/public/v6';
const SYSTEM = 'the member system';
/** Mindbody serves at most 200 per page (default 100); every call counts against a daily quota. */
const MAX_LIMIT = 200;
/** A list longer than this many pages is a server that never says "done". */
const MAX_PAGES = 20_000;
/** Re-issue a staff token this long before its Expires (or at half its life, if shorter). */
const EXPIRY_MARGIN_MS = 60_000;
/** Allowance for clock differences when a delta has to start from "now". */
const CLOCK_SKEW_MS = 10 * 60_000;

export interface MemberSourceOptions {
  url: string;
  apiKey: string;
  siteId: string;
  /** A staff user token (as issued, or already prefixed "Bearer "). */
  staffToken?: string;
  /** Or staff credentials to issue one (used when no token is given). */
  staffUsername?: string;
  staffPassword?: string;
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

/**
 * How the staff token goes in Authorization. Mindbody's reference passes the token as is; many
 * clients (and the issue answer's TokenType) use "Bearer <token>". The first form is tried, the
 * other once on a refusal, and whichever the server accepts is kept.
 */
type Scheme = 'bare' | 'bearer';

interface IssuedToken {
  token: string;
  /** Epoch ms after which the token is renewed before use; null when the server gave no Expires. */
  renewAt: number | null;
}

export function createMemberSource(opts: MemberSourceOptions): SourceConnector {
  const http = createUpstreamHttp({
    baseUrl: opts.url,
    auth: { kind: 'header', name: 'Api-Key', value: opts.apiKey },
    systemName: SYSTEM,
    retry: opts.retry,
  });
  const pageSize = Math.max(1, Math.min(MAX_LIMIT, Math.floor(opts.pageSize ?? MAX_LIMIT)));
  const configuredToken = opts.staffToken?.trim() || null;
  let issued: IssuedToken | null = null;
  let issuing: Promise<IssuedToken> | null = null;
  let scheme: Scheme = 'bare';
  let schemeConfirmed = false;

  const issueToken = async (signal?: AbortSignal): Promise<IssuedToken> => {
    if (!opts.staffUsername || !opts.staffPassword) {
      throw new UpstreamError('No staff user token or staff login is set for the member system; one of them is needed to read clients.');
    }
    // Logging in is safe to repeat: it only hands out a token.
    const reply = await http.request({
      method: 'POST',
      path: '/usertoken/issue',
      headers: { siteid: opts.siteId },
      json: { Username: opts.staffUsername, Password: opts.staffPassword },
      retryable: true,
      signal,
    });
    if (reply.status === 400 || reply.status === 401 || reply.status === 403) {
      throw new UpstreamError(
        `The member system refused to sign in the staff user (${reply.status}${codeOf(reply)}). Check the API key, the site id and the staff login in the connection settings.`,
        reply.status,
      );
    }
    if (reply.status !== 200) throw errorFor(reply, 'signing in as the staff user');
    const answer = validate(reply, 'signing in as the staff user', userTokenSchema).data;
    const now = Date.now();
    const expires = parseTime(answer.Expires);
    const renewAt = expires === null ? null : expires - Math.min(EXPIRY_MARGIN_MS, Math.max(0, (expires - now) / 2));
    return { token: answer.AccessToken, renewAt };
  };

  /** The token to send: the configured one, or an issued one that is not about to expire. */
  const staffToken = async (signal?: AbortSignal, fresh = false): Promise<string> => {
    if (configuredToken) return configuredToken;
    if (fresh || !issued || (issued.renewAt !== null && Date.now() >= issued.renewAt)) {
      issued = null;
      // One sign-in at a time, however many reads want a token.
      issuing ??= issueToken(signal).finally(() => {
        issuing = null;
      });
      issued = await issuing;
    }
    return issued.token;
  };

  const authorization = (token: string, use: Scheme): string =>
    // A token pasted with its scheme ("Bearer …") is sent exactly as given.
    /^\S+\s+\S/.test(token) || use === 'bare' ? token : `Bearer ${token}`;

  const getPage = async (query: Record<string, string | number>, what: string, signal?: AbortSignal, maxAttempts?: number) => {
    const send = async (use: Scheme, fresh = false) =>
      http.request({
        method: 'GET',
        path: '/client/clients',
        query,
        headers: { siteid: opts.siteId, authorization: authorization(await staffToken(signal, fresh), use) },
        retryable: true,
        maxAttempts,
        signal,
      });
    const refused = (r: HttpReply) => r.status === 401 || r.status === 403;
    let reply = await send(scheme);
    if (refused(reply) && !schemeConfirmed && !(configuredToken && /\s/.test(configuredToken))) {
      const other: Scheme = scheme === 'bare' ? 'bearer' : 'bare';
      const again = await send(other);
      // Only an answer that worked says which form this server wants.
      if (again.status === 200) scheme = other;
      reply = refused(again) ? reply : again;
    }
    if (refused(reply) && !configuredToken) {
      // An issued token lasts about a day (renewable); a refusal means it ended early: sign in again once.
      reply = await send(scheme, true);
    }
    if (reply.status === 200) schemeConfirmed = true;
    if (refused(reply)) {
      throw new UpstreamError(
        `The member system refused the request (${reply.status}${codeOf(reply)}) while ${what}. Check the API key, the site id and the staff ${configuredToken ? 'user token (an issued token expires after about a day unless renewed; a staff login lets Rollcall get new ones)' : 'login'} in the connection settings.`,
        reply.status,
      );
    }
    if (reply.status !== 200) throw errorFor(reply, what);
    const { data: page, raw } = validate(reply, what, clientsPageSchema);
    const rawBody = raw as { Clients: Record<string, unknown>[] | null };
    return { pagination: page.PaginationResponse ?? null, clients: page.Clients ?? [], raw: rawBody.Clients ?? [], date: serverDate(reply) };
  };

  /** Every client matching `extra`, page by page, checked as it goes. */
  async function* readClients(extra: Record<string, string>, signal?: AbortSignal, onStart?: (serverNow: number) => void): AsyncGenerator<SourceRecord[]> {
    const seen = new Set<string>();
    let total: number | null = null;
    let offset = 0;
    for (let pageNo = 1; ; pageNo++) {
      const what = `reading page ${pageNo} of the client list`;
      if (pageNo > MAX_PAGES) throw malformed(what, `the list did not end after ${MAX_PAGES} pages`);
      const { pagination: p, clients, raw, date } = await getPage({ 'request.limit': pageSize, 'request.offset': offset, 'request.includeInactive': 'true', ...extra }, what, signal);
      if (pageNo === 1) onStart?.(date ?? Date.now());
      if (p?.RequestedOffset != null && p.RequestedOffset !== offset) throw malformed(what, `it starts at ${p.RequestedOffset} where ${offset} was asked for`);
      const reported = p?.TotalResults ?? null;
      if (reported !== null) {
        if (total === null) total = reported;
        else if (reported !== total) {
          throw new UpstreamError(`The client list changed while it was being read (${SYSTEM} now reports ${reported} clients, not ${total}). Try again.`, null, true);
        }
      }
      if (clients.length > Math.max(pageSize, p?.RequestedLimit ?? 0)) throw malformed(what, `it holds ${clients.length} clients where at most ${pageSize} were asked for`);
      for (const c of clients) {
        const key = clientKey(c);
        if (seen.has(key)) throw malformed(what, `client ${key} appears more than once`);
        seen.add(key);
      }
      yield clients.map((c: MindbodyClient, i) => clientToRecord(raw[i], c));
      offset += clients.length;
      // The end is what TotalResults says, not a short page (a server may cap its pages). An
      // empty page before that total ends the read here and fails it below.
      if (total !== null && offset >= total) break;
      if (clients.length === 0) break;
    }
    if (total !== null && seen.size !== total) {
      throw new UpstreamError(`The client list was incomplete: ${SYSTEM} reported ${total} clients but sent ${seen.size}.`, null, true);
    }
  }

  return {
    kind: 'member',

    async test(): Promise<TestResult> {
      try {
        const { pagination, clients } = await getPage({ 'request.limit': 1, 'request.offset': 0, 'request.includeInactive': 'true' }, 'checking the connection', undefined, 2);
        const n = pagination?.TotalResults;
        const count = n == null ? (clients.length ? 'clients on file' : 'no clients on file') : `${n} client${n === 1 ? '' : 's'} on file`;
        return { ok: true, message: `Connected to the member system (site ${opts.siteId}): ${count}.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      return readClients({}, listOpts?.signal);
    },

    /**
     * Clients modified since the token. Mindbody's lastModifiedDate is "on or after" and
     * LastModifiedDateTime is UTC; the query sends the boundary as UTC with a "Z", floored to the
     * second, and the records already handed over at the boundary are dropped here (watermark.ts).
     * Mindbody has no deletions feed (clients are deactivated, which arrives as a change; merged
     * or deleted profiles just stop being listed), so removedExternalIds is always empty and
     * full passes cover them. The position never moves past the moment the read began, by our
     * clock or the server's, whichever is earlier (watermark.ts).
     */
    async changesSince(token: string | null, listOpts?: ListOptions): Promise<ChangeSet> {
      const readAt = Date.now();
      const prev = usableWatermark(decodeWatermark(token), readAt);
      const records: SourceRecord[] = [];
      let startedAt = readAt;
      const extra: Record<string, string> = prev ? { 'request.lastModifiedDate': queryTime(prev.at) } : {};
      // A server clock ahead of ours is not trusted to say when the read began.
      for await (const page of readClients(extra, listOpts?.signal, (t) => (startedAt = Math.min(t, readAt)))) records.push(...page);
      const modified = (r: SourceRecord) => (typeof r.raw.LastModifiedDateTime === 'string' ? r.raw.LastModifiedDateTime : null);
      const fresh = afterWatermark(prev, records, (r) => r.externalId, modified);
      // Without any modification time to go by, the next read starts from this one's start.
      const timed = records.some((r) => parseTime(modified(r)) !== null);
      const next = (timed ? advanceWatermark(prev, records, (r) => r.externalId, modified, readAt) : null) ?? laterOf(prev, startFrom(startedAt));
      return { records: fresh, removedExternalIds: [], nextToken: encodeWatermark(next) };
    },
  };
}

/** `request.lastModifiedDate`: UTC, whole seconds (rounded down, the filter is inclusive), with its "Z". */
export function queryTime(at: string): string {
  const ms = parseTime(at) ?? 0;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Where the next delta starts when no record carried a modification time: the read's start by
 * the server's clock, less an allowance, so a client saved while our clocks disagree is not lost.
 */
function startFrom(serverNow: number): Watermark {
  return { at: new Date(serverNow - CLOCK_SKEW_MS).toISOString(), ids: [] };
}

function laterOf(prev: Watermark | null, candidate: Watermark): Watermark {
  return prev && parseTime(prev.at)! >= parseTime(candidate.at)! ? prev : candidate;
}

function serverDate(reply: HttpReply): number | null {
  const v = reply.headers.date;
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

function codeOf(reply: HttpReply): string {
  const parsed = parseJson(reply.text);
  const code = parsed.ok ? mindbodyErrorCode(parsed.value) : null;
  return code ? `, ${code}` : '';
}

/** The shared wording, plus Mindbody's own error code (never its message: it may echo input). */
function errorFor(reply: HttpReply, what: string): UpstreamError {
  const base = statusError(SYSTEM, what, reply);
  const code = codeOf(reply);
  if (!code || base.message.includes(code.slice(2))) return base;
  return new UpstreamError(`${base.message.replace(/\.$/, '')} (Mindbody code ${code.slice(2)}).`, base.status, base.retryable);
}

/** The checked answer, and the body as parsed (ids beyond a double's precision kept whole). */
function validate<T>(reply: HttpReply, what: string, schema: z.ZodType<T>): { data: T; raw: unknown } {
  return readWireJson(reply.text, schema, (why) => malformed(what, why));
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`The member system sent an unusable answer while ${what}: ${why}.`, null, true);
}
