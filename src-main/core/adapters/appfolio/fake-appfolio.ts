import { randomBytes } from 'node:crypto';
import { basicCredentials, sameSecret } from '../http/fake-credentials';
import { jsonError, startFakeServer, fakeControls } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';
import { TENANT_DIRECTORY_PATH } from './appfolio-wire';

/**
 * A fake AppFolio Reports API v2 tenant directory: real HTTP on 127.0.0.1, HTTP Basic with a
 * client id and secret.
 *
 *   POST /api/v2/reports/tenant_directory.json   body: filters (see appfolio-wire.ts)
 *   GET  /api/v2/reports/tenant_directory.json?page_token=…   (the next_page_url it handed out)
 *   → { "results": [...], "next_page_url": "<absolute URL>" | null }
 *
 * Each tenant carries `last_updated_at`, stamped whenever the fake's data is changed through
 * `tenants.upsert`, and `LastUpdatedAtFrom` returns tenants changed at or after that time.
 */

export type AppfolioFakeTenant = Record<string, unknown> & {
  selected_tenant_id: string | number;
  property_id: string | number;
  status: string;
  last_updated_at?: string;
};

export interface AppfolioFakeOptions {
  /** Default: none. */
  tenants?: AppfolioFakeTenant[];
  clientId?: string;
  clientSecret?: string;
  /** Rows per page (default 100). */
  pageSize?: number;
  /** Write next_page_url on this origin instead of the fake's own. */
  nextPageOrigin?: string;
}

export interface AppfolioFake {
  url: string;
  clientId: string;
  clientSecret: string;
  tenants: {
    list(): AppfolioFakeTenant[];
    /** Adds or replaces a tenant and stamps last_updated_at (now, or `at`). */
    upsert(t: AppfolioFakeTenant, at?: string): AppfolioFakeTenant;
  };
  /** The JSON bodies of every report POST, in order. */
  bodies: Record<string, unknown>[];
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

interface Cursor {
  rows: AppfolioFakeTenant[];
  offset: number;
}

export async function startAppfolioFake(opts: AppfolioFakeOptions = {}): Promise<AppfolioFake> {
  const clientId = opts.clientId ?? `cid_${randomBytes(6).toString('hex')}`;
  const clientSecret = opts.clientSecret ?? `sec_${randomBytes(16).toString('hex')}`;
  const pageSize = opts.pageSize ?? 100;
  const start = Date.now();
  let tenants = (opts.tenants ?? []).map((t, i) => ({ last_updated_at: new Date(start - ((opts.tenants?.length ?? 0) - i) * 1000).toISOString(), ...structuredClone(t) }));
  const bodies: Record<string, unknown>[] = [];
  const cursors = new Map<string, Cursor>();
  let selfUrl = '';

  const pageOf = (cursor: Cursor): FakeReply => {
    const results = cursor.rows.slice(cursor.offset, cursor.offset + pageSize);
    const nextOffset = cursor.offset + pageSize;
    let next: string | null = null;
    if (nextOffset < cursor.rows.length) {
      const token = randomBytes(8).toString('hex');
      cursors.set(token, { rows: cursor.rows, offset: nextOffset });
      const url = new URL(TENANT_DIRECTORY_PATH, opts.nextPageOrigin ?? selfUrl);
      url.searchParams.set('page_token', token);
      next = url.toString();
    }
    return { status: 200, body: { results, next_page_url: next } };
  };

  const report = (req: FakeRequest): FakeReply => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) return jsonError(400, 'bad_request', 'The body must be a JSON object.');
    bodies.push(structuredClone(body));
    const visibility = body.tenant_visibility ?? 'active';
    if (!['active', 'inactive', 'all'].includes(String(visibility))) return jsonError(400, 'bad_request', 'tenant_visibility must be active, inactive or all.');
    const ids = (body.properties as { properties_ids?: unknown } | undefined)?.properties_ids;
    const wanted = Array.isArray(ids) ? new Set(ids.map(String)) : null;
    let from: number | null = null;
    if (body.LastUpdatedAtFrom !== undefined) {
      from = Date.parse(String(body.LastUpdatedAtFrom));
      if (Number.isNaN(from)) return jsonError(400, 'bad_request', 'LastUpdatedAtFrom must be a date and time.');
    }
    const rows = tenants
      .filter((t) => !wanted || wanted.has(String(t.property_id)))
      .filter((t) => visibility === 'all' || (visibility === 'active') === (t.status !== 'Past'))
      .filter((t) => from === null || Date.parse(String(t.last_updated_at)) >= from)
      .sort((a, b) => String(a.selected_tenant_id).localeCompare(String(b.selected_tenant_id), undefined, { numeric: true }));
    // Without paginate_results AppFolio answers everything at once.
    if (body.paginate_results !== true) return { status: 200, body: { results: rows, next_page_url: null } };
    return pageOf({ rows, offset: 0 });
  };

  const nextPage = (req: FakeRequest): FakeReply => {
    const cursor = cursors.get(req.query.get('page_token') ?? '');
    if (!cursor) return jsonError(404, 'not_found', 'That page is not (or no longer) available.');
    return pageOf(cursor);
  };

  const server = await startFakeServer({
    token: 'unused',
    authorize: ({ headers }) => sameSecret(basicCredentials(headers.authorization), `${clientId}:${clientSecret}`),
    shapers: appfolioShapers,
    routes: [
      { method: 'POST', pattern: TENANT_DIRECTORY_PATH, handler: report },
      { method: 'GET', pattern: TENANT_DIRECTORY_PATH, handler: nextPage },
    ],
  });
  selfUrl = server.url;

  return {
    url: server.url,
    clientId,
    clientSecret,
    tenants: {
      list: () => tenants.map((t) => structuredClone(t)),
      upsert(t, at) {
        const stored = { ...structuredClone(t), last_updated_at: at ?? new Date().toISOString() };
        tenants = tenants.filter((x) => String(x.selected_tenant_id) !== String(t.selected_tenant_id));
        tenants.push(stored);
        return structuredClone(stored);
      },
    },
    bodies,
    ...fakeControls(server),
  };
}

const asPage = (body: unknown) => (body && typeof body === 'object' && Array.isArray((body as { results?: unknown }).results) ? (body as { results: Record<string, unknown>[] }) : null);

const appfolioShapers: BodyShapers = {
  malformed(body) {
    const page = asPage(body);
    if (!page || page.results.length === 0) return { results: { rows: [] }, next_page_url: null };
    // The first row loses its tenant ids: valid JSON, unusable data.
    const [first, ...rest] = page.results;
    const { selected_tenant_id: _s, tenant_id: _t, ...noId } = first;
    return { ...page, results: [noId, ...rest] };
  },
  duplicateIds(body) {
    const page = asPage(body);
    if (!page || page.results.length === 0) return body;
    const copy = [...page.results];
    if (copy.length === 1) copy.push(copy[0]);
    else copy[copy.length - 1] = copy[0];
    return { ...page, results: copy };
  },
  emptyList(body) {
    return asPage(body) ? { results: [], next_page_url: null } : body;
  },
};
