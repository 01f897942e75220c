import { randomBytes } from 'node:crypto';
import { basicCredentials, sameSecret } from '../http/fake-credentials';
import { startFakeServer, fakeControls } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';
import { LEASE_STATUS_TYPES, wrappedList } from './entrata-wire';

/**
 * A fake Entrata: real HTTP on 127.0.0.1 speaking the JSON-RPC envelope (see entrata-wire.ts).
 *
 *   POST /api/v1/leases?page_no=&per_page=   getLeases      params { propertyId }
 *   POST /api/v1/properties                  getProperties  params { propertyIds? }
 *   POST /api/v1/customers                   getCustomers   params { propertyId }
 *
 * The same services answer under the older `/api/<service>` and the gateway's
 * `/ext/orgs/<org>/v1/<service>`. Paging is in the query string, as Entrata documents it; a read
 * without `page_no` gets everything. Like Entrata, it reports bad requests and bad credentials
 * inside the envelope (`response.error`), and it checks the envelope itself: requestId, method
 * name and version, and that `auth.type` matches the credentials sent (Basic or X-Api-Key).
 */

export interface EntrataFakeResident {
  customerId: string;
  leaseId: string;
  propertyId: string;
  firstName: string;
  lastName: string;
  email?: string | null;
  phone?: string | null;
  unitNumber?: string | null;
  buildingName?: string | null;
  /** Entrata's leaseCustomerStatus word: Current, Notice, Future, Past, Applicant, Cancelled… */
  status: string;
  /** Primary (default), Responsible, Non-Responsible, Guarantor. */
  customerType?: string;
  /** Several numbers; when set, `phone` is ignored. */
  phones?: Array<{ type: string; number: string }>;
}

export interface EntrataFakeOptions {
  /** Default: none. */
  residents?: EntrataFakeResident[];
  properties?: Array<{ id: string; name: string }>;
  username?: string;
  password?: string;
  apiKey?: string;
  /** Largest page the server hands out, whatever is asked (default 500). */
  maxPageSize?: number;
  /** Ignore page_no / per_page and answer the whole list every time (default false). */
  noPaging?: boolean;
  /** Refuse a page number past the last page with an error, as some servers do, instead of an empty answer (default false). */
  pastEndError?: boolean;
  /** The message of that error (default "page_no N is out of range."). */
  pastEndMessage?: string;
  /** Add a `pagination` block ({ pageNo, perPageCount, totalCount }) to paged answers (default false). */
  paginationBlock?: boolean;
  /**
   * How lists are written: `wrapped` `{ "lease": [...] }` (default), `xml` (wrapped, but a
   * one-element list is the bare element, as Entrata's XML-to-JSON conversion does), or `bare`
   * arrays without the wrapper.
   */
  listStyle?: 'wrapped' | 'xml' | 'bare';
  /** Only the older `/api/<service>` paths answer; `/api/v1/...` is 404 (default false). */
  legacyPathsOnly?: boolean;
  /** Method versions accepted (default r1 and r2). */
  versions?: string[];
  /** Answer an empty read with this instead of the "No records found" result sentence. */
  emptyAs?: 'sentence' | 'error';
  /** HTTP status used for envelope errors (Entrata often says 200). Default 200. */
  errorHttpStatus?: number;
}

export interface EntrataFakeRequest {
  service: string;
  /** The path that was called, e.g. /api/v1/leases. */
  path: string;
  /** The query string's paging, when sent. */
  query: Record<string, string>;
  body: unknown;
  authHeader: 'basic' | 'apikey' | 'none';
}

export interface EntrataFake {
  url: string;
  username: string;
  password: string;
  apiKey: string;
  residents: {
    list(): EntrataFakeResident[];
    upsert(r: EntrataFakeResident): void;
    remove(customerId: string, leaseId?: string): void;
  };
  /** Every JSON-RPC body received, in order, for envelope assertions. */
  calls: EntrataFakeRequest[];
  /** The next `times` calls answer HTTP 200 with `response.error` instead of a result. */
  rpcError(error: { code: number; message: string }, times?: number): void;
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

const SERVICE_METHODS: Record<string, string[]> = {
  leases: ['getLeases'],
  properties: ['getProperties'],
  customers: ['getCustomers'],
};

const STATUS_TYPE_IDS = Object.fromEntries(Object.entries(LEASE_STATUS_TYPES).map(([id, word]) => [word.toLowerCase(), id]));

export async function startEntrataFake(opts: EntrataFakeOptions = {}): Promise<EntrataFake> {
  const username = opts.username ?? 'rollcall_api';
  const password = opts.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const apiKey = opts.apiKey ?? `ek_${randomBytes(16).toString('hex')}`;
  const maxPage = opts.maxPageSize ?? 500;
  const errorStatus = opts.errorHttpStatus ?? 200;
  const versions = opts.versions ?? ['r1', 'r2'];
  const style = opts.listStyle ?? 'wrapped';
  const list = (element: string, items: unknown[]): unknown => {
    if (style === 'bare') return items;
    return { [element]: style === 'xml' && items.length === 1 ? items[0] : items };
  };
  const NO_RECORDS = 'No records found with mentioned preferences.';
  let residents = (opts.residents ?? []).map((r) => ({ ...r }));
  const properties = opts.properties ?? [...new Set(residents.map((r) => r.propertyId))].map((id) => ({ id, name: `Property ${id}` }));
  const calls: EntrataFakeRequest[] = [];
  const injected: { error: { code: number; message: string }; left: number }[] = [];

  const authKind = (req: FakeRequest): 'basic' | 'apikey' | 'none' => {
    const basic = basicCredentials(req.header('authorization'));
    if (basic !== null) return sameSecret(basic, `${username}:${password}`) ? 'basic' : 'none';
    const key = req.header('x-api-key');
    if (key) return sameSecret(key, apiKey) ? 'apikey' : 'none';
    return 'none';
  };

  const envelope = (requestId: unknown, result: unknown): FakeReply => ({
    status: 200,
    body: { response: { requestId: requestId ?? null, code: 200, result } },
  });
  const fail = (requestId: unknown, code: number, message: string, status = errorStatus): FakeReply => ({
    status,
    body: { response: { requestId: requestId ?? null, error: { code, message } } },
  });

  const leasesOf = (propertyId: string) => {
    const byLease = new Map<string, EntrataFakeResident[]>();
    for (const r of residents.filter((x) => x.propertyId === propertyId)) {
      const list = byLease.get(r.leaseId) ?? [];
      list.push(r);
      byLease.set(r.leaseId, list);
    }
    return [...byLease.entries()]
      .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
      .map(([leaseId, people]) => toLease(leaseId, propertyId, people, list));
  };
  const empty = (requestId: unknown): FakeReply => (opts.emptyAs === 'error' ? fail(requestId, 1400, 'No leases found for the given criteria.', 200) : envelope(requestId, NO_RECORDS));

  const handle = (legacy: boolean) => (req: FakeRequest): FakeReply => {
    const service = req.params.service;
    if (!Object.hasOwn(SERVICE_METHODS, service) || (opts.legacyPathsOnly && !legacy)) return { status: 404, body: { message: 'Not Found' } };
    const body = req.body as { auth?: { type?: unknown }; requestId?: unknown; method?: { name?: unknown; version?: unknown; params?: Record<string, unknown> } } | undefined;
    const requestId = body?.requestId;
    const kind = authKind(req);
    calls.push({ service, path: req.path, query: Object.fromEntries(req.query), body: structuredClone(req.body), authHeader: kind });
    if (kind === 'none') return fail(requestId, 113, 'Authentication failed: the user name, password or API key is incorrect.', 401);
    if (!body || typeof body !== 'object' || !body.method) return fail(requestId, 301, 'Invalid request: the method is missing.');
    if (requestId === undefined || requestId === null || requestId === '') return fail(requestId, 301, 'Invalid request: requestId is required.');
    if (body.auth?.type !== kind) return fail(requestId, 113, `Authentication type "${String(body.auth?.type)}" does not match the credentials sent.`, 401);
    if (!SERVICE_METHODS[service]?.includes(String(body.method.name))) return fail(requestId, 301, `Method ${String(body.method.name)} is not available on ${service}.`);
    if (!versions.includes(String(body.method.version))) return fail(requestId, 301, `Version ${String(body.method.version)} of ${String(body.method.name)} is not supported.`);
    const inject = injected[0];
    if (inject) {
      if (--inject.left <= 0) injected.shift();
      return fail(requestId, inject.error.code, inject.error.message, 200);
    }
    const params = body.method.params ?? {};

    if (service === 'properties') {
      const wanted = typeof params.propertyIds === 'string' ? new Set(params.propertyIds.split(',').map((s) => s.trim())) : null;
      const found = properties.filter((p) => !wanted || wanted.has(p.id));
      return envelope(requestId, { PhysicalProperty: { Property: found.map((p) => ({ PropertyID: Number(p.id) || p.id, MarketingName: p.name })) } });
    }

    const propertyId = params.propertyId === undefined || params.propertyId === null ? '' : String(params.propertyId);
    if (!propertyId) return fail(requestId, 301, 'propertyId is required.');
    if (!properties.some((p) => p.id === propertyId)) return fail(requestId, 301, `Property ${propertyId} is not accessible to this user.`);

    if (service === 'customers') {
      const customers = residents
        .filter((r) => r.propertyId === propertyId)
        .map((r) => ({
          '@attributes': { Id: r.customerId },
          FirstName: r.firstName,
          LastName: r.lastName,
          UnitNumber: r.unitNumber ?? '',
          BuildingName: r.buildingName ?? '',
          Email: r.email ?? '',
          PhoneNumber: r.phone ?? '',
        }));
      return customers.length ? envelope(requestId, { customers: list('customer', customers) }) : envelope(requestId, NO_RECORDS);
    }

    const leases = leasesOf(propertyId);
    const pageParam = req.query.get('page_no');
    if (opts.noPaging || pageParam === null) return leases.length ? envelope(requestId, { leases: list('lease', leases) }) : empty(requestId);
    const pageNo = Number(pageParam);
    const asked = Number(req.query.get('per_page') ?? maxPage);
    if (!Number.isInteger(pageNo) || pageNo < 1 || !Number.isInteger(asked) || asked < 1) return fail(requestId, 301, 'page_no and per_page must be positive whole numbers.');
    const perPageCount = Math.min(asked, maxPage);
    const slice = leases.slice((pageNo - 1) * perPageCount, pageNo * perPageCount);
    if (slice.length === 0) return opts.pastEndError && pageNo > 1 ? fail(requestId, 301, opts.pastEndMessage ?? `page_no ${pageNo} is out of range.`) : empty(requestId);
    const result: Record<string, unknown> = { leases: list('lease', slice) };
    if (opts.paginationBlock) result.pagination = { pageNo, perPageCount, totalCount: leases.length };
    return envelope(requestId, result);
  };

  const server = await startFakeServer({
    token: 'unused',
    // Entrata checks credentials itself and answers in its envelope; the handlers do it.
    authorize: () => true,
    shapers: entrataShapers,
    routes: [
      { method: 'POST', pattern: '/api/v1/:service', handler: handle(false) },
      { method: 'POST', pattern: '/api/:service', handler: handle(true) },
      { method: 'POST', pattern: '/ext/orgs/:org/v1/:service', handler: handle(false) },
    ],
  });

  return {
    url: server.url,
    username,
    password,
    apiKey,
    residents: {
      list: () => residents.map((r) => ({ ...r })),
      upsert(r) {
        residents = residents.filter((x) => !(x.customerId === r.customerId && x.leaseId === r.leaseId));
        residents.push({ ...r });
      },
      remove(customerId, leaseId) {
        residents = residents.filter((x) => !(x.customerId === customerId && (leaseId === undefined || x.leaseId === leaseId)));
      },
    },
    calls,
    rpcError(error, times = 1) {
      injected.push({ error, left: times });
    },
    ...fakeControls(server),
  };
}

type ListWriter = (element: string, items: unknown[]) => unknown;

function toLease(leaseId: string, propertyId: string, people: EntrataFakeResident[], list: ListWriter): Record<string, unknown> {
  const head = people[0];
  const leaseStatus = people.map((p) => p.status).find((s) => STATUS_TYPE_IDS[s.toLowerCase()]) ?? head.status;
  return {
    id: Number(leaseId) || leaseId,
    propertyId: Number(propertyId) || propertyId,
    leaseStatusTypeId: STATUS_TYPE_IDS[leaseStatus.toLowerCase()] ?? '4',
    leaseIntervalStatus: leaseStatus,
    ...(head.buildingName ? { buildingName: head.buildingName } : {}),
    ...(head.unitNumber ? { unitSpaces: list('unitSpace', [{ unitSpaceId: Number(leaseId) || 1, unitSpace: head.unitNumber }]) } : {}),
    customers: list(
      'customer',
      people.map((p) => ({
        id: Number(p.customerId) || p.customerId,
        customerType: p.customerType ?? 'Primary',
        firstName: p.firstName,
        lastName: p.lastName,
        nameFull: `${p.lastName}, ${p.firstName}`,
        ...(p.email ? { emailAddress: p.email } : {}),
        leaseCustomerStatus: p.status,
        relationshipName: p.customerType ?? 'Primary',
        ...phonesOf(p, list),
      })),
    ),
  };
}

function phonesOf(p: EntrataFakeResident, list: ListWriter): Record<string, unknown> {
  const phones = p.phones ?? (p.phone ? [{ type: 'Mobile', number: p.phone }] : []);
  if (phones.length === 0) return {};
  return { phones: list('phone', phones.map((ph) => ({ phoneTypeName: ph.type, phoneType: ph.type.toLowerCase(), phoneNumber: ph.number }))) };
}

/** Faults bend the leases inside the envelope (other answers are left alone or emptied). */
const entrataShapers: BodyShapers = {
  malformed(body) {
    const result = resultOf(body);
    const leases = wrappedList(result?.leases, 'lease') as Record<string, unknown>[];
    if (leases.length === 0) return withResult(body, { unexpected: true });
    // The first customer loses their id: valid JSON, unusable data.
    const [first, ...rest] = leases;
    const [c0, ...others] = wrappedList(first.customers, 'customer') as Record<string, unknown>[];
    const { id: _id, ...noId } = c0;
    return withResult(body, { ...result, leases: { lease: [{ ...first, customers: { customer: [noId, ...others] } }, ...rest] } });
  },
  duplicateIds(body) {
    const result = resultOf(body);
    const list = wrappedList(result?.leases, 'lease');
    if (list.length === 0) return body;
    const copy = [...list];
    if (copy.length === 1) copy.push(copy[0]);
    else copy[copy.length - 1] = copy[0];
    return withResult(body, { ...result, leases: { lease: copy } });
  },
  emptyList(body) {
    const result = resultOf(body);
    if (result && 'PhysicalProperty' in result) return withResult(body, { PhysicalProperty: { Property: [] } });
    return result ? withResult(body, 'No records found with mentioned preferences.') : body;
  },
};

function resultOf(body: unknown): Record<string, unknown> | null {
  const r = (body as { response?: { result?: unknown } } | null)?.response?.result;
  return r && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown>) : null;
}

function withResult(body: unknown, result: unknown): unknown {
  const b = body as { response: Record<string, unknown> };
  return { ...b, response: { ...b.response, result } };
}
