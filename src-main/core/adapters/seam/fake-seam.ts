import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { createFake } from '@seamapi/fake-seam-connect';
import type { Database, Fake } from '@seamapi/fake-seam-connect';
import { startFakeServer } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, FakeRoute, Misbehaviour, RequestLogEntry } from '../http/fake-server';

/**
 * Seam's own published fake (@seamapi/fake-seam-connect) with our fault-injecting front.
 *
 *   client ──► fake-server.ts proxy (127.0.0.1:0: faults, request log) ──► Seam fake (127.0.0.1)
 *
 * The Seam fake does all the real work (auth, validation, ACS users, errors). The front adds only
 * what the fake lacks and the real service has: the `limit` / `page_cursor` / `pagination` paging
 * of /acs/users/list (fake 1.86 returns everything in one go) and its `search` filter (which
 * the fake ignores), and /acs/access_groups/list (the
 * fake keeps access groups but has no route to list them). Both are served from the fake's own data.
 */

export interface SeamFakeUser {
  acs_user_id: string;
  acs_system_id: string;
  full_name?: string;
  email_address?: string;
  phone_number?: string;
  is_suspended: boolean;
  [key: string]: unknown;
}

export interface SeamFake {
  /** Where clients connect (the proxy). */
  url: string;
  apiKey: string;
  acsSystemId: string;
  /** Access groups seeded in the ACS system. */
  accessGroups: Array<{ id: string; name: string }>;
  users: {
    list(): SeamFakeUser[];
    get(id: string): SeamFakeUser | null;
    /** An out-of-band edit, as if made in Seam's console. */
    update(id: string, patch: Partial<Omit<SeamFakeUser, 'acs_user_id'>>): void;
    insert(user: { full_name: string; email_address?: string; phone_number?: string; is_suspended?: boolean }): SeamFakeUser;
    remove(id: string): void;
    /** Access group ids the user belongs to. */
    groupsOf(id: string): string[];
  };
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

export interface SeamFakeOptions {
  /** Access group names to create in the ACS system (default: two). */
  accessGroups?: string[];
  /** When set, /acs/users/list ignores `limit` and answers in one page, as fake 1.86 itself does. */
  noPaging?: boolean;
}

/** Routes the proxy forwards. Seam is POST-RPC; the few reads also accept GET. */
const FORWARDED = [
  '/acs/systems/get',
  '/acs/systems/list',
  '/acs/users/create',
  '/acs/users/get',
  '/acs/users/update',
  '/acs/users/suspend',
  '/acs/users/unsuspend',
  '/acs/users/delete',
  '/acs/users/add_to_access_group',
  '/acs/users/remove_from_access_group',
];

export async function startSeamFake(opts: SeamFakeOptions = {}): Promise<SeamFake> {
  const fake = await createFake();
  const seed = await fake.seed();
  // `database` is typed as the state but is the zustand store holding it.
  const db = () => (fake.database as unknown as { getState(): Database }).getState();
  const workspaceId = seed.seed_workspace_1;
  // A key of our own per fake, so a leak check has something unique to look for.
  const apiKey = `seam_${randomBytes(4).toString('hex')}_${randomBytes(12).toString('hex')}`;
  db().addApiKey({ name: 'Rollcall tests', token: apiKey, workspace_id: workspaceId } as never);
  const system = db().addAcsSystem({ external_type: 'brivo_account', name: 'Harbour View Doors', workspace_id: workspaceId, connected_account_id: seed.john_connected_account_id });
  const accessGroups = (opts.accessGroups ?? ['Residents', 'Gym']).map((name) => {
    const g = db().addAcsAccessGroup({ external_type: 'brivo_group', name, workspace_id: workspaceId, acs_system_id: system.acs_system_id });
    return { id: g.acs_access_group_id, name };
  });

  await startLoopbackOnly(fake);
  const upstream = `http://127.0.0.1:${fake.server!.port}`;

  const forward = async (req: FakeRequest): Promise<FakeReply> => {
    const res = await fetch(upstream + req.path, {
      method: req.method,
      headers: { authorization: req.header('authorization') ?? '', 'content-type': 'application/json' },
      body: req.method === 'GET' ? undefined : req.rawBody || '{}',
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = { error: { type: 'internal', message: text.slice(0, 200) }, ok: false };
    }
    return { status: res.status, body };
  };

  /** Seam's documented paging, cut from the fake's complete answer. */
  const listUsers = async (req: FakeRequest): Promise<FakeReply> => {
    const reply = await forward({ ...req, path: '/acs/users/list' });
    const asked = req.body as { limit?: unknown; page_cursor?: unknown; search?: unknown } | undefined;
    const body = reply.body as { acs_users?: unknown[] } | undefined;
    if (reply.status !== 200 || !Array.isArray(body?.acs_users)) return reply;
    // Seam's `search`: a partial, case-insensitive match on full_name, email_address or phone_number.
    const needle = typeof asked?.search === 'string' ? asked.search.trim().toLowerCase() : '';
    const users = needle
      ? (body.acs_users as Array<Record<string, unknown>>).filter((u) =>
          [u.full_name, u.email_address ?? u.email, u.phone_number].some((v) => typeof v === 'string' && v.toLowerCase().includes(needle)),
        )
      : body.acs_users;
    if (opts.noPaging) return { status: 200, body: { ...body, acs_users: users } };
    const limit = typeof asked?.limit === 'number' && asked.limit > 0 ? Math.min(asked.limit, 500) : 500;
    const offset = typeof asked?.page_cursor === 'string' ? Number(Buffer.from(asked.page_cursor, 'base64url').toString()) || 0 : 0;
    const slice = users.slice(offset, offset + limit);
    const more = offset + limit < users.length;
    const next = more ? Buffer.from(String(offset + limit)).toString('base64url') : null;
    return { status: 200, body: { ...body, acs_users: slice, pagination: { has_next_page: more, next_page_cursor: next, next_page_url: null } } };
  };

  /** The fake keeps access groups but cannot list them; answer in Seam's shape from its data. */
  const listGroups = async (req: FakeRequest): Promise<FakeReply> => {
    // Let the fake judge the API key with a cheap call first.
    const auth = await forward({ ...req, method: 'POST', path: '/acs/systems/list', rawBody: '{}' });
    if (auth.status !== 200) return auth;
    const wanted = (req.body as { acs_system_id?: unknown } | undefined)?.acs_system_id;
    const groups = (db().acs_access_groups as Array<Record<string, unknown>>)
      .filter((g) => g.workspace_id === workspaceId && (typeof wanted !== 'string' || g.acs_system_id === wanted))
      .map(({ _acs_user_ids: _members, ...g }) => ({ ...g, display_name: g.name, is_managed: true }));
    return { status: 200, body: { acs_access_groups: groups, ok: true } };
  };

  const routes: FakeRoute[] = [
    ...FORWARDED.map((pattern) => ({ method: 'POST', pattern, handler: forward })),
    { method: 'POST', pattern: '/acs/users/list', handler: listUsers },
    { method: 'GET', pattern: '/acs/users/list', handler: listUsers },
    { method: 'POST', pattern: '/acs/access_groups/list', handler: listGroups },
  ];
  // The Seam fake checks the API key itself; the front only bends what comes back.
  const front = await startFakeServer({ token: apiKey, authorize: () => true, routes, shapers: seamShapers });

  const findUser = (id: string) => (db().acs_users as SeamFakeUser[]).find((u) => u.acs_user_id === id && u.acs_system_id === system.acs_system_id) ?? null;

  return {
    url: front.url,
    apiKey,
    acsSystemId: system.acs_system_id,
    accessGroups,
    users: {
      list: () => (db().acs_users as SeamFakeUser[]).filter((u) => u.acs_system_id === system.acs_system_id),
      get: findUser,
      update(id, patch) {
        if (patch.email_address !== undefined) (patch as Record<string, unknown>).email = patch.email_address;
        db().updateAcsUser({ acs_user_id: id, ...patch } as never);
      },
      insert(user) {
        return db().addAcsUser({ ...user, email: user.email_address, external_type: 'brivo_user', acs_system_id: system.acs_system_id, workspace_id: workspaceId } as never) as unknown as SeamFakeUser;
      },
      remove(id) {
        db().deleteAcsUser(id);
      },
      groupsOf(id) {
        return (db().acs_access_groups as Array<{ acs_access_group_id: string; _acs_user_ids: string[] }>)
          .filter((g) => g._acs_user_ids.includes(id))
          .map((g) => g.acs_access_group_id);
      },
    },
    requestLog: front.requestLog,
    misbehave: (m) => front.misbehave(m),
    clearMisbehaviour: () => front.clearMisbehaviour(),
    async close() {
      await front.close();
      const inner = fake.server?.server;
      await new Promise<void>((resolve) => {
        if (!inner) return resolve();
        inner.close(() => resolve());
        inner.closeAllConnections();
      });
    },
  };
}

/**
 * The Seam fake calls `listen(port)`, which binds every interface. While it starts, listen calls
 * of that form are pointed at 127.0.0.1; a counter keeps overlapping starts from restoring early.
 */
let patched = 0;
let originalListen: typeof http.Server.prototype.listen | null = null;

async function startLoopbackOnly(fake: Fake): Promise<void> {
  if (patched++ === 0) {
    const original = http.Server.prototype.listen;
    originalListen = original;
    http.Server.prototype.listen = function (this: http.Server, ...args: unknown[]) {
      if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) {
        return (original as (...a: unknown[]) => http.Server).call(this, args[0], '127.0.0.1', ...args.slice(1));
      }
      return (original as (...a: unknown[]) => http.Server).apply(this, args);
    } as typeof http.Server.prototype.listen;
  }
  try {
    await fake.startServer({ port: await freeLoopbackPort() });
  } finally {
    if (--patched === 0 && originalListen) {
      http.Server.prototype.listen = originalListen;
      originalListen = null;
    }
  }
  const address = fake.server?.server.address();
  if (!address || typeof address === 'string' || address.address !== '127.0.0.1') {
    await fake.stopServer();
    throw new Error('The Seam fake did not bind to 127.0.0.1 only.');
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = http.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Faults bend Seam's own list envelope (acs_users keyed by acs_user_id). */
const seamShapers: BodyShapers = {
  malformed(body) {
    const o = body as Record<string, unknown>;
    if (Array.isArray(o?.acs_users) && o.acs_users.length > 0) {
      const [first, ...rest] = o.acs_users as Record<string, unknown>[];
      const { acs_user_id: _id, ...noId } = first;
      return { ...o, acs_users: [noId, ...rest] };
    }
    if (Array.isArray(o?.acs_users)) return { ...o, acs_users: { items: o.acs_users } };
    if (o?.acs_user) return { ...o, acs_user: { is_suspended: 'maybe' } };
    return { unexpected: true };
  },
  duplicateIds(body) {
    const o = body as Record<string, unknown>;
    if (!Array.isArray(o?.acs_users) || o.acs_users.length === 0) return body;
    return { ...o, acs_users: [...o.acs_users, o.acs_users[0]] };
  },
  emptyList(body) {
    const o = body as Record<string, unknown>;
    if (!Array.isArray(o?.acs_users)) return body;
    return { ...o, acs_users: [], pagination: { has_next_page: false, next_page_cursor: null, next_page_url: null } };
  },
};
