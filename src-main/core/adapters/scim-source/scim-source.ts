import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { UpstreamError } from '../types';
import type { ChangeSet, ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, parseJson, statusError } from '../http/upstream-http';
import type { HttpCall, HttpReply, RetryPolicy } from '../http/upstream-http';
import { advanceWatermark, afterWatermark, parseTime, usableWatermark } from '../member/watermark';
import type { Watermark } from '../member/watermark';
import { SCIM_ACCEPT, canonicalize, filterGe, parseEndpoint, readScim, safeDetail, withQuery } from '../scim-target/scim-protocol';
import { listResponseSchema, scimErrorOf, serviceProviderConfigSchema, userToRecord } from './scim-wire';

/**
 * Pulls staff from a SCIM 2.0 directory (RFC 7644): GET {base}/Users?startIndex=&count= with a
 * bearer token, 1-based paging until totalResults, every page checked. Servers differ, so:
 * a page may hold fewer users than asked for (we advance by what came) or everything at once
 * (count ignored), itemsPerPage may be missing, `meta` and `active` may be missing (absent
 * `active` is active), attribute names may come in any case (RFC 7643 §2.1), replies may be
 * application/json, and errors arrive as SCIM Error messages. A list that stops short of its
 * totalResults is an error, never a smaller directory, and so is one that never ends: a page
 * limit (from totalResults and the first page's size, and an absolute one) fails the read
 * rather than letting a broken or hostile directory keep it going forever.
 *
 * changesSince uses `filter=meta.lastModified ge "<time>"` when the server filters, and a full
 * read otherwise (ServiceProviderConfig says no, or the filter is refused with 400/501). The
 * position never moves past the moment the read began (see member/watermark.ts). SCIM has no
 * deletions feed, so removals are left to full passes.
 */

const SYSTEM = 'the directory';
const DEFAULT_PAGE = 100;
/** No list may take more pages than this, whatever it reports. */
const MAX_PAGES = 10_000;

/**
 * How many pages a list may take: twice what totalResults needs at the first page's size, plus
 * a few (pages may vary in size, and the last is short), and never more than MAX_PAGES. A server
 * that keeps sending pages past that is not going to finish the list it promised.
 */
function pageLimit(total: number, firstPage: number, itemsPerPage: number | undefined): number {
  const perPage = Math.max(1, itemsPerPage ? Math.min(firstPage, itemsPerPage) : firstPage);
  return Math.min(MAX_PAGES, 2 * Math.ceil(total / perPage) + 10);
}

export interface ScimSourceOptions {
  /** SCIM base URL, e.g. https://idp.example.com/scim/v2 (trailing slash, /Users or a query string are fine) */
  url: string;
  token: string;
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

interface ScimToken {
  wm: Watermark | null;
  /** Digest of the users that carry no lastModified, as of the last full read. */
  undated: string | null;
}

const TOKEN_PREFIX = 'scim1.';

function encodeToken(t: ScimToken): string {
  return TOKEN_PREFIX + Buffer.from(JSON.stringify({ at: t.wm?.at ?? null, ids: t.wm?.ids.slice(0, 200) ?? [], undated: t.undated })).toString('base64url');
}

function decodeToken(token: string | null): ScimToken | null {
  if (!token?.startsWith(TOKEN_PREFIX)) return null;
  try {
    const v = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')) as { at?: unknown; ids?: unknown; undated?: unknown };
    const wm = typeof v.at === 'string' && parseTime(v.at) !== null && Array.isArray(v.ids) ? { at: v.at, ids: v.ids.filter((i): i is string => typeof i === 'string') } : null;
    return { wm, undated: typeof v.undated === 'string' ? v.undated : null };
  } catch {
    return null;
  }
}

const modifiedOf = (r: SourceRecord): string | null => {
  const meta = r.raw.meta as { lastModified?: unknown } | undefined;
  return typeof meta?.lastModified === 'string' ? meta.lastModified : null;
};

function digest(records: SourceRecord[]): string {
  const h = createHash('sha256');
  for (const r of [...records].sort((a, b) => (a.externalId < b.externalId ? -1 : 1))) h.update(JSON.stringify([r.externalId, r.raw])).update('\n');
  return h.digest('hex').slice(0, 32);
}

export function createScimSource(opts: ScimSourceOptions): SourceConnector {
  const endpoint = parseEndpoint(opts.url);
  const upstream = createUpstreamHttp({ baseUrl: endpoint.baseUrl, token: opts.token, systemName: SYSTEM, retry: opts.retry, accept: SCIM_ACCEPT });
  // Queries are encoded here (spaces as %20) and keep whatever query the configured URL had.
  const http = {
    request: ({ path, query, ...call }: HttpCall) => upstream.request({ ...call, path: withQuery(endpoint, path, query) }),
  };
  const pageSize = Math.max(1, Math.min(1000, opts.pageSize ?? DEFAULT_PAGE));
  /** null: not known yet. */
  let filtering: boolean | null = null;

  const errorFor = (reply: HttpReply, what: string): UpstreamError => scimError(reply, what, opts.token);

  async function* readUsers(filter: string | null, signal?: AbortSignal): AsyncGenerator<SourceRecord[]> {
    const seen = new Set<string>();
    let total: number | null = null;
    let startIndex = 1;
    let limit = MAX_PAGES;
    for (let pageNo = 1; ; pageNo++) {
      if (pageNo > limit) {
        throw malformed('reading the user list', `the list did not end after ${limit} pages (it reported ${total} users; ${seen.size} came in those pages)`);
      }
      const what = `reading page ${pageNo} of the user list`;
      const reply = await http.request({
        method: 'GET',
        path: '/Users',
        query: { startIndex, count: pageSize, filter },
        retryable: true,
        signal,
      });
      if (reply.status !== 200) throw errorFor(reply, what);
      const parsed = parseJson(reply.text);
      const page = validate(reply, what, listResponseSchema);
      // Tolerated: a server that numbers its first page 0.
      if (page.startIndex !== undefined && page.startIndex !== startIndex && !(startIndex === 1 && page.startIndex === 0)) {
        throw malformed(what, `it starts at ${page.startIndex} where ${startIndex} was asked for`);
      }
      if (total === null) total = page.totalResults;
      else if (page.totalResults !== total) {
        throw new UpstreamError(`The user list changed while it was being read (${SYSTEM} now reports ${page.totalResults} users, not ${total}). Try again.`, null, true);
      }
      const users = page.Resources ?? [];
      const raw = rawResources(parsed.ok ? parsed.value : null);
      for (const u of users) {
        const id = u.id.trim();
        if (seen.has(id)) throw malformed(what, `user ${id} appears more than once`);
        seen.add(id);
      }
      if (pageNo === 1) limit = pageLimit(total, users.length, page.itemsPerPage);
      yield users.map((u, i) => userToRecord(raw[i], u));
      startIndex += users.length;
      if (startIndex > total || users.length === 0) break;
    }
    if (total !== null && seen.size !== total) {
      throw new UpstreamError(`The user list was incomplete: ${SYSTEM} reported ${total} users but sent ${seen.size}.`, null, true);
    }
  }

  const collect = async (filter: string | null, signal?: AbortSignal) => {
    const out: SourceRecord[] = [];
    for await (const page of readUsers(filter, signal)) out.push(...page);
    return out;
  };

  /** Whether the server says it filters; a failed or odd answer means "try and see". */
  const serverFilters = async (signal?: AbortSignal): Promise<boolean> => {
    if (filtering !== null) return filtering;
    const reply = await http.request({ method: 'GET', path: '/ServiceProviderConfig', retryable: true, maxAttempts: 2, signal }).catch(() => null);
    if (reply?.status === 200) {
      const parsed = parseJson(reply.text);
      const spc = parsed.ok ? serviceProviderConfigSchema.safeParse(canonicalize(parsed.value)) : null;
      if (spc?.success && spc.data.filter?.supported === false) filtering = false;
    }
    return filtering ?? true;
  };

  return {
    kind: 'scim',

    async test(): Promise<TestResult> {
      try {
        const reply = await http.request({ method: 'GET', path: '/Users', query: { startIndex: 1, count: 1 }, retryable: true, maxAttempts: 2 });
        if (reply.status !== 200) throw errorFor(reply, 'checking the connection');
        const { totalResults } = validate(reply, 'checking the connection', listResponseSchema);
        return { ok: true, message: `Connected to the directory: ${totalResults} user${totalResults === 1 ? '' : 's'}.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      return readUsers(null, listOpts?.signal);
    },

    async changesSince(token: string | null, listOpts?: ListOptions): Promise<ChangeSet> {
      // Before the first request: the position may not move past this moment.
      const readAt = Date.now();
      const prev = decodeToken(token);
      const prevWm = usableWatermark(prev?.wm ?? null, readAt);
      const signal = listOpts?.signal;
      let records: SourceRecord[] | null = null;
      if (prevWm && (await serverFilters(signal))) {
        // A SCIM string literal (RFC 7644 §3.4.2.2); the time is ours, but be exact.
        const filter = filterGe('meta.lastModified', prevWm.at);
        try {
          records = await collect(filter, signal);
          filtering = true;
        } catch (err) {
          if (!(err instanceof UpstreamError) || (err.status !== 400 && err.status !== 501)) throw err;
          filtering = false;
        }
      }
      const full = records === null;
      if (records === null) records = await collect(null, signal);

      const dated = records.filter((r) => parseTime(modifiedOf(r)) !== null);
      const undated = records.filter((r) => parseTime(modifiedOf(r)) === null);
      const undatedDigest = full ? digest(undated) : (prev?.undated ?? null);
      // Users with no lastModified can only be compared as a whole: all of them, if anything changed.
      const undatedChanged = !prev || (full && undatedDigest !== prev.undated);
      const fresh = [...afterWatermark(prevWm, dated, (r) => r.externalId, modifiedOf), ...(undatedChanged ? undated : [])];
      const next: ScimToken = { wm: advanceWatermark(prevWm, dated, (r) => r.externalId, modifiedOf, readAt), undated: undatedDigest };
      return { records: fresh, removedExternalIds: [], nextToken: encodeToken(next) };
    },
  };
}

/** Shared wording plus what the SCIM Error message says (its detail cleaned of the token). */
function scimError(reply: HttpReply, what: string, token: string): UpstreamError {
  const base = statusError(SYSTEM, what, reply);
  const parsed = parseJson(reply.text);
  const err = parsed.ok ? scimErrorOf(parsed.value) : null;
  if (!err) return base;
  const type = err.scimType && /^[A-Za-z]{1,40}$/.test(err.scimType) ? ` [${err.scimType}]` : '';
  const detail = safeDetail(err.detail ?? '', [token]);
  const said = detail ? `: "${detail}"` : '';
  return new UpstreamError(`${base.message.replace(/\.$/, '')}${type}${said}.`, base.status, base.retryable);
}

function validate<T>(reply: HttpReply, what: string, schema: z.ZodType<T>): T {
  return readScim(reply.text, schema, (why) => malformed(what, why));
}

/** The Resources array exactly as sent, whatever case its name came in (RFC 7643 §2.1). */
function rawResources(body: unknown): Record<string, unknown>[] {
  if (!body || typeof body !== 'object') return [];
  const o = body as Record<string, unknown>;
  const key = 'Resources' in o ? 'Resources' : Object.keys(o).find((k) => k.toLowerCase() === 'resources');
  const list = key ? o[key] : undefined;
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`The directory sent an unusable answer while ${what}: ${why}.`, null, true);
}
