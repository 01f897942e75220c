import { randomBytes, timingSafeEqual } from 'node:crypto';
import { startFakeServer, fakeControls } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';

/**
 * A fake member-management system speaking Mindbody Public API v6 for clients:
 *
 *   POST {url}/usertoken/issue   { Username, Password } → { TokenType, AccessToken, Expires, User }
 *   GET  {url}/client/clients    request.limit (default 100, capped at 200) / request.offset /
 *                                request.includeInactive (default false) / request.lastModifiedDate
 *                                (on or after, UTC) / request.clientIds / request.uniqueIds — also
 *                                accepted without the "request." prefix and in any letter case, as
 *                                Mindbody's model binding does
 *
 * Every call needs the Api-Key and SiteId headers; client reads also need a staff token in
 * Authorization, by default as is or as "Bearer <token>" (`authScheme` makes it strict). Each
 * client carries a system-generated `UniqueId` next to the business's editable `Id`, and a UTC
 * `LastModifiedDateTime` without a zone letter, as Mindbody sends them. Errors use Mindbody's
 * `{ Error: { Message, Code } }` envelope. `url` already ends in /public/v6.
 */

export interface MemberFakeClient {
  /** The business's client id (barcode); editable. */
  Id: string;
  /** System-generated; assigned by the fake when left out. */
  UniqueId?: number | string;
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

/** What the fake saw of one client-list call (for tests that check the wire names). */
export interface MemberFakeCall {
  /** Query parameters exactly as sent. */
  query: Record<string, string>;
  /** How Authorization carried the token. */
  scheme: 'bare' | 'bearer' | 'none';
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
    /** By the business's Id. */
    get(id: string): MemberFakeClient | null;
    /**
     * Adds or edits a client as staff would (matched by UniqueId when given, else by Id); stamps
     * LastModifiedDateTime now unless `modifiedAt` is given.
     */
    upsert(client: MemberFakeClient, opts?: { modifiedAt?: string }): MemberFakeClient;
    /** Removes a client outright (as a merge into another profile does). */
    remove(id: string): boolean;
  };
  /** Makes every token issued by /usertoken/issue invalid (they expire after about a day in Mindbody). */
  expireIssuedTokens(): void;
  /** Every GET /client/clients the fake answered or refused, oldest first. */
  calls: MemberFakeCall[];
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
  /** How Authorization must carry the token: as is, "Bearer <token>", or either (default). */
  authScheme?: 'either' | 'bare' | 'bearer';
  /** Lifetime of issued tokens, reported in Expires and enforced (default one day). */
  tokenLifetimeMs?: number;
  /** Leave PaginationResponse out of list answers (a proxy that drops it). */
  omitPagination?: boolean;
  /** Always answer from the first client, whatever request.offset says (a broken proxy). */
  ignoreOffset?: boolean;
  /** Answer every client whatever request.lastModifiedDate says (a server that ignores the filter). */
  ignoreLastModifiedDate?: boolean;
  /** How far the server's clock (its Date header on client lists) is ahead of the real one, in ms. */
  clockOffsetMs?: number;
}

const BASE = '/public/v6';

const mbError = (status: number, code: string, message: string): FakeReply => ({ status, body: { Error: { Message: message, Code: code } } });

/** Mindbody's own timestamp style: UTC, no zone letter. */
export function mindbodyTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '');
}

/** A Mindbody date-time: without a zone it is UTC. NaN when unreadable. */
function utc(value: string): number {
  return Date.parse(/T/.test(value) && !/(Z|[+-]\d\d:?\d\d)$/i.test(value) ? `${value}Z` : value);
}

const shapers: BodyShapers = {
  malformed(body) {
    const o = body as { Clients?: Record<string, unknown>[] };
    if (Array.isArray(o?.Clients) && o.Clients.length > 0) {
      const [first, ...rest] = o.Clients;
      const { Id: _id, UniqueId: _uid, ...noId } = first;
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
  const lifetime = opts.tokenLifetimeMs ?? 24 * 3600_000;
  const authScheme = opts.authScheme ?? 'either';
  /** token → expiry (epoch ms); the configured token never expires here. */
  const tokens = new Map<string, number>([[staffToken, Infinity]]);
  /** By UniqueId, in creation order. */
  const clients = new Map<string, MemberFakeClient>();
  const calls: MemberFakeCall[] = [];
  let nextUnique = 100_001;
  let clock = 0;
  // Strictly increasing stamps keep "modified on or after" reads deterministic in tests; they
  // never run ahead of the real clock (a future stamp is a fault a test sets on purpose).
  const stamp = () => {
    let t = Date.now();
    while (t <= clock) t = Date.now();
    return mindbodyTime((clock = t));
  };

  const byId = (id: string) => [...clients.values()].find((c) => c.Id === id) ?? null;
  const store = (client: MemberFakeClient, modifiedAt: string): MemberFakeClient => {
    const existing = client.UniqueId !== undefined ? clients.get(String(client.UniqueId)) : byId(client.Id);
    const UniqueId = client.UniqueId ?? existing?.UniqueId ?? nextUnique++;
    const stored: MemberFakeClient = { ...structuredClone(client), UniqueId, LastModifiedDateTime: modifiedAt };
    clients.set(String(UniqueId), stored);
    return structuredClone(stored);
  };
  for (const c of opts.clients ?? []) store(c, c.LastModifiedDateTime ?? stamp());

  const same = (a: string | undefined, b: string) => !!a && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

  /** Checks Api-Key and SiteId; null when fine. */
  const checkSite = (req: FakeRequest): FakeReply | null => {
    if (!same(req.header('api-key'), apiKey)) return mbError(401, 'DeniedAccess', 'The Api-Key is missing or not valid.');
    if (req.header('siteid') !== siteId) return mbError(400, 'InvalidSiteId', 'The SiteId header does not name a site this key can reach.');
    return null;
  };

  const param = (q: URLSearchParams, name: string): string | null => {
    const values = params(q, name);
    return values.length ? values[values.length - 1] : null;
  };
  /** Every value of a parameter: arrays come as repeats, and each may be comma-separated. */
  const params = (q: URLSearchParams, name: string): string[] => {
    const out: string[] = [];
    for (const [k, v] of q) if (k.toLowerCase().replace(/^request\./, '') === name.toLowerCase()) out.push(v);
    return out;
  };
  const list = (q: URLSearchParams, name: string) => params(q, name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

  const issue = (req: FakeRequest): FakeReply => {
    const bad = checkSite(req);
    if (bad) return bad;
    const body = req.body as { Username?: unknown; Password?: unknown } | undefined;
    if (typeof body?.Username !== 'string' || typeof body.Password !== 'string') return mbError(400, 'MissingRequiredFields', 'Username and Password are required.');
    if (body.Username !== staffUsername || !same(body.Password, staffPassword)) return mbError(401, 'InvalidUserCredentials', 'The user name or password is not valid.');
    const token = `mbt_${randomBytes(16).toString('hex')}`;
    const expires = Date.now() + lifetime;
    tokens.set(token, expires);
    return {
      status: 200,
      body: { TokenType: 'Bearer', AccessToken: token, Expires: new Date(expires).toISOString(), User: { Id: 1, FirstName: 'Front', LastName: 'Desk', Type: 'Staff' } },
    };
  };

  const staffAuthorised = (header: string | undefined): { ok: boolean; scheme: MemberFakeCall['scheme'] } => {
    const value = (header ?? '').trim();
    if (!value) return { ok: false, scheme: 'none' };
    const bearer = /^Bearer\s+(.+)$/i.exec(value);
    const scheme = bearer ? 'bearer' : 'bare';
    if (authScheme !== 'either' && authScheme !== scheme) return { ok: false, scheme };
    const token = bearer ? bearer[1] : value;
    const expires = [...tokens.entries()].find(([t]) => same(token, t))?.[1];
    return { ok: expires !== undefined && Date.now() < expires, scheme };
  };

  const listClients = (req: FakeRequest): FakeReply => {
    const auth = staffAuthorised(req.header('authorization'));
    calls.push({ query: Object.fromEntries(req.query), scheme: auth.scheme });
    const bad = checkSite(req);
    if (bad) return bad;
    if (!auth.ok) return mbError(401, 'DeniedAccess', 'This endpoint needs a valid staff user token.');
    const limitText = param(req.query, 'limit');
    const offsetText = param(req.query, 'offset');
    const limit = limitText === null ? 100 : Number(limitText);
    const offset = offsetText === null ? 0 : Number(offsetText);
    if (!Number.isInteger(limit) || limit < 1) return mbError(400, 'InvalidParameter', 'Limit must be a whole number from 1.');
    if (!Number.isInteger(offset) || offset < 0) return mbError(400, 'InvalidParameter', 'Offset must be a whole number from 0.');
    const includeInactive = (param(req.query, 'includeInactive') ?? 'false').toLowerCase() === 'true';
    const sinceText = param(req.query, 'lastModifiedDate');
    const since = sinceText === null || opts.ignoreLastModifiedDate ? null : utc(sinceText);
    if (since !== null && Number.isNaN(since)) return mbError(400, 'InvalidParameter', 'LastModifiedDate is not a date.');
    const ids = list(req.query, 'clientIds');
    if (ids.length > 20) return mbError(400, 'InvalidParameter', 'At most 20 client ids can be asked for at once.');
    const uniqueIds = list(req.query, 'uniqueIds');
    const matching = [...clients.values()].filter(
      (c) =>
        (includeInactive || c.Active !== false) &&
        (since === null || utc(c.LastModifiedDateTime ?? '') >= since) &&
        (ids.length === 0 || ids.includes(c.Id)) &&
        (uniqueIds.length === 0 || uniqueIds.includes(String(c.UniqueId))),
    );
    const capped = Math.min(limit, maxPage);
    const from = opts.ignoreOffset ? 0 : offset;
    const page = matching.slice(from, from + capped);
    const pagination = { RequestedLimit: capped, RequestedOffset: offset, PageSize: page.length, TotalResults: matching.length };
    const headers = opts.clockOffsetMs ? { Date: new Date(Date.now() + opts.clockOffsetMs).toUTCString() } : undefined;
    return { status: 200, body: opts.omitPagination ? { Clients: page } : { PaginationResponse: pagination, Clients: page }, headers };
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
      get: (id) => {
        const c = byId(id);
        return c ? structuredClone(c) : null;
      },
      upsert: (client, upsertOpts) => store(client, upsertOpts?.modifiedAt ?? stamp()),
      remove: (id) => {
        const c = byId(id);
        return c ? clients.delete(String(c.UniqueId)) : false;
      },
    },
    expireIssuedTokens() {
      for (const t of [...tokens.keys()]) if (t !== staffToken) tokens.delete(t);
    },
    calls,
    ...fakeControls(server),
  };
}
