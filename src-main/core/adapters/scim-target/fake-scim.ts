import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { startFakeServer } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';

/**
 * A SCIM 2.0 service provider built from the scimmy + scimmy-routers libraries (they do the
 * protocol: filters, PatchOp, ListResponse, errors) over an in-memory user store, with our
 * fault-injecting front (fake-server.ts) in between:
 *
 *   client ──► fake-server.ts proxy (faults, request log, ETag/If-Match, quirks) ──► express + scimmy
 *
 * Quirks real servers have can be switched on: no ETags, no `meta`, DELETE answered 200, filters
 * ignored or refused, PATCH unsupported, `count` ignored, no itemsPerPage, attribute names in
 * another case (RFC 7643 §2.1 makes them case-insensitive), replies as application/json, users
 * without `schemas`, externalId kept unique, a list that stops short of its totalResults.
 */

export interface ScimStoredUser {
  id: string;
  userName: string;
  externalId?: string;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  displayName?: string;
  emails?: Array<{ value: string; type?: string; primary?: boolean }>;
  phoneNumbers?: Array<{ value: string; type?: string; primary?: boolean }>;
  active: boolean;
  version: number;
  created: string;
  lastModified: string;
}

export interface ScimQuirks {
  /** Offer ETags (meta.version + ETag header) and honour If-Match. Default true. */
  etags?: boolean;
  /** Leave `meta` out of every user. */
  noMeta?: boolean;
  /** Answer DELETE with 200 and an empty JSON object instead of 204. */
  deleteStatus?: 200 | 204;
  /** 'ignore': answer a filtered list with every user; 'reject': 400 invalidFilter. */
  filters?: 'ok' | 'ignore' | 'reject';
  /** Answer PATCH with 501 (PUT only). */
  noPatch?: boolean;
  /** With etags: the version only in the ETag header, not in meta.version. */
  etagHeaderOnly?: boolean;
  /** Answer every list with all matching users, whatever `count` asked for. */
  ignoreCount?: boolean;
  /** Leave itemsPerPage out of ListResponses. */
  omitItemsPerPage?: boolean;
  /** 'lower': every attribute name in replies lower-cased (`username`, `resources`…). */
  attributeCase?: 'as-is' | 'lower';
  /** Content-Type of replies (default application/scim+json). */
  replyMediaType?: string;
  /** Leave `schemas` out of User resources in replies. */
  omitSchemas?: boolean;
  /** Refuse a second user with the same externalId (409 uniqueness), as some servers do. */
  uniqueExternalId?: boolean;
  /** List pages that start after this many users come back without Resources (totalResults kept). */
  listStopsAfter?: number;
}

export interface ScimFake {
  /** The SCIM base URL (ends in /scim/v2). */
  url: string;
  token: string;
  users: {
    list(): ScimStoredUser[];
    get(id: string): ScimStoredUser | null;
    /** An out-of-band edit (someone used the vendor's console): bumps the version. */
    update(id: string, patch: Partial<Omit<ScimStoredUser, 'id' | 'version'>>): ScimStoredUser;
    insert(user: Partial<Omit<ScimStoredUser, 'id' | 'version'>> & { userName: string }): ScimStoredUser;
    remove(id: string): void;
  };
  requestLog: RequestLogEntry[];
  /** Bodies of the PATCH requests received, newest last. */
  patchBodies: unknown[];
  /** If-Match values received, newest last. */
  ifMatches: string[];
  /** Content-Type of every request that carried a body, newest last. */
  contentTypes: string[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

export interface ScimFakeOptions {
  token?: string;
  quirks?: ScimQuirks;
}

type Store = Map<string, ScimStoredUser>;
const BASE = '/scim/v2';

/**
 * scimmy's resource handlers are static (one set per process); each one finds its store through
 * the request context, so several fakes can run side by side.
 */
let declared = false;
function declareUserResource(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .egress(((resource: InstanceType<typeof SCIMMY.Resources.User>, ctx: unknown) => {
      const { store } = ctx as { store: Store };
      if (resource.id) {
        const u = store.get(resource.id);
        if (!u) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
        return present(u);
      }
      const all = [...store.values()].map(present);
      return resource.filter ? resource.filter.match(all) : all;
    }) as never)
    .ingress(((resource: InstanceType<typeof SCIMMY.Resources.User>, instance: unknown, ctx: unknown) => {
      const { store } = ctx as { store: Store };
      const data = instance as unknown as Partial<ScimStoredUser>;
      const clash = [...store.values()].find((u) => u.id !== resource.id && u.userName.toLowerCase() === String(data.userName ?? '').toLowerCase());
      if (clash) throw new SCIMMY.Types.Error(409, 'uniqueness', 'userName is already in use');
      const now = new Date().toISOString();
      if (resource.id) {
        const before = store.get(resource.id);
        if (!before) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
        const after: ScimStoredUser = { ...fields(data), id: before.id, version: before.version + 1, created: before.created, lastModified: now };
        store.set(after.id, after);
        return present(after);
      }
      const made: ScimStoredUser = { ...fields(data), id: randomUUID(), version: 1, created: now, lastModified: now };
      store.set(made.id, made);
      return present(made);
    }) as never)
    .degress((resource, ctx) => {
      const { store } = ctx as { store: Store };
      if (!resource.id || !store.delete(resource.id)) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
    });
}

function fields(d: Partial<ScimStoredUser>): Omit<ScimStoredUser, 'id' | 'version' | 'created' | 'lastModified'> {
  return {
    userName: String(d.userName ?? ''),
    externalId: d.externalId,
    name: d.name,
    displayName: d.displayName,
    emails: d.emails,
    phoneNumbers: d.phoneNumbers,
    active: d.active !== false,
  };
}

const etag = (u: ScimStoredUser) => `W/"${u.version}"`;

function present(u: ScimStoredUser): Record<string, unknown> {
  const { version: _v, created, lastModified, ...rest } = u;
  return { ...rest, meta: { resourceType: 'User', created, lastModified, version: etag(u) } };
}

export async function startScimFake(opts: ScimFakeOptions = {}): Promise<ScimFake> {
  declareUserResource();
  const quirks: Required<ScimQuirks> = {
    etags: true,
    noMeta: false,
    deleteStatus: 204,
    filters: 'ok',
    noPatch: false,
    etagHeaderOnly: false,
    ignoreCount: false,
    omitItemsPerPage: false,
    attributeCase: 'as-is',
    replyMediaType: 'application/scim+json; charset=utf-8',
    omitSchemas: false,
    uniqueExternalId: false,
    listStopsAfter: Infinity,
    ...opts.quirks,
  };
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const store: Store = new Map();
  const patchBodies: unknown[] = [];
  const ifMatches: string[] = [];
  const contentTypes: string[] = [];

  // The SCIM server proper: scimmy does the protocol, the store above holds the users.
  const app = express();
  // Express 5 re-parses req.query on every read, which undoes scimmy-routers' number casting of
  // startIndex/count; a parser that yields numbers directly keeps paging working.
  app.set('query parser', (qs: string) => {
    const out: Record<string, string | number> = {};
    for (const [k, v] of new URLSearchParams(qs)) out[k] = (k === 'startIndex' || k === 'count') && /^\d+$/.test(v) ? Number(v) : v;
    return out;
  });
  app.use(
    BASE,
    new SCIMMYRouters({
      type: 'bearer',
      handler: (req) => {
        const given = Buffer.from(/^Bearer (.+)$/i.exec(req.header('authorization') ?? '')?.[1] ?? '');
        const want = Buffer.from(token);
        if (given.length !== want.length || !timingSafeEqual(given, want)) throw new Error('Missing or invalid bearer token');
        return 'rollcall';
      },
      context: () => ({ store }),
    }) as unknown as express.Router,
  );
  const inner: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const upstream = `http://127.0.0.1:${(inner.address() as AddressInfo).port}`;

  const scimErrorReply = (status: number, scimType: string | null, detail: string): FakeReply => ({
    status,
    body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), ...(scimType ? { scimType } : {}), detail },
  });

  const forward = async (req: FakeRequest): Promise<FakeReply> => {
    const id = req.params.id;
    const stored = id ? store.get(id) : undefined;
    const ifMatch = req.header('if-match');
    if (ifMatch) ifMatches.push(ifMatch);
    if (req.rawBody) {
      const type = req.header('content-type') ?? '';
      contentTypes.push(type);
      // RFC 7644 §3.8 / §8.1: SCIM bodies are application/scim+json (application/json is widely accepted).
      if (!/^application\/(scim\+)?json\s*(;|$)/i.test(type)) return scimErrorReply(415, null, `Unsupported media type "${type}".`);
    }
    if (req.method === 'PATCH') patchBodies.push(req.body);
    if (req.method === 'PATCH' && quirks.noPatch) return scimErrorReply(501, null, 'PATCH is not supported; use PUT.');
    if (quirks.etags && ifMatch && stored && ifMatch !== '*' && ifMatch !== etag(stored)) {
      return scimErrorReply(412, null, 'The resource has changed since the given version.');
    }
    // RFC 7643 §3: `schemas` is required on a resource; a strict server refuses a User without the core URN.
    if (req.method === 'POST' || req.method === 'PUT') {
      const schemas = (req.body as { schemas?: unknown } | undefined)?.schemas;
      if (!Array.isArray(schemas) || !schemas.some((x) => typeof x === 'string' && x.toLowerCase() === 'urn:ietf:params:scim:schemas:core:2.0:user')) {
        return scimErrorReply(400, 'invalidSyntax', 'The "schemas" attribute must name urn:ietf:params:scim:schemas:core:2.0:User.');
      }
    }
    if (quirks.uniqueExternalId && (req.method === 'POST' || req.method === 'PUT')) {
      const wanted = (req.body as { externalId?: unknown } | undefined)?.externalId;
      if (typeof wanted === 'string' && [...store.values()].some((u) => u.id !== id && u.externalId === wanted)) {
        return scimErrorReply(409, 'uniqueness', 'externalId is already in use');
      }
    }
    const query = new URLSearchParams(req.query);
    if (query.has('filter') && quirks.filters === 'reject') return scimErrorReply(400, 'invalidFilter', 'Filtering is not supported.');
    if (query.has('filter') && quirks.filters === 'ignore') query.delete('filter');
    const listing = req.method === 'GET' && !id;
    if (listing && quirks.ignoreCount) query.set('count', String(Math.max(store.size, 1)));
    const asked = Math.max(1, Number(query.get('startIndex') ?? 1) || 1);
    const qs = query.toString();
    const res = await fetch(`${upstream}${req.path}${qs ? `?${qs}` : ''}`, {
      method: req.method,
      headers: { authorization: req.header('authorization') ?? '', 'content-type': 'application/scim+json', accept: 'application/scim+json' },
      body: req.method === 'GET' || req.method === 'DELETE' ? undefined : req.rawBody,
    });
    const text = await res.text();
    let body: unknown = text ? JSON.parse(text) : undefined;
    const headers: Record<string, string> = {};
    if (req.method === 'DELETE' && res.status === 204 && quirks.deleteStatus === 200) return { status: 200, body: {} };
    if (body && typeof body === 'object') {
      const o = body as Record<string, unknown>;
      const strip = (u: Record<string, unknown>) => {
        const { meta, ...rest } = u;
        if (quirks.noMeta) return rest;
        if (!quirks.etags && meta && typeof meta === 'object') {
          const { version: _v, ...m } = meta as Record<string, unknown>;
          return { ...rest, meta: m };
        }
        return u;
      };
      const shape = (u: Record<string, unknown>) => {
        const out = strip(u);
        if (quirks.etagHeaderOnly && out.meta && typeof out.meta === 'object') {
          const { version: _v, ...m } = out.meta as Record<string, unknown>;
          out.meta = m;
        }
        if (quirks.omitSchemas) delete out.schemas;
        return out;
      };
      if (Array.isArray(o.Resources)) {
        const list: Record<string, unknown> = { ...o, Resources: (o.Resources as Record<string, unknown>[]).map(shape) };
        if (listing && quirks.ignoreCount) list.itemsPerPage = (list.Resources as unknown[]).length;
        if (listing && asked > quirks.listStopsAfter) delete list.Resources;
        if (quirks.omitItemsPerPage) delete list.itemsPerPage;
        body = list;
      } else if (typeof o.id === 'string') {
        const version = (o.meta as { version?: string } | undefined)?.version;
        if (quirks.etags && version) headers.ETag = version;
        body = shape({ ...o });
      }
    }
    if (quirks.attributeCase === 'lower' && res.status < 300) body = lowerKeys(body);
    return { status: res.status, body, headers };
  };

  const routes = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].flatMap((method) => [
    { method, pattern: `${BASE}/Users`, handler: forward },
    { method, pattern: `${BASE}/Users/:id`, handler: forward },
    { method, pattern: `${BASE}/ServiceProviderConfig`, handler: forward },
  ]);
  const front = await startFakeServer({
    token,
    // scimmy judges the token; faults and quirks are the front's business.
    authorize: () => true,
    routes,
    shapers: scimShapers,
    encode: (body) => ({ contentType: quirks.replyMediaType, text: JSON.stringify(body) }),
  });

  const now = () => new Date().toISOString();
  return {
    url: `${front.url}${BASE}`,
    token,
    users: {
      list: () => [...store.values()],
      get: (id) => store.get(id) ?? null,
      update(id, patch) {
        const before = store.get(id);
        if (!before) throw new Error(`No user ${id}`);
        const after = { ...before, ...patch, version: before.version + 1, lastModified: now() };
        store.set(id, after);
        return after;
      },
      insert(user) {
        const made: ScimStoredUser = { active: true, ...user, id: randomUUID(), version: 1, created: now(), lastModified: now() };
        store.set(made.id, made);
        return made;
      },
      remove(id) {
        store.delete(id);
      },
    },
    requestLog: front.requestLog,
    patchBodies,
    ifMatches,
    contentTypes,
    misbehave: (m) => front.misbehave(m),
    clearMisbehaviour: () => front.clearMisbehaviour(),
    async close() {
      await front.close();
      await new Promise<void>((resolve) => {
        inner.close(() => resolve());
        inner.closeAllConnections();
      });
    },
  };
}

/** Every object key lower-cased, at every depth (schema URN values are left as they are). */
function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
}

/** Faults bend a ListResponse (Resources keyed by id). */
const scimShapers: BodyShapers = {
  malformed(body) {
    const o = body as Record<string, unknown>;
    if (Array.isArray(o?.Resources) && o.Resources.length > 0) {
      const [first, ...rest] = o.Resources as Record<string, unknown>[];
      const { id: _id, ...noId } = first;
      return { ...o, Resources: [noId, ...rest] };
    }
    if (o && typeof o.id === 'string') {
      const { id: _id, ...noId } = o;
      return noId;
    }
    return { unexpected: true };
  },
  duplicateIds(body) {
    const o = body as Record<string, unknown>;
    if (!Array.isArray(o?.Resources) || o.Resources.length === 0) return body;
    return { ...o, Resources: [...o.Resources, o.Resources[0]] };
  },
  emptyList(body) {
    const o = body as Record<string, unknown>;
    if (!Array.isArray(o?.Resources)) return body;
    return { ...o, Resources: [], totalResults: 0 };
  },
};
