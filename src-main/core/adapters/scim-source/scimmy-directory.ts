import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type ScimmyModule from 'scimmy';
import type ScimmyRoutersModule from 'scimmy-routers';

/**
 * A SCIM 2.0 directory built on SCIMMY (resource logic, filters, ListResponse paging, error
 * envelopes) and scimmy-routers (the HTTP endpoints), holding its users in memory.
 *
 * SCIMMY keeps its resource handlers in process-wide statics. So several directories can run at
 * once, the handlers installed here are generic: each request carries its directory's store in
 * the SCIMMY context, and the handlers only ever touch that store.
 *
 * The SCIM *target* fake (scim-target/fake-scim.ts) installs handlers of its own on the ES-module
 * build of SCIMMY. This directory loads the CommonJS build (and the routers built on it), which
 * has its own statics, so both fakes can run in one process (the demo) without taking over each
 * other's handlers.
 */
type Scimmy = typeof ScimmyModule;
type UserResource = InstanceType<Scimmy['Resources']['User']>;

/**
 * Loaded on first use, at run time: scimmy is a development dependency, and a build that bundles
 * this module (it is reachable from the adapter registry) must not need it until a fake starts.
 */
let loaded: { SCIMMY: Scimmy; SCIMMYRouters: typeof ScimmyRoutersModule } | null = null;
function scimmy() {
  if (!loaded) {
    const requireCjs = createRequire(import.meta.url);
    loaded = {
      SCIMMY: requireCjs('scimmy') as Scimmy,
      SCIMMYRouters: (requireCjs('scimmy-routers') as { default: typeof ScimmyRoutersModule }).default,
    };
  }
  return loaded;
}

export type ScimUser = Record<string, unknown> & { id: string };

export interface DirectoryStore {
  users: Map<string, ScimUser>;
  /** Milliseconds; strictly increasing so lastModified orders edits. */
  now(): number;
}

const STORE = Symbol.for('rollcall.scim-directory.store');
type Ctx = { [STORE]?: DirectoryStore };

/** SCIMMY's own errors use a null scimType for plain HTTP errors; its typings say string. */
const scimFail = (status: number, scimType: string | null, detail: string) => new (scimmy().SCIMMY.Types.Error)(status, scimType as string, detail);

const storeOf = (ctx: unknown): DirectoryStore => {
  const store = (ctx as Ctx | undefined)?.[STORE];
  if (!store) throw scimFail(500, null, 'No directory is attached to this request.');
  return store;
};

/**
 * Stores a user the way a directory would: server-assigned id, fresh meta. `lastModified`
 * replaces the stamp (a test's way to play a directory whose clock is wrong).
 */
export function putUser(store: DirectoryStore, user: Record<string, unknown>, id?: string, lastModified?: string): ScimUser {
  const existing = id ? store.users.get(id) : undefined;
  const at = lastModified ?? new Date(store.now()).toISOString();
  const created = (existing?.meta as { created?: string } | undefined)?.created ?? at;
  const { schemas: _schemas, meta: _meta, ...rest } = user;
  const stored: ScimUser = { ...structuredClone(rest), id: id ?? randomUUID(), meta: { resourceType: 'User', created, lastModified: at } };
  store.users.set(stored.id, stored);
  return stored;
}

let installed = false;

function installHandlers(): void {
  if (installed) return;
  installed = true;
  const { SCIMMY } = scimmy();
  if (!SCIMMY.Resources.declared(SCIMMY.Resources.User)) {
    // Directories commonly carry the RFC 7643 §4.3 enterprise extension (department, manager…);
    // without declaring it SCIMMY would drop it from every answer.
    SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false);
    SCIMMY.Resources.declare(SCIMMY.Resources.User);
  }
  // SCIMMY's handler typings want its Schema classes back; plain objects are what it accepts at run time.
  type Handler = Parameters<typeof SCIMMY.Resources.User.egress>[0];
  type InHandler = Parameters<typeof SCIMMY.Resources.User.ingress>[0];
  SCIMMY.Resources.User.egress(((resource: UserResource, ctx: unknown) => {
    const store = storeOf(ctx);
    if (resource.id) {
      const user = store.users.get(resource.id);
      if (!user) throw scimFail(404, null, `Resource ${resource.id} not found`);
      return structuredClone(user);
    }
    const all = [...store.users.values()].map((u) => structuredClone(u));
    return resource.filter ? resource.filter.match(all) : all;
  }) as unknown as Handler)
    .ingress(((resource: UserResource, instance: unknown, ctx: unknown) => {
      const store = storeOf(ctx);
      if (resource.id && !store.users.has(resource.id)) throw scimFail(404, null, `Resource ${resource.id} not found`);
      const userName = (instance as { userName?: string }).userName;
      for (const u of store.users.values()) {
        if (u.id !== resource.id && typeof u.userName === 'string' && u.userName.toLowerCase() === userName?.toLowerCase()) {
          throw scimFail(409, 'uniqueness', 'userName is already taken');
        }
      }
      return putUser(store, JSON.parse(JSON.stringify(instance)) as Record<string, unknown>, resource.id ?? undefined);
    }) as unknown as InHandler)
    .degress((resource, ctx) => {
      const store = storeOf(ctx);
      if (!resource.id || !store.users.delete(resource.id)) throw scimFail(404, null, `Resource ${resource.id} not found`);
    });
}

export interface ScimmyDirectory {
  /** Base URL of the SCIM endpoints (…/scim/v2). */
  url: string;
  store: DirectoryStore;
  close(): Promise<void>;
}

export const SCIM_BASE_PATH = '/scim/v2';

export async function startScimmyDirectory(token: string): Promise<ScimmyDirectory> {
  installHandlers();
  const { SCIMMYRouters } = scimmy();
  let clock = 0;
  const now = () => {
    // Strictly increasing, and never ahead of the real clock: a stamp in the future is a fault
    // the tests inject on purpose, not something the fake should do when many users are added
    // within one millisecond.
    let t = Date.now();
    while (t <= clock) t = Date.now();
    return (clock = t);
  };
  const store: DirectoryStore = { users: new Map(), now };

  const app = express();
  // Express 5 parses req.query afresh on each read, so the routers' number casts of startIndex
  // and count would be lost and SCIMMY would always serve page 1. Pin a parsed copy first.
  app.use((req, _res, next) => {
    const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    for (const k of ['startIndex', 'count']) if (typeof query[k] === 'string' && /^-?\d+$/.test(query[k] as string)) query[k] = Number(query[k]);
    Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
    next();
  });
  app.use(
    SCIM_BASE_PATH,
    new SCIMMYRouters({
      type: 'bearer',
      docUri: 'https://datatracker.ietf.org/doc/html/rfc6750',
      handler: (req) => {
        const m = /^Bearer (.+)$/i.exec(req.header('authorization') ?? '');
        const given = Buffer.from(m?.[1] ?? '');
        const want = Buffer.from(token);
        if (given.length !== want.length || !timingSafeEqual(given, want)) throw new Error('Missing or invalid bearer token');
        return 'directory-admin';
      },
      context: () => ({ [STORE]: store }),
    }) as unknown as express.Router,
  );

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${SCIM_BASE_PATH}`,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
