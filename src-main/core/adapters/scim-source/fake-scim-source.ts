import { randomBytes } from 'node:crypto';
import { startFakeServer } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, FakeRoute, Misbehaviour, RequestLogEntry } from '../http/fake-server';
import { SCIM_BASE_PATH, putUser, startScimmyDirectory } from './scimmy-directory';
import type { ScimUser } from './scimmy-directory';

/**
 * A SCIM 2.0 directory to pull staff from: SCIMMY does the SCIM work (see scimmy-directory.ts);
 * a fake-server.ts front adds the shared faults and the quirks real directories have.
 *
 *   client ──► front (127.0.0.1:0: faults, quirks, request log) ──► SCIMMY directory (127.0.0.1:0)
 *
 * Quirks, each off by default:
 * - maxPageSize: the server caps `count`, so itemsPerPage comes back smaller than asked.
 * - filter 'rejected': ServiceProviderConfig says filtering is unsupported and a filter gets
 *   400 invalidFilter; 'ignored': the filter is dropped and every user comes back.
 * - omitMeta: users come without `meta` (no lastModified).
 * - omitListSchemas: ListResponses come without `schemas` and, when empty, without `Resources`.
 * - ignoreCount: every list holds all matching users, whatever `count` asked for.
 * - omitItemsPerPage: ListResponses come without itemsPerPage.
 * - attributeCase 'lower': every attribute name lower-cased (`username`, `resources`…), which
 *   RFC 7643 §2.1 allows since attribute names are case-insensitive.
 * - replyMediaType: the Content-Type of replies (application/scim+json by default).
 * - listStopsAfter: pages starting after this many users come without Resources (itemsPerPage
 *   0) while totalResults still counts everyone (a server losing the rest of a list).
 * - ignoreStartIndex: every page is the first one again, labelled with the startIndex asked for.
 * - trickleAfterFirstPage: every page after the first holds one user (a server that keeps going,
 *   but far slower than its first page and totalResults promise).
 * - endless: the user list is made up on the spot and never ends: totalResults is this number
 *   and every page holds as many brand-new users as asked for (a hostile or broken directory).
 */

export interface ScimSourceFakeOptions {
  token?: string;
  /** Users to start with; an `id` is kept, otherwise one is assigned. */
  users?: Array<Record<string, unknown>>;
  maxPageSize?: number;
  filter?: 'supported' | 'rejected' | 'ignored';
  omitMeta?: boolean;
  omitListSchemas?: boolean;
  ignoreCount?: boolean;
  omitItemsPerPage?: boolean;
  attributeCase?: 'as-is' | 'lower';
  replyMediaType?: string;
  listStopsAfter?: number;
  trickleAfterFirstPage?: boolean;
  ignoreStartIndex?: boolean;
  endless?: { totalResults: number };
}

export interface ScimSourceFake {
  /** SCIM base URL (ends in /scim/v2). */
  url: string;
  token: string;
  users: {
    list(): ScimUser[];
    get(id: string): ScimUser | null;
    /**
     * Adds a user as the directory's admin would; meta.lastModified is stamped now, or set to
     * `modifiedAt` as given (a directory whose clock is wrong).
     */
    add(user: Record<string, unknown>, id?: string, opts?: { modifiedAt?: string }): ScimUser;
    /** Merges `patch` into the user and stamps meta.lastModified (now, or `modifiedAt`). */
    update(id: string, patch: Record<string, unknown>, opts?: { modifiedAt?: string }): ScimUser;
    remove(id: string): boolean;
  };
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

const scimError = (status: number, scimType: string | null, detail: string): FakeReply => ({
  status,
  body: { schemas: [ERROR_URN], status: String(status), ...(scimType ? { scimType } : {}), detail },
});

type ListBody = { Resources?: Array<Record<string, unknown>>; totalResults?: number; itemsPerPage?: number };

const scimShapers: BodyShapers = {
  malformed(body) {
    const o = body as ListBody;
    if (Array.isArray(o?.Resources) && o.Resources.length > 0) {
      const [first, ...rest] = o.Resources;
      const { id: _id, ...noId } = first;
      return { ...o, Resources: [noId, ...rest] };
    }
    return Array.isArray(o?.Resources) ? { ...o, Resources: { items: o.Resources } } : { unexpected: true };
  },
  duplicateIds(body) {
    const o = body as ListBody;
    if (!Array.isArray(o?.Resources) || o.Resources.length === 0) return body;
    const copy = [...o.Resources];
    if (copy.length === 1) copy.push(copy[0]);
    else copy[copy.length - 1] = copy[0];
    return { ...o, Resources: copy };
  },
  emptyList(body) {
    const o = body as ListBody;
    if (!Array.isArray(o?.Resources)) return body;
    return { ...o, Resources: [], totalResults: 0, itemsPerPage: 0 };
  },
};

/** Every object key lower-cased, at every depth. */
function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
}

export async function startScimSourceFake(opts: ScimSourceFakeOptions = {}): Promise<ScimSourceFake> {
  const token = opts.token ?? `scim_${randomBytes(20).toString('hex')}`;
  const directory = await startScimmyDirectory(token);
  const { store } = directory;
  for (const u of opts.users ?? []) putUser(store, u, typeof u.id === 'string' ? u.id : undefined);
  const filterMode = opts.filter ?? 'supported';

  /** A page of made-up users, numbered from startIndex: the `endless` quirk. */
  const endlessPage = (req: FakeRequest, totalResults: number): FakeReply => {
    const startIndex = Math.max(1, Number(req.query.get('startIndex') ?? 1) || 1);
    const count = Math.max(0, Math.min(1000, Number(req.query.get('count') ?? 100) || 0));
    const Resources = Array.from({ length: count }, (_, i) => ({ id: `endless-${startIndex + i}`, userName: `endless-${startIndex + i}@corp.example`, active: true }));
    return { status: 200, body: { schemas: [LIST_URN], totalResults, startIndex, itemsPerPage: count, Resources } };
  };

  const forward = async (req: FakeRequest): Promise<FakeReply> => {
    const listing = req.method === 'GET' && req.path.endsWith('/Users');
    if (listing && opts.endless) return endlessPage(req, opts.endless.totalResults);
    const query = new URLSearchParams(req.query);
    if (query.has('filter') && req.method === 'GET' && req.path.endsWith('/Users')) {
      if (filterMode === 'rejected') return scimError(400, 'invalidFilter', 'Filtering is not supported by this service provider.');
      if (filterMode === 'ignored') query.delete('filter');
    }
    const count = Number(query.get('count'));
    if (opts.maxPageSize && (!query.has('count') || !(count <= opts.maxPageSize))) query.set('count', String(opts.maxPageSize));
    if (listing && opts.ignoreCount) query.set('count', String(Math.max(store.users.size, 1)));
    const asked = Math.max(1, Number(query.get('startIndex') ?? 1) || 1);
    if (listing && opts.ignoreStartIndex) query.set('startIndex', '1');
    const path = req.path.slice(SCIM_BASE_PATH.length);
    const qs = query.toString();
    const res = await fetch(`${directory.url}${path}${qs ? `?${qs}` : ''}`, {
      method: req.method,
      headers: { authorization: req.header('authorization') ?? '', 'content-type': req.header('content-type') ?? 'application/scim+json' },
      body: req.method === 'GET' || req.method === 'DELETE' ? undefined : req.rawBody,
    });
    const text = await res.text();
    if (!text) return { status: res.status };
    let body = JSON.parse(text) as Record<string, unknown>;
    if (res.status === 200) body = bend(body, req.path);
    if (res.status === 200 && listing && Array.isArray(body.Resources)) {
      if (opts.ignoreCount) body.itemsPerPage = body.Resources.length;
      if (asked > (opts.listStopsAfter ?? Infinity)) {
        delete body.Resources;
        body.itemsPerPage = 0;
      }
      if (opts.ignoreStartIndex) body.startIndex = asked;
      const resources = body.Resources as unknown[] | undefined;
      if (opts.trickleAfterFirstPage && asked > 1 && resources) {
        body.Resources = resources.slice(0, 1);
        body.itemsPerPage = Math.min(1, resources.length);
      }
      if (opts.omitItemsPerPage) delete body.itemsPerPage;
    }
    if (opts.attributeCase === 'lower' && res.status < 300) body = lowerKeys(body) as Record<string, unknown>;
    return { status: res.status, body };
  };

  /** The quirks that change what a successful answer looks like. */
  const bend = (body: Record<string, unknown>, path: string): Record<string, unknown> => {
    const out = { ...body };
    if (path.endsWith('/ServiceProviderConfig') && filterMode === 'rejected') out.filter = { supported: false, maxResults: 0 };
    if (opts.omitMeta) {
      if (Array.isArray(out.Resources)) out.Resources = (out.Resources as Array<Record<string, unknown>>).map(({ meta: _m, ...r }) => r);
      else if (path.includes('/Users/')) delete out.meta;
    }
    if (opts.omitListSchemas && Array.isArray(out.Resources)) {
      delete out.schemas;
      if ((out.Resources as unknown[]).length === 0) delete out.Resources;
    }
    return out;
  };

  const base = SCIM_BASE_PATH;
  const routes: FakeRoute[] = [
    { method: 'GET', pattern: `${base}/Users`, handler: forward },
    { method: 'POST', pattern: `${base}/Users`, handler: forward },
    { method: 'GET', pattern: `${base}/Users/:id`, handler: forward },
    { method: 'PUT', pattern: `${base}/Users/:id`, handler: forward },
    { method: 'PATCH', pattern: `${base}/Users/:id`, handler: forward },
    { method: 'DELETE', pattern: `${base}/Users/:id`, handler: forward },
    { method: 'GET', pattern: `${base}/ServiceProviderConfig`, handler: forward },
    { method: 'GET', pattern: `${base}/ResourceTypes`, handler: forward },
    { method: 'GET', pattern: `${base}/Schemas`, handler: forward },
  ];
  const front = await startFakeServer({
    token,
    // SCIMMY judges the token itself, so refusals come back as SCIM Error messages.
    authorize: () => true,
    encode: (body) => ({ contentType: opts.replyMediaType ?? 'application/scim+json; charset=utf-8', text: JSON.stringify(body) }),
    shapers: scimShapers,
    routes,
  });

  return {
    url: front.url + base,
    token,
    users: {
      list: () => [...store.users.values()].map((u) => structuredClone(u)),
      get: (id) => (store.users.has(id) ? structuredClone(store.users.get(id)!) : null),
      add: (user, id, at) => structuredClone(putUser(store, user, id, at?.modifiedAt)),
      update(id, patch, at) {
        const current = store.users.get(id);
        if (!current) throw new Error(`No user ${id}`);
        return structuredClone(putUser(store, { ...current, ...patch }, id, at?.modifiedAt));
      },
      remove: (id) => store.users.delete(id),
    },
    requestLog: front.requestLog,
    misbehave: (m) => front.misbehave(m),
    clearMisbehaviour: () => front.clearMisbehaviour(),
    async close() {
      await front.close();
      await directory.close();
    },
  };
}
