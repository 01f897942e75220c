import { randomBytes } from 'node:crypto';
import { basicCredentials, sameSecret } from '../http/fake-credentials';
import { jsonError, startFakeServer, fakeControls } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';
import { TENANT_DIRECTORY_PATH } from './appfolio-wire';
import { V0_TENANTS_PATH } from './appfolio-v0';

/**
 * A fake AppFolio: real HTTP on 127.0.0.1, HTTP Basic with a client id and secret, speaking both
 * published APIs over one set of tenants.
 *
 * Reports API v2 (appfolio-wire.ts):
 *   POST /api/v2/reports/tenant_directory.json   body: filters
 *   → with paginate_results: { "results": [...], "next_page_url": "<absolute URL>" | null }
 *   → without it: the bare array of rows
 *   GET (or POST) the next_page_url it handed out for the next page.
 *
 * Database API v0 (appfolio-v0.ts), also needing X-AppFolio-Developer-ID:
 *   GET /api/v0/tenants?filters[LastUpdatedAtFrom]=…&filters[PropertyId]=…&page[number]=&page[size]=
 *   → { "data": [...], "next_page_path": "/api/v0/tenants?…" | null }   (400 without the filter)
 *
 * Each tenant has a last-updated time, stamped whenever the fake's data is changed through
 * `tenants.upsert`; the Database API shows it (LastUpdatedAt) and filters on it, the report does not.
 */

export type AppfolioFakeTenant = Record<string, unknown> & {
  selected_tenant_id: string | number;
  property_id: string | number;
  status: string;
};

export interface AppfolioFakeOptions {
  /** Default: none. */
  tenants?: AppfolioFakeTenant[];
  clientId?: string;
  clientSecret?: string;
  developerId?: string;
  /** Report rows per page (default 100). */
  pageSize?: number;
  /** Largest Database API page, whatever is asked (default 1000). */
  maxV0PageSize?: number;
  /** Write next_page_url on this origin instead of the fake's own. */
  nextPageOrigin?: string;
  /** Methods next_page_url answers to (default GET and POST); others get 405. */
  nextPageMethods?: Array<'GET' | 'POST'>;
  /** Leave next_page_path out of Database API answers (the client then pages by number). */
  omitNextPagePath?: boolean;
  /** Answer every tenant whatever filters[LastUpdatedAtFrom] says (a server that ignores it). */
  ignoreLastUpdatedAtFrom?: boolean;
  /** How far the server's clock (its Date header on Database API answers) is ahead of the real one, in ms. */
  clockOffsetMs?: number;
}

export interface AppfolioFake {
  url: string;
  clientId: string;
  clientSecret: string;
  developerId: string;
  tenants: {
    list(): AppfolioFakeTenant[];
    /** Adds or replaces a tenant and stamps its last-updated time (now, or `at`). */
    upsert(t: AppfolioFakeTenant, at?: string): AppfolioFakeTenant;
    /** The tenant's last-updated time, ISO. */
    updatedAt(selectedTenantId: string | number): string | null;
  };
  /** The JSON bodies of every report POST, in order. */
  bodies: Record<string, unknown>[];
  /** The query of every Database API request, in order. */
  v0Queries: Record<string, string>[];
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
  const developerId = opts.developerId ?? `dev_${randomBytes(8).toString('hex')}`;
  const pageSize = opts.pageSize ?? 100;
  const nextMethods = opts.nextPageMethods ?? ['GET', 'POST'];
  const start = Date.now();
  let tenants = (opts.tenants ?? []).map((t) => structuredClone(t));
  const stamps = new Map<string, string>(tenants.map((t, i) => [String(t.selected_tenant_id), new Date(start - (tenants.length - i) * 1000).toISOString()]));
  const bodies: Record<string, unknown>[] = [];
  const v0Queries: Record<string, string>[] = [];
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
    // A POST carrying a page token is the next page, asked for with POST.
    if (req.query.get('page_token')) return nextPage(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) return jsonError(400, 'bad_request', 'The body must be a JSON object.');
    bodies.push(structuredClone(body));
    const visibility = body.tenant_visibility ?? 'active';
    if (!['active', 'hidden', 'all'].includes(String(visibility))) return jsonError(400, 'bad_request', 'tenant_visibility must be active, hidden or all.');
    const ids = (body.properties as { properties_ids?: unknown } | undefined)?.properties_ids;
    const wanted = Array.isArray(ids) ? new Set(ids.map(String)) : null;
    const rows = tenants
      .filter((t) => !wanted || wanted.has(String(t.property_id)))
      // Past tenants are hidden ones here: "active" leaves them out.
      .filter((t) => visibility === 'all' || (visibility === 'active') === (t.status !== 'Past'))
      .sort((a, b) => String(a.selected_tenant_id).localeCompare(String(b.selected_tenant_id), undefined, { numeric: true }));
    // Without paginate_results AppFolio answers everything at once, as a bare list.
    if (body.paginate_results !== true) return { status: 200, body: rows };
    return pageOf({ rows, offset: 0 });
  };

  const nextPage = (req: FakeRequest): FakeReply => {
    if (!nextMethods.includes(req.method as 'GET' | 'POST')) return jsonError(405, 'method_not_allowed', `Use ${nextMethods.join(' or ')} for the next page.`);
    const cursor = cursors.get(req.query.get('page_token') ?? '');
    if (!cursor) return jsonError(404, 'not_found', 'That page is not (or no longer) available.');
    return pageOf(cursor);
  };

  const v0Tenant = (t: AppfolioFakeTenant): Record<string, unknown> => {
    const email = typeof t.emails === 'string' ? t.emails.split(',')[0]?.trim() || null : null;
    const phones = typeof t.phone_numbers === 'string' ? t.phone_numbers.split(',').map((x) => x.trim()).filter(Boolean) : [];
    return {
      Id: String(t.v0_id ?? t.selected_tenant_id),
      FirstName: t.first_name ?? null,
      LastName: t.last_name ?? null,
      Email: email,
      PhoneNumbers: phones.map((p) => {
        const m = /^([A-Za-z ]+):\s*(.+)$/.exec(p);
        return m ? { Type: m[1], PhoneNumber: m[2] } : { Type: 'Phone', PhoneNumber: p };
      }),
      Status: t.status,
      PropertyId: String(t.property_id),
      UnitId: t.unit_id === undefined || t.unit_id === null ? null : String(t.unit_id),
      UnitName: t.unit ?? null,
      OccupancyId: t.occupancy_id === undefined ? null : String(t.occupancy_id),
      Type: t.tenant_type ?? null,
      HiddenAt: null,
      LastUpdatedAt: stamps.get(String(t.selected_tenant_id)) ?? null,
    };
  };

  const v0List = (req: FakeRequest): FakeReply => {
    if (!sameSecret(req.header('x-appfolio-developer-id'), developerId)) return jsonError(401, 'unauthorized', 'The developer id is missing or not valid.');
    v0Queries.push(Object.fromEntries(req.query));
    const fromText = req.query.get('filters[LastUpdatedAtFrom]');
    if (!fromText) return { status: 400, body: { errors: [{ message: 'filters[LastUpdatedAtFrom] is required.' }] } };
    const from = Date.parse(fromText);
    if (Number.isNaN(from)) return { status: 400, body: { errors: [{ message: 'filters[LastUpdatedAtFrom] must be a date and time.' }] } };
    const props = req.query.get('filters[PropertyId]');
    const wanted = props ? new Set(props.split(',').map((s) => s.trim())) : null;
    const number = Number(req.query.get('page[number]') ?? 1);
    const size = Math.min(Number(req.query.get('page[size]') ?? 1000), opts.maxV0PageSize ?? 1000);
    if (!Number.isInteger(number) || number < 1 || !Number.isInteger(size) || size < 1) return { status: 400, body: { errors: [{ message: 'page[number] and page[size] must be positive.' }] } };
    const rows = tenants
      .filter((t) => !wanted || wanted.has(String(t.property_id)))
      .filter((t) => opts.ignoreLastUpdatedAtFrom || Date.parse(stamps.get(String(t.selected_tenant_id)) ?? '') >= from)
      .sort((a, b) => String(a.selected_tenant_id).localeCompare(String(b.selected_tenant_id), undefined, { numeric: true }));
    const slice = rows.slice((number - 1) * size, number * size).map(v0Tenant);
    const body: Record<string, unknown> = { data: slice };
    if (!opts.omitNextPagePath) {
      let next: string | null = null;
      if (number * size < rows.length) {
        const q = new URLSearchParams(req.query);
        q.set('page[number]', String(number + 1));
        next = `${V0_TENANTS_PATH}?${q.toString()}`;
      }
      body.next_page_path = next;
    }
    const headers = opts.clockOffsetMs ? { Date: new Date(Date.now() + opts.clockOffsetMs).toUTCString() } : undefined;
    return { status: 200, body, headers };
  };

  const server = await startFakeServer({
    token: 'unused',
    authorize: ({ headers }) => sameSecret(basicCredentials(headers.authorization), `${clientId}:${clientSecret}`),
    shapers: appfolioShapers,
    routes: [
      { method: 'POST', pattern: TENANT_DIRECTORY_PATH, handler: report },
      { method: 'GET', pattern: TENANT_DIRECTORY_PATH, handler: nextPage },
      { method: 'GET', pattern: V0_TENANTS_PATH, handler: v0List },
    ],
  });
  selfUrl = server.url;

  return {
    url: server.url,
    clientId,
    clientSecret,
    developerId,
    tenants: {
      list: () => tenants.map((t) => structuredClone(t)),
      upsert(t, at) {
        const id = String(t.selected_tenant_id);
        tenants = tenants.filter((x) => String(x.selected_tenant_id) !== id);
        tenants.push(structuredClone(t));
        stamps.set(id, at ?? new Date().toISOString());
        return structuredClone(t);
      },
      updatedAt: (id) => stamps.get(String(id)) ?? null,
    },
    bodies,
    v0Queries,
    ...fakeControls(server),
  };
}

/** The rows of a report page (object or bare list) or of a Database API page, and how to put them back. */
function rowsOf(body: unknown): { rows: Record<string, unknown>[]; idKeys: string[]; put: (rows: Record<string, unknown>[]) => unknown } | null {
  if (Array.isArray(body)) return { rows: body as Record<string, unknown>[], idKeys: ['selected_tenant_id', 'tenant_id'], put: (rows) => rows };
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.results)) return { rows: b.results as Record<string, unknown>[], idKeys: ['selected_tenant_id', 'tenant_id'], put: (rows) => ({ ...b, results: rows }) };
  if (Array.isArray(b.data)) return { rows: b.data as Record<string, unknown>[], idKeys: ['Id'], put: (rows) => ({ ...b, data: rows }) };
  return null;
}

const appfolioShapers: BodyShapers = {
  malformed(body) {
    const page = rowsOf(body);
    if (!page || page.rows.length === 0) return { results: { rows: [] }, next_page_url: null };
    // The first row loses its tenant ids: valid JSON, unusable data.
    const [first, ...rest] = page.rows;
    const noId = Object.fromEntries(Object.entries(first).filter(([k]) => !page.idKeys.includes(k)));
    return page.put([noId, ...rest]);
  },
  duplicateIds(body) {
    const page = rowsOf(body);
    if (!page || page.rows.length === 0) return body;
    const copy = [...page.rows];
    if (copy.length === 1) copy.push(copy[0]);
    else copy[copy.length - 1] = copy[0];
    return page.put(copy);
  },
  emptyList(body) {
    const page = rowsOf(body);
    if (!page) return body;
    return Array.isArray(body) ? [] : 'data' in (body as object) ? { data: [], next_page_path: null } : { results: [], next_page_url: null };
  },
};
