import { randomBytes } from 'node:crypto';
import { DEMO_PROPERTY_CODE, DEMO_PROPERTY_NAME } from './demo-people';
import type { DemoSourcePerson } from './demo-people';
import { jsonError, listShapers, startFakeServer, fakeControls } from '../adapters/http/fake-server';
import type { FakeReply, Misbehaviour, RequestLogEntry } from '../adapters/http/fake-server';

/**
 * A fake property-management system with a JSON API in the style most PMS vendors use:
 * page-numbered lists and a change feed with an opaque token.
 *
 *   GET /api/v1/property                      → { code, name, people }
 *   GET /api/v1/residents?page=N&per_page=M   → { data: [...], meta: { page, per_page, total, total_pages } }
 *   GET /api/v1/changes?since=<token>         → { data: [changed], removed: [ids], next: "<token>" }
 *
 * "residents" lists everyone the property knows (staff, visitors and members too), as several
 * real systems do; the record's `type` tells them apart.
 */

export interface DemoSourceServer {
  url: string;
  token: string;
  propertyCode: string;
  people: {
    list(): DemoSourcePerson[];
    get(id: string): DemoSourcePerson | null;
    /** Adds or replaces a person (as if edited in the PMS) and records it in the change feed. */
    upsert(person: DemoSourcePerson): DemoSourcePerson;
    /** Deletes a person and records the removal in the change feed. */
    remove(id: string): boolean;
  };
  /** The change token a client would get right now. */
  currentChangeToken(): string;
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

export interface DemoSourceServerOptions {
  people: DemoSourcePerson[];
  token?: string;
  propertyCode?: string;
  propertyName?: string;
}

const DEFAULT_PER_PAGE = 100;
const MAX_PER_PAGE = 500;

const tokenFor = (seq: number) => `chg_${seq.toString(36)}`;

function seqFrom(token: string): number | null {
  const m = /^chg_([0-9a-z]+)$/.exec(token);
  return m ? parseInt(m[1], 36) : null;
}

export async function startDemoSourceServer(opts: DemoSourceServerOptions): Promise<DemoSourceServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const propertyCode = opts.propertyCode ?? DEMO_PROPERTY_CODE;
  const propertyName = opts.propertyName ?? DEMO_PROPERTY_NAME;
  const people = new Map<string, DemoSourcePerson>();
  for (const p of opts.people) people.set(p.id, structuredClone(p));
  // The change feed: every edit gets the next sequence number; tokens name a position in it.
  const changes: { seq: number; id: string; removed: boolean }[] = [];
  let seq = 0;

  const sorted = () => [...people.values()].sort((a, b) => a.id.localeCompare(b.id));

  const residents = (q: URLSearchParams): FakeReply => {
    const page = intParam(q.get('page'), 1);
    const perPage = intParam(q.get('per_page'), DEFAULT_PER_PAGE);
    if (page === null || page < 1) return jsonError(400, 'invalid_page', 'page must be a whole number from 1.');
    if (perPage === null || perPage < 1 || perPage > MAX_PER_PAGE) {
      return jsonError(400, 'invalid_per_page', `per_page must be between 1 and ${MAX_PER_PAGE}.`);
    }
    const all = sorted();
    const data = all.slice((page - 1) * perPage, page * perPage);
    return {
      status: 200,
      body: { data, meta: { page, per_page: perPage, total: all.length, total_pages: Math.ceil(all.length / perPage) } },
    };
  };

  const changeFeed = (q: URLSearchParams): FakeReply => {
    const since = q.get('since');
    if (!since) return { status: 200, body: { data: sorted(), removed: [], next: tokenFor(seq) } };
    const from = seqFrom(since);
    if (from === null || from > seq) return jsonError(400, 'invalid_since', 'The change token is not one this system issued.');
    // Several edits of one person collapse into the latest state.
    const last = new Map<string, boolean>();
    for (const c of changes) if (c.seq > from) last.set(c.id, c.removed);
    const data: DemoSourcePerson[] = [];
    const removed: string[] = [];
    for (const [id, wasRemoved] of last) {
      const p = people.get(id);
      if (wasRemoved || !p) removed.push(id);
      else data.push(p);
    }
    return { status: 200, body: { data, removed, next: tokenFor(seq) } };
  };

  const server = await startFakeServer({
    token,
    shapers: listShapers('data', {
      empty: (body) =>
        body.meta && typeof body.meta === 'object'
          ? { ...body, meta: { ...(body.meta as object), total: 0, total_pages: 0 } }
          : { ...body, removed: [] },
    }),
    routes: [
      {
        method: 'GET',
        pattern: '/api/v1/property',
        handler: () => ({ status: 200, body: { code: propertyCode, name: propertyName, people: people.size } }),
      },
      { method: 'GET', pattern: '/api/v1/residents', handler: (r) => residents(r.query) },
      { method: 'GET', pattern: '/api/v1/changes', handler: (r) => changeFeed(r.query) },
    ],
  });

  return {
    url: server.url,
    token,
    propertyCode,
    people: {
      list: () => sorted().map((p) => structuredClone(p)),
      get: (id) => (people.has(id) ? structuredClone(people.get(id)!) : null),
      upsert(person) {
        const stored = { ...structuredClone(person), updated_at: new Date().toISOString() };
        people.set(stored.id, stored);
        changes.push({ seq: ++seq, id: stored.id, removed: false });
        return structuredClone(stored);
      },
      remove(id) {
        if (!people.delete(id)) return false;
        changes.push({ seq: ++seq, id, removed: true });
        return true;
      },
    },
    currentChangeToken: () => tokenFor(seq),
    ...fakeControls(server),
  };
}

function intParam(value: string | null, fallback: number): number | null {
  if (value === null || value === '') return fallback;
  return /^\d+$/.test(value) ? Number(value) : null;
}
