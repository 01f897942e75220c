import { UpstreamError } from '../types';
import type { ChangeSet, ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, statusError } from '../http/upstream-http';
import { readWireJson } from '../wire-text';
import type { HttpReply, RetryPolicy, UpstreamHttp } from '../http/upstream-http';
import { capital, followLink, splitBase } from '../mri/next-link';
import type { z } from 'zod';
import { TENANT_DIRECTORY_PATH, tenantId, tenantPageSchema, tenantRowToRecord, text } from './appfolio-wire';
import { V0_DEVELOPER_HEADER, V0_EPOCH, V0_TENANTS_PATH, v0PageSchema, v0TenantToRecord, v0UpdatedAtMs } from './appfolio-v0';

/**
 * Reads tenants from AppFolio through one of its two published APIs:
 *
 * - Reports API v2 (client id and secret): the tenant directory report (appfolio-wire.ts). The
 *   first page is a POST with the filters; further pages come from `next_page_url`, followed only
 *   on the configured origin and never twice. Past tenants are asked for too
 *   (`tenant_visibility: all`): someone who moved out must reach the engine as "Past", not vanish.
 *   The report has no "changed since" filter, so this mode offers no changes feed; scheduled
 *   full passes keep it current.
 * - Database API v0 (client id, secret and developer id): `/api/v0/tenants` (appfolio-v0.ts),
 *   whose `filters[LastUpdatedAtFrom]` is the changes feed: `changesSince(token)` asks from the
 *   latest LastUpdatedAt seen so far, up to the moment of that read (a tenant stamped in the
 *   future must not carry the position past changes still to come). AppFolio reports no
 *   deletions; people leave by turning Past.
 */

export interface AppfolioSourceOptions {
  /** https://<database>.appfolio.com (or a test server): the Reports API. */
  url: string;
  clientId: string;
  clientSecret: string;
  /** AppFolio property ids to read; empty reads every property the API user sees. */
  propertyIds?: string[];
  /** With a developer id the Database API (v0) is read instead, with a changes feed. */
  developerId?: string | null;
  /** The Database API's address (default https://api.appfolio.com). */
  databaseApiUrl?: string | null;
  /** Tenants per Database API page (default 200). */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

const SYSTEM = 'AppFolio';
const MAX_PAGES = 10_000;
export const APPFOLIO_DATABASE_API_URL = 'https://api.appfolio.com';

export function appfolioUrlFor(database: string): string {
  return `https://${database.trim().toLowerCase()}.appfolio.com`;
}

interface PageOut {
  records: SourceRecord[];
  /** Latest LastUpdatedAt among the rows, epoch ms, leaving out any later than the read's `notAfter`. */
  latest: number | null;
  /** The server's clock at the answer (Date header), epoch ms. */
  serverTime: number | null;
}

type Call = { method: 'POST' | 'GET'; path: string; query?: Record<string, string>; json?: unknown; headers?: Record<string, string> };

/** One page: checked status, complete JSON, the expected shape. */
async function fetchPage<T>(http: UpstreamHttp, call: Call, schema: z.ZodType<T>, what: string, signal?: AbortSignal, maxAttempts?: number) {
  // Reports and list reads: safe to send again.
  const reply = await http.request({ ...call, retryable: true, maxAttempts, signal });
  if (reply.status !== 200) throw errorFor(reply, what);
  const { data, raw } = readWireJson(reply.text, schema, (why) => malformed(what, why));
  const date = reply.headers.date;
  const serverTime = typeof date === 'string' && !Number.isNaN(Date.parse(date)) ? Date.parse(date) : null;
  return { data, raw, serverTime, reply };
}

export function createAppfolioSource(opts: AppfolioSourceOptions): SourceConnector {
  const propertyIds = [...new Set((opts.propertyIds ?? []).map((p) => p.trim()).filter(Boolean))];
  const developerId = opts.developerId?.trim() || null;
  const auth = { kind: 'basic' as const, username: opts.clientId, password: opts.clientSecret };
  if (developerId) return databaseApiSource(opts, propertyIds, developerId, auth);

  const { origin, prefix } = splitBase(opts.url);
  const http = createUpstreamHttp({ baseUrl: origin, auth, systemName: SYSTEM, retry: opts.retry });
  // GET is how next_page_url is documented to be read; a server that refuses it there gets POST.
  let nextMethod: 'GET' | 'POST' = 'GET';
  const filters = (extra: Record<string, unknown>) => ({
    tenant_visibility: 'all',
    tenant_types: ['all'],
    // Named properties are read even if hidden in AppFolio; otherwise only the active ones.
    property_visibility: propertyIds.length ? 'all' : 'active',
    ...(propertyIds.length ? { properties: { properties_ids: propertyIds } } : {}),
    paginate_results: true,
    ...extra,
  });

  /** The report for these filters, page by page, each checked before it is handed on. */
  async function* pages(body: Record<string, unknown>, signal?: AbortSignal, maxAttempts?: number): AsyncGenerator<PageOut> {
    const seen = new Set<string>();
    const links = new Set<string>();
    let call: Call = { method: 'POST', path: `${prefix}${TENANT_DIRECTORY_PATH}`, json: body };
    let current = `${origin}${prefix}${TENANT_DIRECTORY_PATH}`;
    for (let n = 1; n <= MAX_PAGES; n++) {
      const what = `reading page ${n} of the tenant directory`;
      let page;
      try {
        page = await fetchPage(http, call, tenantPageSchema, what, signal, maxAttempts);
      } catch (err) {
        const status = err instanceof UpstreamError ? err.status : null;
        if (n === 1 || call.method !== 'GET' || (status !== 404 && status !== 405)) throw err;
        nextMethod = 'POST';
        call = { method: 'POST', path: call.path, query: call.query, json: {} };
        page = await fetchPage(http, call, tenantPageSchema, what, signal, maxAttempts);
      }
      const { data, raw } = page;
      const rawRows = (Array.isArray(raw) ? raw : (raw as { results: Record<string, unknown>[] }).results) as Record<string, unknown>[];
      const records = data.results.map((row, i) => {
        const id = tenantId(row);
        if (seen.has(id)) throw malformed(what, `tenant ${id} appears more than once`);
        seen.add(id);
        return tenantRowToRecord(rawRows[i], row);
      });
      yield { records, latest: null, serverTime: page.serverTime };
      const link = data.next_page_url?.trim();
      if (!link) return;
      const next = followLink(link, origin, current, SYSTEM);
      const key = `${next.path}?${new URLSearchParams(next.query).toString()}`;
      if (links.has(key)) throw malformed(what, 'its next_page_url points back to a page already read');
      links.add(key);
      current = new URL(link, current).toString();
      call = nextMethod === 'GET' ? { method: 'GET', path: next.path, query: next.query } : { method: 'POST', path: next.path, query: next.query, json: {} };
    }
    throw malformed('reading the tenant directory', `it kept sending next_page_url after ${MAX_PAGES} pages`);
  }

  return {
    kind: 'appfolio',

    async test(): Promise<TestResult> {
      try {
        // The first page proves the credentials and the report; two tries at most.
        let count = 0;
        for await (const p of pages(filters({ tenant_visibility: 'active' }), undefined, 2)) {
          count = p.records.length;
          break;
        }
        const scope = propertyIds.length ? `properties ${propertyIds.join(', ')}` : 'all properties';
        return { ok: true, message: `Connected to AppFolio (${scope}): the tenant directory answers (${count} current tenant${count === 1 ? '' : 's'} on its first page).` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      for await (const p of pages(filters({}), listOpts?.signal)) yield p.records;
    },
  };
}

/** The Database API (v0) reader: full reads from the epoch, changes from the saved position. */
function databaseApiSource(
  opts: AppfolioSourceOptions,
  propertyIds: string[],
  developerId: string,
  auth: { kind: 'basic'; username: string; password: string },
): SourceConnector {
  const { origin, prefix } = splitBase(opts.databaseApiUrl?.trim() || APPFOLIO_DATABASE_API_URL);
  const http = createUpstreamHttp({ baseUrl: origin, auth, systemName: SYSTEM, retry: opts.retry });
  const pageSize = Math.max(1, Math.min(1000, opts.pageSize ?? 200));
  const headers = { [V0_DEVELOPER_HEADER]: developerId };

  async function* pages(from: string, signal?: AbortSignal, maxAttempts?: number, size = pageSize, notAfter = Infinity): AsyncGenerator<PageOut> {
    const seen = new Set<string>();
    const links = new Set<string>();
    const filters: Record<string, string> = { 'filters[LastUpdatedAtFrom]': from };
    if (propertyIds.length) filters['filters[PropertyId]'] = propertyIds.join(',');
    let call: Call = { method: 'GET', path: `${prefix}${V0_TENANTS_PATH}`, query: { ...filters, 'page[number]': '1', 'page[size]': String(size) }, headers };
    let current = `${origin}${prefix}${V0_TENANTS_PATH}`;
    for (let n = 1; n <= MAX_PAGES; n++) {
      const what = `reading page ${n} of the tenants`;
      const { data, raw, serverTime } = await fetchPage(http, call, v0PageSchema, what, signal, maxAttempts);
      const rawRows = (raw as { data: Record<string, unknown>[] }).data;
      let latest: number | null = null;
      const records = data.data.map((t, i) => {
        const id = text(t.Id)!;
        if (seen.has(id)) throw malformed(what, `tenant ${id} appears more than once`);
        seen.add(id);
        const at = v0UpdatedAtMs(t);
        if (at !== null && at <= notAfter && (latest === null || at > latest)) latest = at;
        return v0TenantToRecord(rawRows[i], t);
      });
      yield { records, latest, serverTime };
      const link = data.next_page_path?.trim();
      let nextQuery: Record<string, string>;
      let nextPath = call.path;
      if (link) {
        const next = followLink(link, origin, current, SYSTEM);
        const key = `${next.path}?${new URLSearchParams(next.query).toString()}`;
        if (links.has(key)) throw malformed(what, 'its next_page_path points back to a page already read');
        links.add(key);
        current = new URL(link, current).toString();
        nextPath = next.path;
        nextQuery = next.query;
      } else if (data.next_page_path === undefined && data.data.length > 0) {
        // A server that does not say where the next page is: only an empty page ends the list. A
        // short page does not (a server may cap page[size] below what we asked), and stopping
        // there would drop, and disable, everyone after it. A server that ignores page[number]
        // repeats tenants, which fails the read above.
        nextQuery = { ...call.query, 'page[number]': String(n + 1) };
      } else {
        return;
      }
      call = { method: 'GET', path: nextPath, query: nextQuery, headers };
    }
    throw malformed('reading the tenants', `it kept sending next_page_path after ${MAX_PAGES} pages`);
  }

  return {
    kind: 'appfolio',

    async test(): Promise<TestResult> {
      try {
        for await (const _ of pages(V0_EPOCH, undefined, 2, 1)) break;
        const scope = propertyIds.length ? `properties ${propertyIds.join(', ')}` : 'all properties';
        return { ok: true, message: `Connected to AppFolio's Database API (${scope}): the tenant list answers.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      for await (const p of pages(V0_EPOCH, listOpts?.signal)) yield p.records;
    },

    async changesSince(token: string | null, listOpts?: ListOptions): Promise<ChangeSet> {
      // Before the first request: the position may not move past this moment.
      const readAt = Date.now();
      let from = V0_EPOCH;
      let fromMs: number | null = null;
      if (token) {
        const t = Date.parse(token);
        if (Number.isNaN(t)) throw new UpstreamError('The saved AppFolio change position is not a time; a full read is needed.', 400);
        // A saved position later than this read cannot be right (no position passes its own read):
        // an older version let a future-dated tenant carry it ahead. Reading everything once mends it.
        if (t <= readAt) {
          fromMs = t;
          from = new Date(t).toISOString();
        }
      }
      const records: SourceRecord[] = [];
      let latest: number | null = null;
      let serverTime: number | null = null;
      for await (const p of pages(from, listOpts?.signal, undefined, pageSize, readAt)) {
        records.push(...p.records);
        if (p.latest !== null && (latest === null || p.latest > latest)) latest = p.latest;
        serverTime ??= p.serverTime;
      }
      // The next position is the latest change seen up to the moment of the read, and never
      // earlier than where this read started (a server that ignores the filter sends older rows).
      // Rows without a LastUpdatedAt, or dated after the read, do not move it; a first read
      // without any falls back to the server's clock, or ours when the server's is ahead.
      const next = latest !== null ? Math.max(latest, fromMs ?? latest) : (fromMs ?? Math.min(serverTime ?? readAt, readAt));
      return { records, removedExternalIds: [], nextToken: new Date(next).toISOString() };
    },
  };
}

function errorFor(reply: HttpReply, what: string): UpstreamError {
  if (reply.status === 401 || reply.status === 403) {
    return new UpstreamError(
      `AppFolio did not accept the client id and secret (${reply.status}). Check them (and the developer id, for the Database API) in the connection settings, and that the API user may read tenants.`,
      reply.status,
    );
  }
  return statusError(SYSTEM, what, reply);
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`${capital(SYSTEM)} sent an unusable answer while ${what}: ${why}.`, null, true);
}
