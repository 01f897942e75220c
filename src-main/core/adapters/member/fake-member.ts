import { randomBytes, timingSafeEqual } from 'node:crypto';
import { startFakeServer, fakeControls } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';

/**
 * A fake member-management system speaking Mindbody Public API v6 for clients:
 *
 *   POST {url}/usertoken/issue            { Username, Password } → { TokenType, AccessToken, User }
 *   GET  {url}/client/clients             request.limit / request.offset / request.includeInactive /
 *                                         request.lastModifiedDate (also accepted without the
 *                                         "request." prefix and in any letter case, as Mindbody does)
 *
 * Every call needs the Api-Key and SiteId headers; client reads also need a staff token in
 * Authorization (the configured one, or one issued by /usertoken/issue). Errors use Mindbody's
 * `{ Error: { Message, Code } }` envelope. `url` already ends in /public/v6.
 */

export interface MemberFakeClient {
  Id: string;
  FirstName?: string | null;
  LastName?: string | null;
  Email?: string | null;
  MobilePhone?: string | null;
  HomePhone?: string | null;
  WorkPhone?: string | null;
  Status?: string | null;
  Active?: boolean;
  IsProspect?: boolean;
  LastModifiedDateTime?: string;
  HomeLocation?: { Id: number; Name: string } | null;
  [key: string]: unknown;
}

export interface MemberFake {
  url: string;
  apiKey: string;
  siteId: string;
  staffToken: string;
  staffUsername: string;
  staffPassword: string;
  clients: {
    list(): MemberFakeClient[];
    get(id: string): MemberFakeClient | null;
    /** Adds or edits a client as staff would; stamps LastModifiedDateTime now unless `modifiedAt` is given. */
    upsert(client: MemberFakeClient, opts?: { modifiedAt?: string }): MemberFakeClient;
    /** Removes a client outright (as a merge into another profile does). */
    remove(id: string): boolean;
  };
  /** Makes every token issued by /usertoken/issue invalid (they expire after days in Mindbody). */
  expireIssuedTokens(): void;
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

export interface MemberFakeOptions {
  clients?: MemberFakeClient[];
  apiKey?: string;
  siteId?: string;
  staffToken?: string;
  staffUsername?: string;
  staffPassword?: string;
  /** The server caps pages at this size whatever the client asks (Mindbody: 200). */
  maxPageSize?: number;
}

const BASE = '/public/v6';

const mbError = (status: number, code: string, message: string): FakeReply => ({ status, body: { Error: { Message: message, Code: code } } });

/** Mindbody's own timestamp style: UTC, no zone letter. */
export function mindbodyTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '');
}

const shapers: BodyShapers = {
  malformed(body) {
    const o = body as { Clients?: Record<string, unknown>[] };
    if (Array.isArray(o?.Clients) && o.Clients.length > 0) {
      const [first, ...rest] = o.Clients;
      const { Id: _id, ...noId } = first;
      return { ...o, Clients: [noId, ...rest] };
    }
    return Array.isArray(o?.Clients) ? { ...o, Clients: { Client: o.Clients } } : { unexpected: true };
  },
  duplicateIds(body) {
    const o = body as { Clients?: unknown[] };
    if (!Array.isArray(o?.Clients) || o.Clients.length === 0) return body;
    const copy = [...o.Clients];
    if (copy.length === 1) copy.push(copy[0]);
    else copy[copy.length - 1] = copy[0];
    return { ...o, Clients: copy };
  },
  emptyList(body) {
    const o = body as { Clients?: unknown[]; PaginationResponse?: Record<string, unknown> };
    if (!Array.isArray(o?.Clients)) return body;
    return { ...o, Clients: [], PaginationResponse: { ...o.PaginationResponse, PageSize: 0, TotalResults: 0 } };
  },
};

export async function startMemberFake(opts: MemberFakeOptions = {}): Promise<MemberFake> {
  const apiKey = opts.apiKey ?? `mbk_${randomBytes(16).toString('hex')}`;
  const siteId = opts.siteId ?? '-99';
  const staffToken = opts.staffToken ?? `mbt_${randomBytes(16).toString('hex')}`;
  const staffUsername = opts.staffUsername ?? 'frontdesk';
  const staffPassword = opts.staffPassword ?? `pw_${randomBytes(8).toString('hex')}`;
  const maxPage = opts.maxPageSize ?? 200;
  const tokens = new Set([staffToken]);
  const clients = new Map<string, MemberFakeClient>();
  let clock = Date.now() - 60_000;
  // Strictly increasing stamps keep "modified on or after" reads deterministic in tests.
  const stamp = () => mindbodyTime((clock = Math.max(clock + 1, Date.now())));
  for (const c of opts.clients ?? []) clients.set(c.Id, { LastModifiedDateTime: stamp(), ...structuredClone(c) });

  const same = (a: string | undefined, b: string) => !!a && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

  /** Checks Api-Key and SiteId; null when fine. */
  const checkSite = (req: FakeRequest): FakeReply | null => {
    if (!same(req.header('api-key'), apiKey)) return mbError(401, 'DeniedAccess', 'The Api-Key is missing or not valid.');
    if (req.header('siteid') !== siteId) return mbError(400, 'InvalidSiteId', 'The SiteId header does not name a site this key can reach.');
    return null;
  };

  const param = (q: URLSearchParams, name: string): string | null => {
    for (const [k, v] of q) {
      const key = k.toLowerCase().replace(/^request\./, '');
      if (key === name.toLowerCase()) return v;
    }
    return null;
  };

  const issue = (req: FakeRequest): FakeReply => {
    const bad = checkSite(req);
    if (bad) return bad;
    const body = req.body as { Username?: unknown; Password?: unknown } | undefined;
    if (typeof body?.Username !== 'string' || typeof body.Password !== 'string') return mbError(400, 'MissingRequiredFields', 'Username and Password are required.');
    if (body.Username !== staffUsername || !same(body.Password, staffPassword)) return mbError(401, 'InvalidUserCredentials', 'The user name or password is not valid.');
    const token = `mbt_${randomBytes(16).toString('hex')}`;
    tokens.add(token);
    return { status: 200, body: { TokenType: 'Bearer', AccessToken: token, User: { Id: 1, FirstName: 'Front', LastName: 'Desk', Type: 'Staff' } } };
  };

  const listClients = (req: FakeRequest): FakeReply => {
    const bad = checkSite(req);
    if (bad) return bad;
    const auth = (req.header('authorization') ?? '').replace(/^Bearer\s+/i, '');
    if (![...tokens].some((t) => same(auth, t))) return mbError(401, 'DeniedAccess', 'This endpoint needs a valid staff user token.');
    const limitText = param(req.query, 'limit');
    const offsetText = param(req.query, 'offset');
    const limit = limitText === null ? 100 : Number(limitText);
    const offset = offsetText === null ? 0 : Number(offsetText);
    if (!Number.isInteger(limit) || limit < 1) return mbError(400, 'InvalidParameter', 'Limit must be a whole number from 1.');
    if (!Number.isInteger(offset) || offset < 0) return mbError(400, 'InvalidParameter', 'Offset must be a whole number from 0.');
    const includeInactive = (param(req.query, 'includeInactive') ?? 'false').toLowerCase() === 'true';
    const sinceText = param(req.query, 'lastModifiedDate');
    let since: number | null = null;
    if (sinceText !== null) {
      since = Date.parse(/T/.test(sinceText) && !/(Z|[+-]\d\d:?\d\d)$/i.test(sinceText) ? `${sinceText}Z` : sinceText);
      if (Number.isNaN(since)) return mbError(400, 'InvalidParameter', 'LastModifiedDate is not a date.');
    }
    const matching = [...clients.values()].filter(
      (c) => (includeInactive || c.Active !== false) && (since === null || Date.parse(`${c.LastModifiedDateTime}Z`) >= since),
    );
    const capped = Math.min(limit, maxPage);
    const page = matching.slice(offset, offset + capped);
    return {
      status: 200,
      body: {
        PaginationResponse: { RequestedLimit: capped, RequestedOffset: offset, PageSize: page.length, TotalResults: matching.length },
        Clients: page,
      },
    };
  };

  const server = await startFakeServer({
    token: staffToken,
    // Auth is judged per route so refusals come back in Mindbody's envelope.
    authorize: () => true,
    shapers,
    routes: [
      { method: 'POST', pattern: `${BASE}/usertoken/issue`, handler: issue },
      { method: 'GET', pattern: `${BASE}/client/clients`, handler: listClients },
    ],
  });

  return {
    url: server.url + BASE,
    apiKey,
    siteId,
    staffToken,
    staffUsername,
    staffPassword,
    clients: {
      list: () => [...clients.values()].map((c) => structuredClone(c)),
      get: (id) => (clients.has(id) ? structuredClone(clients.get(id)!) : null),
      upsert(client, upsertOpts) {
        const stored = { ...structuredClone(client), LastModifiedDateTime: upsertOpts?.modifiedAt ?? stamp() };
        clients.set(stored.Id, stored);
        return structuredClone(stored);
      },
      remove: (id) => clients.delete(id),
    },
    expireIssuedTokens() {
      tokens.clear();
      tokens.add(staffToken);
    },
    ...fakeControls(server),
  };
}
