import type { z } from 'zod';
import { UpstreamError } from '../types';
import type { ChangeSet, ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, parseJson, statusError } from '../http/upstream-http';
import type { HttpReply, RetryPolicy } from '../http/upstream-http';
import { parseReply } from '../http/parse-reply';
import { clientToRecord, clientsPageSchema, mindbodyErrorCode, userTokenSchema } from './member-wire';
import { advanceWatermark, afterWatermark, decodeWatermark, encodeWatermark } from './watermark';

/**
 * Member management source in the shape of Mindbody's Public API v6:
 *
 *   GET  {base}/client/clients?request.limit=&request.offset=&request.includeInactive=true
 *        [&request.lastModifiedDate=<ISO>]          headers: Api-Key, SiteId, Authorization
 *   POST {base}/usertoken/issue { Username, Password } → { AccessToken }   (staff login)
 *
 * Inactive clients are always asked for: a member whose profile is switched off must reach the
 * engine as "Inactive", not vanish from the list (which reads as a removal). Every page is checked
 * against its PaginationResponse; anything short, repeated or self-contradicting ends the read.
 */

export const MINDBODY_DEFAULT_URL = 'https://api.mindbodyonline.com/public/v6';
const SYSTEM = 'the member system';
/** Mindbody allows at most 200 per page. */
const MAX_LIMIT = 200;

export interface MemberSourceOptions {
  url: string;
  apiKey: string;
  siteId: string;
  /** A staff user token, sent as is in Authorization. */
  staffToken?: string;
  /** Or staff credentials to issue one (used when no token is given). */
  staffUsername?: string;
  staffPassword?: string;
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

export function createMemberSource(opts: MemberSourceOptions): SourceConnector {
  const http = createUpstreamHttp({
    baseUrl: opts.url,
    auth: { kind: 'header', name: 'Api-Key', value: opts.apiKey },
    systemName: SYSTEM,
    retry: opts.retry,
  });
  const pageSize = Math.max(1, Math.min(MAX_LIMIT, opts.pageSize ?? MAX_LIMIT));
  let issued: string | null = null;

  const issueToken = async (signal?: AbortSignal): Promise<string> => {
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
      throw new UpstreamError(`The member system did not accept the staff login (${reply.status}${codeOf(reply)}). Check the staff user name and password in the connection settings.`, reply.status);
    }
    if (reply.status !== 200) throw errorFor(reply, 'signing in as the staff user');
    return validate(reply, 'signing in as the staff user', userTokenSchema).AccessToken;
  };

  const staffToken = async (signal?: AbortSignal): Promise<string> => {
    if (opts.staffToken) return opts.staffToken;
    issued ??= await issueToken(signal);
    return issued;
  };

  const getPage = async (query: Record<string, string | number>, what: string, signal?: AbortSignal, maxAttempts?: number) => {
    const send = async () =>
      http.request({
        method: 'GET',
        path: '/client/clients',
        query,
        headers: { siteid: opts.siteId, authorization: await staffToken(signal) },
        retryable: true,
        maxAttempts,
        signal,
      });
    let reply = await send();
    if ((reply.status === 401 || reply.status === 403) && !opts.staffToken && issued) {
      // An issued token expires (Mindbody: after days); sign in again once.
      issued = null;
      reply = await send();
    }
    if (reply.status !== 200) throw errorFor(reply, what);
    const page = validate(reply, what, clientsPageSchema);
    const raw = (parseJson(reply.text) as { value: { Clients: Record<string, unknown>[] } }).value.Clients;
    return { page, raw };
  };

  /** Every client matching `extra`, page by page, checked as it goes. */
  async function* readClients(extra: Record<string, string>, signal?: AbortSignal): AsyncGenerator<SourceRecord[]> {
    const seen = new Set<string>();
    let total: number | null = null;
    let offset = 0;
    for (let pageNo = 1; ; pageNo++) {
      const what = `reading page ${pageNo} of the client list`;
      const { page, raw } = await getPage({ 'request.limit': pageSize, 'request.offset': offset, 'request.includeInactive': 'true', ...extra }, what, signal);
      const p = page.PaginationResponse;
      if (p.RequestedOffset !== offset) throw malformed(what, `it starts at ${p.RequestedOffset} where ${offset} was asked for`);
      if (p.PageSize !== page.Clients.length) throw malformed(what, `it says it holds ${p.PageSize} clients but holds ${page.Clients.length}`);
      if (total === null) total = p.TotalResults;
      else if (p.TotalResults !== total) {
        throw new UpstreamError(`The client list changed while it was being read (${SYSTEM} now reports ${p.TotalResults} clients, not ${total}). Try again.`, null, true);
      }
      if (page.Clients.length > Math.max(pageSize, p.RequestedLimit)) throw malformed(what, `it holds ${page.Clients.length} clients where at most ${pageSize} were asked for`);
      for (const c of page.Clients) {
        if (seen.has(c.Id)) throw malformed(what, `client ${c.Id} appears more than once`);
        seen.add(c.Id);
      }
      yield page.Clients.map((c, i) => clientToRecord(raw[i], c));
      offset += page.Clients.length;
      if (offset >= total) break;
      // A page smaller than asked for is allowed (the server may cap it); an empty one before
      // the total is reached would loop forever or end short.
      if (page.Clients.length === 0) break;
    }
    if (total !== null && seen.size !== total) {
      throw new UpstreamError(`The client list was incomplete: ${SYSTEM} reported ${total} clients but sent ${seen.size}.`, null, true);
    }
  }

  return {
    kind: 'member',

    async test(): Promise<TestResult> {
      try {
        const { page } = await getPage({ 'request.limit': 1, 'request.offset': 0, 'request.includeInactive': 'true' }, 'checking the connection', undefined, 2);
        const n = page.PaginationResponse.TotalResults;
        return { ok: true, message: `Connected to the member system (site ${opts.siteId}): ${n} client${n === 1 ? '' : 's'} on file.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      return readClients({}, listOpts?.signal);
    },

    /**
     * Clients modified since the token (Mindbody's LastModifiedDate is "on or after"; see
     * watermark.ts for the boundary). Mindbody has no deletions feed (clients are deactivated,
     * which arrives as a change), so removedExternalIds is always empty; full passes cover merges.
     */
    async changesSince(token: string | null, listOpts?: ListOptions): Promise<ChangeSet> {
      const prev = decodeWatermark(token);
      const records: SourceRecord[] = [];
      for await (const page of readClients(prev ? { 'request.lastModifiedDate': prev.at } : {}, listOpts?.signal)) records.push(...page);
      const modified = (r: SourceRecord) => (typeof r.raw.LastModifiedDateTime === 'string' ? r.raw.LastModifiedDateTime : null);
      const fresh = afterWatermark(prev, records, (r) => r.externalId, modified);
      const next = advanceWatermark(prev, records, (r) => r.externalId, modified) ?? { at: new Date().toISOString(), ids: [] };
      return { records: fresh, removedExternalIds: [], nextToken: encodeWatermark(next) };
    },
  };
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
  if (!code) return base;
  return new UpstreamError(`${base.message.replace(/\.$/, '')} (Mindbody code ${code.slice(2)}).`, base.status, base.retryable);
}

function validate<T>(reply: HttpReply, what: string, schema: z.ZodType<T>): T {
  return parseReply(reply, schema, (why) => malformed(what, why));
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`The member system sent an unusable answer while ${what}: ${why}.`, null, true);
}
