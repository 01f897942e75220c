import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { SourceConnector } from '../types';
import { readAll } from '../contract/read-source';
import { CONTRACT_RETRY, expectNoSecrets } from '../contract/fault-control';
import { startFakeServer } from '../http/fake-server';
import { createScimSource } from './scim-source';
import { startScimSourceFake } from './fake-scim-source';
import type { ScimSourceFake, ScimSourceFakeOptions } from './fake-scim-source';
import { scimSourceSpec } from './index';
import { scimUserSchema, userToRecord } from './scim-wire';
import { startScimFake } from '../scim-target/fake-scim';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function start(opts: ScimSourceFakeOptions, pageSize = 10): Promise<{ fake: ScimSourceFake; source: SourceConnector }> {
  const fake = await startScimSourceFake(opts);
  closers.push(() => fake.close());
  return { fake, source: createScimSource({ url: fake.url, token: fake.token, pageSize, retry: CONTRACT_RETRY }) };
}

const user = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  userName: `${id}@corp.example`,
  name: { givenName: 'Sam', familyName: `Staff ${id}` },
  emails: [{ value: `${id}@corp.example`, type: 'work', primary: true }],
  active: true,
  ...extra,
});

const users = (n: number) => Array.from({ length: n }, (_, i) => user(`u${String(i).padStart(2, '0')}`));
const userReads = (fake: ScimSourceFake) => fake.requestLog.filter((e) => e.path.endsWith('/Users')).length;

describe('SCIM 2.0 source', () => {
  it('maps Users to staff: names, primary email, preferred phone, active, department', async () => {
    const { source } = await start({
      users: [
        user('a', {
          emails: [{ value: 'home@x.example', type: 'home' }, { value: 'work@x.example', type: 'work', primary: true }],
          phoneNumbers: [{ value: '+14155550100', type: 'work' }, { value: '+14155550199', type: 'mobile' }],
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Maintenance' },
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        }),
        user('b', { active: false }),
        { id: 'c', userName: 'c@corp.example', displayName: 'Ana María López' },
      ],
    });
    const byId = new Map((await readAll(source)).map((r) => [r.externalId, r]));
    expect(byId.get('a')).toMatchObject({ firstName: 'Sam', lastName: 'Staff a', email: 'work@x.example', phone: '+14155550199', status: 'Active', type: 'staff', unit: null, tags: ['Maintenance'] });
    expect(byId.get('b')!.status).toBe('Inactive');
    // No `active` attribute means active; no structured name means the display name is split.
    expect(byId.get('c')).toMatchObject({ status: 'Active', firstName: 'Ana María', lastName: 'López', email: null, phone: null });
    expect('siteKey' in byId.get('a')!).toBe(false);
    expect(byId.get('a')!.raw.userName).toBe('a@corp.example');
  });

  it('pages by startIndex until totalResults, also when the server serves fewer per page than asked', async () => {
    const { fake, source } = await start({ users: users(23), maxPageSize: 4 }, 10);
    const ids = (await readAll(source)).map((r) => r.externalId);
    expect(new Set(ids).size).toBe(23);
    expect(userReads(fake)).toBe(6);
  });

  it('stops after the last page when the total is an exact multiple of the page size', async () => {
    const { fake, source } = await start({ users: users(20) }, 10);
    expect(await readAll(source)).toHaveLength(20);
    expect(userReads(fake)).toBe(2);
  });

  it('accepts users without meta and list responses without schemas or Resources', async () => {
    const { source } = await start({ users: users(3), omitMeta: true, omitListSchemas: true });
    const records = await readAll(source);
    expect(records).toHaveLength(3);
    expect(records[0].raw.meta).toBeUndefined();
    const empty = await start({ users: [], omitListSchemas: true });
    expect(await readAll(empty.source)).toEqual([]);
  });

  it('refuses a list whose total changes while it is read', async () => {
    const { fake, source } = await start({ users: users(15) }, 10);
    const it = source.list()[Symbol.asyncIterator]();
    await it.next();
    fake.users.add(user('late'));
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/changed while it was being read/);
  });

  it('reports SCIM Error messages in plain words without the token', async () => {
    const { fake } = await start({ users: users(1) });
    const bad = await createScimSource({ url: fake.url, token: 'not-the-token', retry: CONTRACT_RETRY }).test();
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/401/);
    expect(bad.message).toMatch(/Missing or invalid bearer token/);

    // A server that echoes the credential in its error detail.
    const secret = 'scim-secret-token-123';
    const echo = await startFakeServer({
      token: secret,
      authorize: () => true,
      shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
      routes: [{ method: 'GET', pattern: '/Users', handler: () => ({ status: 400, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail: `token ${secret} lacks scope\nusers:read` } }) }],
    });
    closers.push(() => echo.close());
    const err = await readAll(createScimSource({ url: echo.url, token: secret, retry: CONTRACT_RETRY })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/400 .*\[invalidValue\]: "token \*\*\* lacks scope users:read"/);
    expectNoSecrets((err as Error).message, [secret]);
  });

  it('reads only changed users through a meta.lastModified filter', async () => {
    const { fake, source } = await start({ users: users(6) }, 2);
    const first = await source.changesSince!(null);
    expect(first.records).toHaveLength(6);
    const quiet = await source.changesSince!(first.nextToken);
    expect(quiet.records).toEqual([]);

    fake.users.update('u02', { active: false });
    const before = userReads(fake);
    const delta = await source.changesSince!(quiet.nextToken);
    expect(delta.records.map((r) => [r.externalId, r.status])).toEqual([['u02', 'Inactive']]);
    expect(delta.removedExternalIds).toEqual([]);
    // One filtered page, not the whole directory.
    expect(userReads(fake) - before).toBe(1);
  });

  it('falls back to full reads when the server does not filter, still reporting only changes', async () => {
    for (const mode of ['rejected', 'ignored'] as const) {
      const { fake, source } = await start({ users: users(6), filter: mode }, 2);
      const first = await source.changesSince!(null);
      fake.users.update('u04', { name: { givenName: 'Renamed', familyName: 'Person' } });
      const delta = await source.changesSince!(first.nextToken);
      expect(delta.records.map((r) => r.firstName), mode).toEqual(['Renamed']);
      expect((await source.changesSince!(delta.nextToken)).records, mode).toEqual([]);
    }
  });

  it('compares users without lastModified as a whole between full reads', async () => {
    const { fake, source } = await start({ users: users(3), omitMeta: true, filter: 'rejected' });
    const first = await source.changesSince!(null);
    expect(first.records).toHaveLength(3);
    expect((await source.changesSince!(first.nextToken)).records).toEqual([]);
    fake.users.update('u01', { active: false });
    const changed = await source.changesSince!(first.nextToken);
    expect(changed.records).toHaveLength(3);
    expect(changed.records.find((r) => r.externalId === 'u01')!.status).toBe('Inactive');
  });

  it('keeps hostile strings as data', async () => {
    const nasty = ['<svg/onload=alert(1)>', '"; DROP TABLE x; --', '\u202Egnp.exe', 'ü'.repeat(300)];
    const { source } = await start({ users: nasty.map((n, i) => user(`h${i}`, { name: { givenName: n, familyName: n } })) });
    const records = await readAll(source);
    expect(records.map((r) => r.firstName).sort()).toEqual([...nasty].sort());
  });

  it('runs side by side with the SCIM target fake in one process, each keeping its own users', async () => {
    const target = await startScimFake();
    closers.push(() => target.close());
    target.users.insert({ userName: 'door-user@panel.example', name: { givenName: 'Door', familyName: 'User' }, active: true } as never);
    const { source } = await start({ users: users(2) });
    const fromTarget = createScimSource({ url: target.url, token: target.token, retry: CONTRACT_RETRY });
    for (let round = 0; round < 2; round++) {
      expect((await readAll(source)).map((r) => r.externalId).sort()).toEqual(['u00', 'u01']);
      expect((await readAll(fromTarget)).map((r) => r.firstName)).toEqual(['Door']);
    }
  });

  it('builds from its spec and needs a token', () => {
    const config = scimSourceSpec.configSchema.parse({ baseUrl: 'https://idp.example.com/scim/v2', pageSize: '50' });
    expect(config.pageSize).toBe(50);
    expect(() => scimSourceSpec.create(config, {})).toThrow(/bearer token/);
    expect(scimSourceSpec.create(config, { token: 't' }).kind).toBe('scim');
  });
});

/** A bare HTTP server recording each request line and Accept header (for wire-level checks). */
async function rawServer(reply: (url: URL) => { status: number; body?: unknown }) {
  const seen: Array<{ line: string; accept: string }> = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ line: `${req.method} ${req.url}`, accept: req.headers.accept ?? '' });
      const r = reply(new URL(req.url ?? '/', 'http://x'));
      res.writeHead(r.status, r.body === undefined ? {} : { 'content-type': 'application/scim+json' });
      res.end(r.body === undefined ? undefined : JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('SCIM 2.0 source against independent servers', () => {
  it('reads application/json replies and asks for application/scim+json first', async () => {
    const { source } = await start({ users: users(3), replyMediaType: 'application/json' });
    expect(await readAll(source)).toHaveLength(3);
    const raw = await rawServer(() => ({ status: 200, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0 } }));
    await readAll(createScimSource({ url: raw.url, token: 'tok-1234', retry: CONTRACT_RETRY }));
    expect(raw.seen[0].accept).toMatch(/^application\/scim\+json\b/);
    expect(raw.seen[0].accept).toContain('application/json');
  });

  it('reads users whose attribute names come in another case (RFC 7643 §2.1), keeping raw as sent', async () => {
    const { source } = await start({
      attributeCase: 'lower',
      users: [
        user('a', {
          phoneNumbers: [{ value: '+14155550100', type: 'work', primary: true }],
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Security' },
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        }),
        user('b', { active: false }),
      ],
    });
    const byId = new Map((await readAll(source)).map((r) => [r.externalId, r]));
    expect(byId.get('a')).toMatchObject({ firstName: 'Sam', lastName: 'Staff a', email: 'a@corp.example', phone: '+14155550100', status: 'Active', tags: ['Security'] });
    expect(byId.get('b')!.status).toBe('Inactive');
    expect(byId.get('a')!.raw.username).toBe('a@corp.example');
  });

  it('reads primary sent as a string, no primary at all, and a numeric id', () => {
    const raw = { id: 42, userName: 'n@corp.example', emails: [{ value: 'home@x.example', type: 'home' }, { value: 'main@x.example', primary: 'true' }], phoneNumbers: [{ value: '+1555' }] };
    const r = userToRecord(raw, scimUserSchema.parse(raw));
    expect(r).toMatchObject({ externalId: '42', email: 'main@x.example', phone: '+1555' });
    const upper = { id: 'u', active: 'FALSE' };
    expect(userToRecord(upper, scimUserSchema.parse(upper)).status).toBe('Inactive');
    // An active word we cannot read must not quietly turn into "Inactive" (it would remove access).
    expect(scimUserSchema.safeParse({ id: 'u', active: 'maybe' }).success).toBe(false);
  });

  it('ends after one page when the server ignores count and leaves out itemsPerPage', async () => {
    const { fake, source } = await start({ users: users(7), ignoreCount: true, omitItemsPerPage: true }, 3);
    expect(await readAll(source)).toHaveLength(7);
    expect(userReads(fake)).toBe(1);
  });

  it('refuses a list whose later pages lose their Resources while totalResults still counts them', async () => {
    const { fake, source } = await start({ users: users(7), listStopsAfter: 3 }, 3);
    const err = await readAll(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/incomplete: the directory reported 7 users but sent 3/);
    expect(userReads(fake)).toBe(2);
  });

  it.each([
    ['a trailing slash', '/'],
    ['a pasted /Users', '/Users'],
    ['/Users/ with a slash', '/Users/'],
  ])('works with a base URL ending in %s', async (_label, suffix) => {
    const fake = await startScimSourceFake({ users: users(2) });
    closers.push(() => fake.close());
    const source = createScimSource({ url: `${fake.url}${suffix}`, token: fake.token, retry: CONTRACT_RETRY });
    expect((await source.test()).ok).toBe(true);
    expect(await readAll(source)).toHaveLength(2);
  });

  it('keeps the base URL path and query, and sends the delta filter as a %20-encoded JSON string literal', async () => {
    const at = '2024-05-01T10:00:00.000Z';
    const raw = await rawServer((url) =>
      url.pathname.endsWith('/Users')
        ? { status: 200, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1, Resources: [{ id: 'x1', userName: 'x1', meta: { lastModified: at } }] } }
        : { status: 404 },
    );
    const source = createScimSource({ url: `${raw.url}/t/scim/v2/?tenant=acme`, token: 'tok-1234', retry: CONTRACT_RETRY });
    const first = await source.changesSince!(null);
    await source.changesSince!(first.nextToken);
    const lines = raw.seen.map((s) => s.line);
    expect(lines[0]).toBe('GET /t/scim/v2/Users?tenant=acme&startIndex=1&count=100');
    const filtered = lines.find((l) => l.includes('filter='))!;
    expect(filtered).toContain(`filter=meta.lastModified%20ge%20%22${encodeURIComponent(at)}%22`);
    expect(filtered).not.toContain('+');
    expect(new URL(filtered.slice(4), 'http://x').searchParams.get('filter')).toBe(`meta.lastModified ge "${at}"`);
    expect(lines).toContain('GET /t/scim/v2/ServiceProviderConfig?tenant=acme');
  });
});

/** The change position inside a SCIM change token (its format is the adapter's own). */
const positionOf = (token: string): string | null => (JSON.parse(Buffer.from(token.slice('scim1.'.length), 'base64url').toString('utf8')) as { at: string | null }).at;
const tokenAt = (at: string) => `scim1.${Buffer.from(JSON.stringify({ at, ids: [], undated: null })).toString('base64url')}`;
const FAR_FUTURE = '2099-01-01T00:00:00.000Z';

describe('SCIM 2.0 source, directories that never finish a list', () => {
  it('fails the read when pages keep coming far beyond what totalResults and the first page promise', async () => {
    // 10 users on the first page, then one per page: 51 pages for a list of 60 that should take 6.
    const { fake, source } = await start({ users: users(60), trickleAfterFirstPage: true }, 10);
    const err = await readAll(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/did not end after \d+ pages/);
    expect((err as UpstreamError).retryable).toBe(true);
    expect(userReads(fake)).toBeLessThan(30);
  });

  it('fails the read at an absolute page limit when the directory makes up users forever', async () => {
    // One made-up user a page, a billion promised: only the absolute limit can end this read.
    const { source } = await start({ endless: { totalResults: 1_000_000_000 } }, 1);
    const err = await readAll(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/did not end after 10000 pages \(it reported 1000000000 users; 10000 came/);
  }, 60_000);

  it('refuses an empty page (itemsPerPage 0) while fewer than totalResults users were sent', async () => {
    const { fake, source } = await start({ users: users(7), listStopsAfter: 3, omitListSchemas: true }, 3);
    const err = await readAll(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/reported 7 users but sent 3/);
    // It stops at the empty page rather than asking again and again.
    expect(userReads(fake)).toBe(2);
  });

  it('refuses a directory that answers every page with the same users', async () => {
    // Every page asked for after the first comes back as the first one again.
    const { fake, source } = await start({ users: users(30), ignoreStartIndex: true }, 10);
    const err = await readAll(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/reading page 2 of the user list: user u00 appears more than once/);
    expect(userReads(fake)).toBe(2);
  });
});

describe('SCIM 2.0 source, the change position', () => {
  it('does not let a far-future lastModified move the change position past the read', async () => {
    const { fake, source } = await start({ users: users(3) }, 10);
    fake.users.update('u01', { active: false }, { modifiedAt: FAR_FUTURE });
    const before = Date.now();
    const first = await source.changesSince!(null);
    expect(first.records).toHaveLength(3);
    expect(Date.parse(positionOf(first.nextToken)!)).toBeLessThanOrEqual(before + 1_000);

    // A change made after the read must come through the next delta.
    fake.users.update('u02', { name: { givenName: 'Later', familyName: 'Change' } });
    const next = await source.changesSince!(first.nextToken);
    expect(next.records.map((r) => r.externalId)).toContain('u02');
    expect(next.records.find((r) => r.externalId === 'u02')!.firstName).toBe('Later');
  });

  it('reads everything once when a stored position lies beyond the time of the read', async () => {
    const { fake, source } = await start({ users: users(4) }, 10);
    const cs = await source.changesSince!(tokenAt(FAR_FUTURE));
    expect(cs.records.map((r) => r.externalId).sort()).toEqual(['u00', 'u01', 'u02', 'u03']);
    // No filter from the year 2099 was sent, and the new position is back in the present.
    expect(fake.requestLog.filter((e) => e.path.endsWith('/Users')).length).toBeGreaterThan(0);
    expect(Date.parse(positionOf(cs.nextToken)!)).toBeLessThanOrEqual(Date.now());
  });

  it('never moves the change position backwards', async () => {
    const { fake, source } = await start({ users: [], filter: 'ignored' }, 10);
    const at = new Date(Date.now() - 60_000).toISOString();
    // Every user was last modified before the stored position, and the server ignores the filter.
    for (const u of users(2)) fake.users.add(u, u.id, { modifiedAt: new Date(Date.parse(at) - 5_000).toISOString() });
    const cs = await source.changesSince!(tokenAt(at));
    expect(cs.records).toEqual([]);
    expect(positionOf(cs.nextToken)).toBe(at);
  });
});
