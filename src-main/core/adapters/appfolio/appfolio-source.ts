import { UpstreamError } from '../types';
import type { ChangeSet, ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, parseJson, statusError } from '../http/upstream-http';
import type { HttpReply, RetryPolicy } from '../http/upstream-http';
import { capital, followLink, splitBase } from '../mri/next-link';
import { TENANT_DIRECTORY_PATH, tenantId, tenantPageSchema, tenantRowToRecord, updatedAtMs } from './appfolio-wire';

/**
 * Reads tenants from AppFolio's tenant directory report (see appfolio-wire.ts). The first page is
 * a POST with the filters; further pages are GETs of `next_page_url`, followed only on the
 * configured origin and never twice. Past tenants are asked for too (`tenant_visibility: all`):
 * someone who moved out must reach the engine as "Past", not vanish, so they are disabled for a
 * reason the activity log can show.
 *
 * Continuous sync: `changesSince(token)` sends `LastUpdatedAtFrom` = the token, the latest
 * last-updated time seen so far. AppFolio reports no deletions; people leave by turning "Past".
 */

export interface AppfolioSourceOptions {
  /** https://<database>.appfolio.com (or a test server). */
  url: string;
  clientId: string;
  clientSecret: string;
  /** AppFolio property ids to read; empty reads every property the API user sees. */
  propertyIds?: string[];
  retry?: Partial<RetryPolicy>;
}

const SYSTEM = 'AppFolio';
const MAX_PAGES = 10_000;

export function appfolioUrlFor(database: string): string {
  return `https://${database.trim().toLowerCase()}.appfolio.com`;
}

interface PageOut {
  records: SourceRecord[];
  /** Latest last_updated_at among the rows, epoch ms. */
  latest: number | null;
  /** The server's clock at the first answer (Date header), epoch ms. */
  serverTime: number | null;
}

export function createAppfolioSource(opts: AppfolioSourceOptions): SourceConnector {
  const { origin, prefix } = splitBase(opts.url);
  const http = createUpstreamHttp({ baseUrl: origin, auth: { kind: 'basic', username: opts.clientId, password: opts.clientSecret }, systemName: SYSTEM, retry: opts.retry });
  const propertyIds = [...new Set((opts.propertyIds ?? []).map((p) => p.trim()).filter(Boolean))];

  const filters = (extra: Record<string, unknown>) => ({
    tenant_visibility: 'all',
    tenant_types: ['all'],
    // Named properties are read even if hidden in AppFolio; otherwise only the active ones.
    property_visibility: propertyIds.length ? 'all' : 'active',
    ...(propertyIds.length ? { properties: { properties_ids: propertyIds } } : {}),
    paginate_results: true,
    ...extra,
  });

  async function page(call: { method: 'POST' | 'GET'; path: string; query?: Record<string, string>; json?: unknown }, what: string, signal?: AbortSignal, maxAttempts?: number) {
    // Reports are reads: safe to send again.
    const reply = await http.request({ ...call, retryable: true, maxAttempts, signal });
    if (reply.status !== 200) throw errorFor(reply, what);
    const parsed = parseJson(reply.text);
    if (!parsed.ok) throw malformed(what, 'the answer is not complete JSON (it may have been cut off)');
    const result = tenantPageSchema.safeParse(parsed.value);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw malformed(what, `${issue.path.length ? issue.path.join('.') : 'the answer'}: ${issue.message}`);
    }
    const raw = (parsed.value as { results: Record<string, unknown>[] }).results;
    const date = reply.headers.date;
    const serverTime = typeof date === 'string' && !Number.isNaN(Date.parse(date)) ? Date.parse(date) : null;
    return { data: result.data, raw, serverTime };
  }

  /** The report for these filters, page by page, each checked before it is handed on. */
  async function* pages(body: Record<string, unknown>, signal?: AbortSignal, maxAttempts?: number): AsyncGenerator<PageOut> {
    const seen = new Set<string>();
    const links = new Set<string>();
    let call: Parameters<typeof page>[0] | null = { method: 'POST', path: `${prefix}${TENANT_DIRECTORY_PATH}`, json: body };
    let current = `${origin}${prefix}${TENANT_DIRECTORY_PATH}`;
    for (let n = 1; n <= MAX_PAGES; n++) {
      const what = `reading page ${n} of the tenant directory`;
      const { data, raw, serverTime } = await page(call, what, signal, maxAttempts);
      let latest: number | null = null;
      const records = data.results.map((row, i) => {
        const id = tenantId(row);
        if (seen.has(id)) throw malformed(what, `tenant ${id} appears more than once`);
        seen.add(id);
        const t = updatedAtMs(row);
        if (t !== null && (latest === null || t > latest)) latest = t;
        return tenantRowToRecord(raw[i], row);
      });
      yield { records, latest, serverTime };
      const link = data.next_page_url?.trim();
      if (!link) return;
      const next = followLink(link, origin, current, SYSTEM);
      const key = `${next.path}?${new URLSearchParams(next.query).toString()}`;
      if (links.has(key)) throw malformed(what, 'its next_page_url points back to a page already read');
      links.add(key);
      current = new URL(link, current).toString();
      call = { method: 'GET', path: next.path, query: next.query };
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

    async changesSince(token: string | null, listOpts?: ListOptions): Promise<ChangeSet> {
      let from: string | null = null;
      if (token) {
        const t = Date.parse(token);
        if (Number.isNaN(t)) throw new UpstreamError('The saved AppFolio change position is not a time; a full read is needed.', 400);
        from = new Date(t).toISOString();
      }
      const records: SourceRecord[] = [];
      let latest: number | null = null;
      let serverTime: number | null = null;
      for await (const p of pages(filters(from ? { LastUpdatedAtFrom: from } : {}), listOpts?.signal)) {
        records.push(...p.records);
        if (p.latest !== null && (latest === null || p.latest > latest)) latest = p.latest;
        serverTime ??= p.serverTime;
      }
      // The next position is the latest change seen. Rows without a last-updated time (or no rows)
      // keep the old position; a first read without any falls back to the server's clock.
      const next = latest !== null ? new Date(latest).toISOString() : (from ?? new Date(serverTime ?? Date.now()).toISOString());
      return { records, removedExternalIds: [], nextToken: next };
    },
  };
}

function errorFor(reply: HttpReply, what: string): UpstreamError {
  if (reply.status === 401 || reply.status === 403) {
    return new UpstreamError(`AppFolio did not accept the client id and secret (${reply.status}). Check them in the connection settings, and that the API user may run the tenant directory report.`, reply.status);
  }
  return statusError(SYSTEM, what, reply);
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`${capital(SYSTEM)} sent an unusable answer while ${what}: ${why}.`, null, true);
}
