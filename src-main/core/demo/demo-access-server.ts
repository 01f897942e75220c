import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DemoAccessUser } from './demo-people';
import { REPLAY_HEADER, jsonError, listShapers, startFakeServer, fakeControls } from '../adapters/http/fake-server';
import type { FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../adapters/http/fake-server';

/**
 * "Demo Access": a fake cloud access-control system with the habits of the real ones —
 * cursor paging, ETags and If-Match, Idempotency-Key on writes, unique emails.
 *
 *   GET    /v1/users?limit=&cursor=     → { users, next_cursor }
 *   GET    /v1/users/:id                → user (+ ETag)
 *   POST   /v1/users                    → 201 user; Idempotency-Key required; replay → 200, same user
 *   PATCH  /v1/users/:id                → user; If-Match → 412 when the version moved on
 *   POST   /v1/users/:id/suspend | /unsuspend
 *   DELETE /v1/users/:id                → 204
 *
 * Any write carrying an Idempotency-Key that was seen before gets the stored answer back and
 * changes nothing. With a stateFile, everything (users and idempotency keys) survives restarts.
 */

export interface DemoAccessServer {
  url: string;
  token: string;
  users: {
    list(): DemoAccessUser[];
    get(id: string): DemoAccessUser | null;
    /** An out-of-band edit (someone used the vendor's own console): bumps the version. */
    update(id: string, patch: Partial<Omit<DemoAccessUser, 'id' | 'version' | 'updated_at'>>): DemoAccessUser;
    /** Adds an account behind our back, as the vendor's console would. */
    insert(user: Omit<DemoAccessUser, 'id' | 'version' | 'updated_at'>): DemoAccessUser;
    remove(id: string): boolean;
  };
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

export interface DemoAccessServerOptions {
  /** Accounts to start with when there is no state file yet. */
  accounts: DemoAccessUser[];
  token?: string;
  /** Where to keep state between runs; in memory only when absent. */
  stateFile?: string;
}

interface StoredReply {
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

interface State {
  users: Record<string, DemoAccessUser>;
  nextNumber: number;
  /** Idempotency key → the answer it got, in insertion order. */
  replies: Record<string, StoredReply>;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
const MAX_STORED_KEYS = 5000;
const EDITABLE = ['first_name', 'last_name', 'email', 'phone', 'external_ref'] as const;

export async function startDemoAccessServer(opts: DemoAccessServerOptions): Promise<DemoAccessServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const state = loadState(opts.stateFile) ?? seedState(opts.accounts);
  const save = () => {
    if (opts.stateFile) writeAtomically(opts.stateFile, JSON.stringify({ format: 1, ...state }));
  };
  save();

  const sortedIds = () => Object.keys(state.users).sort();
  const emailOwner = (email: string | null, exceptId?: string): DemoAccessUser | null => {
    if (!email) return null;
    const wanted = email.trim().toLowerCase();
    return Object.values(state.users).find((u) => u.id !== exceptId && u.email?.toLowerCase() === wanted) ?? null;
  };
  const withEtag = (user: DemoAccessUser, status = 200): FakeReply => ({ status, body: user, headers: { ETag: etag(user) } });
  const bump = (user: DemoAccessUser) => {
    user.version += 1;
    user.updated_at = new Date().toISOString();
  };

  /** Runs a write once per Idempotency-Key; a replay returns the stored answer. */
  const idempotent = (req: FakeRequest, required: boolean, work: () => FakeReply): FakeReply => {
    const key = req.header('idempotency-key');
    if (!key) {
      return required ? jsonError(400, 'idempotency_key_required', 'This call needs an Idempotency-Key header.') : work();
    }
    const stored = state.replies[key];
    if (stored) {
      if (stored.method !== req.method || stored.path !== req.path) {
        return jsonError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different request.');
      }
      const body = stored.body as DemoAccessUser | undefined;
      // A replayed create answers 200: the account exists, it was not created now.
      const status = stored.status === 201 ? 200 : stored.status;
      return { status, body, headers: { [REPLAY_HEADER]: 'true', ...(body ? { ETag: etag(body) } : {}) } };
    }
    const reply = work();
    // Only successes are remembered, so a request that was refused can be fixed and sent again.
    if (reply.status >= 200 && reply.status < 300) {
      state.replies[key] = { method: req.method, path: req.path, status: reply.status, body: structuredClone(reply.body) };
      const keys = Object.keys(state.replies);
      for (const old of keys.slice(0, Math.max(0, keys.length - MAX_STORED_KEYS))) delete state.replies[old];
      save();
    }
    return reply;
  };

  const ifMatchFails = (req: FakeRequest, user: DemoAccessUser): FakeReply | null => {
    const wanted = req.header('if-match');
    if (!wanted || wanted.trim() === '*') return null;
    const ok = wanted.split(',').some((t) => t.trim().replace(/^W\//, '') === etag(user));
    if (ok) return null;
    return {
      status: 412,
      body: { error: { code: 'version_mismatch', message: 'The user changed since that version was read.', current_version: user.version } },
      headers: { ETag: etag(user) },
    };
  };

  const withUser = (req: FakeRequest, fn: (user: DemoAccessUser) => FakeReply): FakeReply => {
    const user = state.users[req.params.id];
    if (!user) return jsonError(404, 'not_found', `No user ${req.params.id}.`);
    return fn(user);
  };

  const setSuspended = (suspended: boolean) => (req: FakeRequest) =>
    idempotent(req, false, () =>
      withUser(req, (user) => {
        const refused = ifMatchFails(req, user);
        if (refused) return refused;
        if (user.suspended !== suspended) {
          user.suspended = suspended;
          bump(user);
          save();
        }
        return withEtag(user);
      }),
    );

  const server = await startFakeServer({
    token,
    shapers: listShapers('users'),
    routes: [
      {
        method: 'GET',
        pattern: '/v1/users',
        handler: (req) => {
          const limit = req.query.get('limit') ? Number(req.query.get('limit')) : DEFAULT_LIMIT;
          if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
            return jsonError(400, 'invalid_limit', `limit must be between 1 and ${MAX_LIMIT}.`);
          }
          const ids = sortedIds();
          let start = 0;
          const cursor = req.query.get('cursor');
          if (cursor) {
            const after = decodeCursor(cursor);
            if (after === null) return jsonError(400, 'invalid_cursor', 'That cursor is not one this system issued.');
            start = ids.findIndex((id) => id > after);
            if (start < 0) start = ids.length;
          }
          const page = ids.slice(start, start + limit);
          const more = start + limit < ids.length;
          return {
            status: 200,
            body: { users: page.map((id) => state.users[id]), next_cursor: more ? encodeCursor(page[page.length - 1]) : null },
          };
        },
      },
      { method: 'GET', pattern: '/v1/users/:id', handler: (req) => withUser(req, (user) => withEtag(user)) },
      {
        method: 'POST',
        pattern: '/v1/users',
        handler: (req) =>
          idempotent(req, true, () => {
            const input = readUserInput(req.body, true);
            if ('error' in input) return input.error;
            const taken = emailOwner(input.fields.email ?? null);
            if (taken) return jsonError(409, 'email_taken', 'Another user already has that email.');
            const user: DemoAccessUser = {
              id: `usr_${String(state.nextNumber++).padStart(6, '0')}`,
              first_name: input.fields.first_name!,
              last_name: input.fields.last_name!,
              email: input.fields.email ?? null,
              phone: input.fields.phone ?? null,
              suspended: false,
              external_ref: input.fields.external_ref ?? null,
              version: 1,
              updated_at: new Date().toISOString(),
            };
            state.users[user.id] = user;
            save();
            return withEtag(user, 201);
          }),
      },
      {
        method: 'PATCH',
        pattern: '/v1/users/:id',
        handler: (req) =>
          idempotent(req, false, () =>
            withUser(req, (user) => {
              const refused = ifMatchFails(req, user);
              if (refused) return refused;
              const input = readUserInput(req.body, false);
              if ('error' in input) return input.error;
              if (input.fields.email !== undefined && emailOwner(input.fields.email, user.id)) {
                return jsonError(409, 'email_taken', 'Another user already has that email.');
              }
              let changed = false;
              for (const k of EDITABLE) {
                const v = input.fields[k];
                if (v !== undefined && user[k] !== v) {
                  (user as unknown as Record<string, unknown>)[k] = v;
                  changed = true;
                }
              }
              if (changed) {
                bump(user);
                save();
              }
              return withEtag(user);
            }),
          ),
      },
      { method: 'POST', pattern: '/v1/users/:id/suspend', handler: setSuspended(true) },
      { method: 'POST', pattern: '/v1/users/:id/unsuspend', handler: setSuspended(false) },
      {
        method: 'DELETE',
        pattern: '/v1/users/:id',
        handler: (req) =>
          idempotent(req, false, () =>
            withUser(req, (user) => {
              const refused = ifMatchFails(req, user);
              if (refused) return refused;
              delete state.users[user.id];
              save();
              return { status: 204 };
            }),
          ),
      },
    ],
  });

  return {
    url: server.url,
    token,
    users: {
      list: () => sortedIds().map((id) => structuredClone(state.users[id])),
      get: (id) => (state.users[id] ? structuredClone(state.users[id]) : null),
      update(id, patch) {
        const user = state.users[id];
        if (!user) throw new Error(`No user ${id}.`);
        Object.assign(user, patch);
        bump(user);
        save();
        return structuredClone(user);
      },
      insert(fields) {
        const user: DemoAccessUser = {
          ...fields,
          id: `usr_${String(state.nextNumber++).padStart(6, '0')}`,
          version: 1,
          updated_at: new Date().toISOString(),
        };
        state.users[user.id] = user;
        save();
        return structuredClone(user);
      },
      remove(id) {
        if (!state.users[id]) return false;
        delete state.users[id];
        save();
        return true;
      },
    },
    ...fakeControls(server),
  };
}

function etag(user: DemoAccessUser): string {
  return `"${user.version}"`;
}

const encodeCursor = (id: string) => Buffer.from(`after:${id}`).toString('base64url');

function decodeCursor(cursor: string): string | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return text.startsWith('after:') ? text.slice(6) : null;
}

type UserFields = Partial<Pick<DemoAccessUser, (typeof EDITABLE)[number]>>;

/** Checks a create/patch body by hand: the fake stays free of our own validation library on purpose. */
function readUserInput(body: unknown, creating: boolean): { fields: UserFields } | { error: FakeReply } {
  const bad = (message: string) => ({ error: jsonError(400, 'validation_failed', message) });
  if (!body || typeof body !== 'object' || Array.isArray(body)) return bad('The body must be a JSON object.');
  const b = body as Record<string, unknown>;
  const fields: UserFields = {};
  for (const k of ['first_name', 'last_name'] as const) {
    if (b[k] === undefined && !creating) continue;
    if (typeof b[k] !== 'string' || !(b[k] as string).trim()) return bad(`${k} must be a non-empty string.`);
    fields[k] = (b[k] as string).trim();
  }
  for (const k of ['email', 'phone', 'external_ref'] as const) {
    if (b[k] === undefined) continue;
    if (b[k] !== null && typeof b[k] !== 'string') return bad(`${k} must be a string or null.`);
    const v = b[k] === null ? null : (b[k] as string).trim() || null;
    if (k === 'email' && v !== null && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) return bad('email is not a valid address.');
    fields[k] = v;
  }
  return { fields };
}

function seedState(accounts: DemoAccessUser[]): State {
  const users: Record<string, DemoAccessUser> = {};
  for (const a of accounts) users[a.id] = structuredClone(a);
  const numbers = accounts.map((a) => Number(/(\d+)$/.exec(a.id)?.[1] ?? 0));
  return { users, nextNumber: Math.max(1000, ...numbers) + 1, replies: {} };
}

function loadState(file: string | undefined): State | null {
  if (!file || !existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<State> & { format?: number };
    if (parsed.format !== 1 || !parsed.users || typeof parsed.nextNumber !== 'number') throw new Error('unknown format');
    return { users: parsed.users, nextNumber: parsed.nextNumber, replies: parsed.replies ?? {} };
  } catch {
    // A damaged file must not stop the app from starting: keep it aside and start from the seed.
    renameSync(file, `${file}.damaged-${Date.now()}`);
    return null;
  }
}

/** Temp file + rename, so a crash mid-write leaves the old state rather than half a file. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
