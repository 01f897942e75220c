import { randomBytes, timingSafeEqual } from 'node:crypto';
import { jsonError, listShapers, startFakeServer, fakeControls } from '../http/fake-server';
import type { FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';

/**
 * A fake video-analytics system with an "identified people" API:
 *
 *   GET /api/v1/identities?limit=N&cursor=C   header X-API-Key
 *   → { identities: [...], next_cursor: "<opaque>" | null }
 *
 * Cursors are opaque tokens naming a position in the id-sorted list. Errors use
 * `{ error: { code, message } }`.
 */

export interface CctvFakeIdentity {
  id: string;
  display_name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  watchlist?: string | { id: string; name: string } | null;
  last_seen_at?: string | null;
  camera?: string | { id: string; name: string; site?: string } | null;
  email?: string | null;
  phone?: string | null;
  [key: string]: unknown;
}

export interface CctvFake {
  url: string;
  apiKey: string;
  identities: {
    list(): CctvFakeIdentity[];
    upsert(identity: CctvFakeIdentity): void;
    remove(id: string): boolean;
  };
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

export interface CctvFakeOptions {
  identities?: CctvFakeIdentity[];
  apiKey?: string;
  /** Largest page served whatever the client asks. */
  maxPageSize?: number;
  /** Header the key must arrive in (default X-API-Key). */
  apiKeyHeader?: string;
  /** A broken server: pages after the first are empty and name their own cursor as the next one. */
  stuckCursor?: boolean;
}

export async function startCctvFake(opts: CctvFakeOptions = {}): Promise<CctvFake> {
  const apiKey = opts.apiKey ?? `cctv_${randomBytes(16).toString('hex')}`;
  const maxPage = opts.maxPageSize ?? 500;
  const people = new Map<string, CctvFakeIdentity>();
  for (const p of opts.identities ?? []) people.set(p.id, structuredClone(p));

  const sorted = () => [...people.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // The cursor names the last id served, so inserts between pages neither repeat nor skip others.
  const cursorFor = (id: string) => Buffer.from(JSON.stringify({ after: id })).toString('base64url');
  const afterOf = (cursor: string): string | null => {
    try {
      const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
      return typeof v.after === 'string' ? v.after : null;
    } catch {
      return null;
    }
  };

  const list = (req: FakeRequest): FakeReply => {
    const limitText = req.query.get('limit');
    const limit = limitText === null ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1) return jsonError(400, 'invalid_limit', 'limit must be a whole number from 1.');
    const cursor = req.query.get('cursor');
    const all = sorted();
    let from = 0;
    if (cursor) {
      const after = afterOf(cursor);
      if (after === null) return jsonError(400, 'invalid_cursor', 'The cursor is not one this system issued.');
      from = all.findIndex((p) => p.id > after);
      if (from < 0) from = all.length;
    }
    const page = all.slice(from, from + Math.min(limit, maxPage));
    const more = from + page.length < all.length;
    // The broken server: a page after the first is empty and points at itself.
    if (opts.stuckCursor && cursor) return { status: 200, body: { identities: [], next_cursor: cursor } };
    return { status: 200, body: { identities: page, next_cursor: more ? cursorFor(page[page.length - 1].id) : null } };
  };

  const server = await startFakeServer({
    token: apiKey,
    authorize: ({ headers }) => {
      const given = headers[(opts.apiKeyHeader ?? 'X-API-Key').toLowerCase()];
      const v = Array.isArray(given) ? given[0] : given;
      return !!v && v.length === apiKey.length && timingSafeEqual(Buffer.from(v), Buffer.from(apiKey));
    },
    shapers: listShapers('identities', { empty: (body) => ({ ...body, next_cursor: null }) }),
    routes: [{ method: 'GET', pattern: '/api/v1/identities', handler: list }],
  });

  return {
    url: server.url,
    apiKey,
    identities: {
      list: () => sorted().map((p) => structuredClone(p)),
      upsert: (p) => void people.set(p.id, structuredClone(p)),
      remove: (id) => people.delete(id),
    },
    ...fakeControls(server),
  };
}
