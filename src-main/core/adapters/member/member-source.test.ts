import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { SourceRecord } from '../types';
import { readAll } from '../contract/read-source';
import { CONTRACT_RETRY, expectNoSecrets } from '../contract/fault-control';
import { mapStatus } from '../../sync/status-map';
import { createMemberSource } from './member-source';
import type { MemberSourceOptions } from './member-source';
import { startMemberFake } from './fake-member';
import type { MemberFake, MemberFakeClient, MemberFakeOptions } from './fake-member';
import { memberSourceSpec } from './index';
import { decodeWatermark, encodeWatermark } from './watermark';

let fake: MemberFake | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const client = (id: string, extra: Partial<MemberFakeClient> = {}): MemberFakeClient => ({
  Id: id,
  FirstName: 'Mia',
  LastName: `Member ${id}`,
  Email: `${id.toLowerCase()}@example.com`,
  MobilePhone: '+14155550100',
  Status: 'Active',
  Active: true,
  ...extra,
});

async function start(opts: MemberFakeOptions, conn: Partial<MemberSourceOptions> = {}) {
  fake = await startMemberFake(opts);
  const source = createMemberSource({ url: fake.url, apiKey: fake.apiKey, siteId: fake.siteId, staffToken: fake.staffToken, retry: CONTRACT_RETRY, ...conn });
  return { fake, source };
}

const many = (n: number) => Array.from({ length: n }, (_, i) => client(`M-${100 + i}`));
/** The business's Id (the records are keyed by the system's UniqueId). */
const idOf = (r: SourceRecord) => r.raw.Id as string;

describe('member source (Mindbody v6 clients)', () => {
  it('maps client fields, asks for inactive clients too, and tags everyone as a member', async () => {
    const { source } = await start({
      clients: [
        client('M-1', { MobilePhone: null, HomePhone: '(415) 555-0111', HomeLocation: { Id: 7, Name: 'Downtown' } }),
        client('M-2', { Active: false, Status: 'Active' }),
        client('M-3', { IsProspect: true, Status: 'Non-Member', Email: '' }),
      ],
    });
    const records = await readAll(source);
    const byId = new Map(records.map((r) => [idOf(r), r]));
    expect([...byId.keys()].sort()).toEqual(['M-1', 'M-2', 'M-3']);
    const m1 = byId.get('M-1')!;
    expect(m1).toMatchObject({ firstName: 'Mia', lastName: 'Member M-1', email: 'm-1@example.com', phone: '(415) 555-0111', type: 'member', status: 'Active', siteKey: '7', unit: null });
    expect(m1.tags).toContain('Downtown');
    expect(m1.raw.HomeLocation).toEqual({ Id: 7, Name: 'Downtown' });
    // A switched-off profile never reads as active, whatever its membership word says.
    expect(byId.get('M-2')!.status).toBe('Inactive');
    expect(byId.get('M-3')).toMatchObject({ status: 'Non-Member', email: null, tags: ['Prospect'] });
    // No home location: the record does not name a site (it belongs to the connection's site).
    expect('siteKey' in byId.get('M-2')!).toBe(false);
  });

  it('passes Mindbody status words through so the engine maps them', async () => {
    const words = ['Active', 'Expired', 'Suspended', 'Terminated', 'Declined', 'Non-Member'];
    const { source } = await start({ clients: words.map((w, i) => client(`S-${i}`, { Status: w })) });
    const records = await readAll(source);
    const status = Object.fromEntries(records.map((r) => [r.raw.Status as string, r.status]));
    expect(status).toEqual(Object.fromEntries(words.map((w) => [w, w])));
    expect(words.map((w) => mapStatus(w))).toEqual(['active', 'inactive', 'inactive', 'inactive', 'inactive', 'inactive']);
    // An inactive profile keeps a word that already says so.
    expect((await readAll((await restartWith([client('X', { Active: false, Status: 'Terminated' })])).source))[0].status).toBe('Terminated');
  });

  it('stops paging exactly at TotalResults, also when the total is a multiple of the page size', async () => {
    const { fake: f, source } = await start({ clients: many(20) }, { pageSize: 10 });
    const records = await readAll(source);
    expect(records).toHaveLength(20);
    expect(f.requestLog.filter((e) => e.path.endsWith('/client/clients'))).toHaveLength(2);
  });

  it('follows a server that hands out smaller pages than asked for', async () => {
    const { source } = await start({ clients: many(23), maxPageSize: 7 }, { pageSize: 10 });
    const ids = (await readAll(source)).map((r) => r.externalId);
    expect(new Set(ids).size).toBe(23);
  });

  it('refuses a list whose total changes while it is read', async () => {
    const { fake: f, source } = await start({ clients: many(15) }, { pageSize: 10 });
    const it = source.list()[Symbol.asyncIterator]();
    await it.next();
    f.clients.upsert(client('M-NEW'));
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).message).toMatch(/changed while it was being read/);
    expect((err as UpstreamError).retryable).toBe(true);
  });

  it('reads changes since a token: only modified clients, nothing twice, deactivations included', async () => {
    const { fake: f, source } = await start({ clients: many(5) });
    const first = await source.changesSince!(null);
    expect(first.records).toHaveLength(5);
    expect(first.removedExternalIds).toEqual([]);

    const quiet = await source.changesSince!(first.nextToken);
    expect(quiet.records).toEqual([]);

    f.clients.upsert({ ...f.clients.get('M-101')!, Email: 'new@example.com' });
    f.clients.upsert({ ...f.clients.get('M-103')!, Active: false });
    const delta = await source.changesSince!(quiet.nextToken);
    expect(delta.records.map(idOf).sort()).toEqual(['M-101', 'M-103']);
    expect(delta.records.find((r) => idOf(r) === 'M-101')!.email).toBe('new@example.com');
    expect(delta.records.find((r) => idOf(r) === 'M-103')!.status).toBe('Inactive');

    expect((await source.changesSince!(delta.nextToken)).records).toEqual([]);
  });

  it('does not lose a client saved in the same millisecond as the last one it saw', async () => {
    const { fake: f, source } = await start({ clients: [] });
    const at = '2025-03-01T10:00:00.500';
    f.clients.upsert(client('A'), { modifiedAt: at });
    const one = await source.changesSince!(null);
    f.clients.upsert(client('B'), { modifiedAt: at });
    const two = await source.changesSince!(one.nextToken);
    expect(two.records.map(idOf)).toEqual(['B']);
  });

  it('treats an unreadable change token as "read everything" rather than failing forever', async () => {
    const { source } = await start({ clients: many(3) });
    const cs = await source.changesSince!('not-a-token');
    expect(cs.records).toHaveLength(3);
  });

  it('signs in with the staff login when no token is set, and again when the token expires', async () => {
    const { fake: f } = await start({ clients: many(3) });
    const source = createMemberSource({ url: f.url, apiKey: f.apiKey, siteId: f.siteId, staffUsername: f.staffUsername, staffPassword: f.staffPassword, retry: CONTRACT_RETRY });
    expect(await readAll(source)).toHaveLength(3);
    f.expireIssuedTokens();
    expect(await readAll(source)).toHaveLength(3);
    expect(f.requestLog.filter((e) => e.path.endsWith('/usertoken/issue'))).toHaveLength(2);
  });

  it('explains a wrong staff password without repeating it', async () => {
    const { fake: f } = await start({ clients: many(1) });
    const source = createMemberSource({ url: f.url, apiKey: f.apiKey, siteId: f.siteId, staffUsername: f.staffUsername, staffPassword: 'hunter2-wrong', retry: CONTRACT_RETRY });
    const t = await source.test();
    expect(t.ok).toBe(false);
    expect(t.message).toMatch(/staff login/);
    expectNoSecrets(t.message, ['hunter2-wrong', f.apiKey]);
  });

  it('reports Mindbody error codes (a wrong SiteId) in plain words', async () => {
    const { fake: f } = await start({ clients: many(1) });
    const source = createMemberSource({ url: f.url, apiKey: f.apiKey, siteId: '12345', staffToken: f.staffToken, retry: CONTRACT_RETRY });
    const t = await source.test();
    expect(t.ok).toBe(false);
    expect(t.message).toMatch(/400/);
    expect(t.message).toMatch(/InvalidSiteId/);
  });

  it('keeps hostile strings as data and never trips on odd values', async () => {
    const nasty = ['<img src=x onerror=alert(1)>', "Robert'); DROP TABLE people;--", '\u202Eevil', '😀'.repeat(50), 'a'.repeat(5000)];
    const { source } = await start({ clients: nasty.map((n, i) => client(`H-${i}`, { FirstName: n, LastName: n })) });
    const records = await readAll(source);
    expect(records.map((r) => r.firstName).sort()).toEqual([...nasty].sort());
    expect(records.every((r) => r.raw.FirstName === r.firstName)).toBe(true);
  });

  it('builds from its spec, refusing to start without an API key', () => {
    expect(() => memberSourceSpec.create({ siteId: '1' }, {})).toThrow(/API key/);
    const parsed = memberSourceSpec.configSchema.parse({ siteId: ' 42 ', propertyCodes: ['1'] });
    expect(parsed).toMatchObject({ siteId: '42', propertyCodes: ['1'] });
    expect(memberSourceSpec.create(parsed, { apiKey: 'k', staffToken: 't' }).kind).toBe('member');
  });
});

async function restartWith(clients: MemberFakeClient[]) {
  await fake?.close();
  return start({ clients });
}

describe('member source against the published Mindbody v6 shapes', () => {
  it('keys members by the immutable UniqueId, so a new barcode (Id) is the same person', async () => {
    const { fake: f, source } = await start({ clients: [client('BARCODE-1', { UniqueId: 100501 }), client('BARCODE-2')] });
    const before = await readAll(source);
    const first = before.find((r) => idOf(r) === 'BARCODE-1')!;
    expect(first.externalId).toBe('100501');
    // Staff give the member a new card: Id changes, UniqueId does not.
    f.clients.upsert({ ...f.clients.get('BARCODE-1')!, Id: 'BARCODE-9' });
    const after = await readAll(source);
    expect(after.map((r) => r.externalId).sort()).toEqual(before.map((r) => r.externalId).sort());
    expect(after.find((r) => r.externalId === '100501')!.raw.Id).toBe('BARCODE-9');
  });

  it('falls back to Id for a server that leaves UniqueId out, and refuses a client with neither', async () => {
    const { clientToRecord, clientSchema } = await import('./member-wire');
    const parsed = clientSchema.parse({ Id: 'M-1', FirstName: 'Mia' });
    expect(clientToRecord({ Id: 'M-1' }, parsed).externalId).toBe('M-1');
    expect(clientToRecord({}, clientSchema.parse({ Id: 'M-1', UniqueId: 7 })).externalId).toBe('7');
    expect(clientSchema.safeParse({ FirstName: 'No ids', Id: ' ', UniqueId: null }).success).toBe(false);
  });

  it('asks with the documented parameter names: 200 a page (the maximum), inactive clients included', async () => {
    const { fake: f, source } = await start({ clients: many(3) }, { pageSize: 500 });
    await readAll(source);
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0].query).toEqual({ 'request.limit': '200', 'request.offset': '0', 'request.includeInactive': 'true' });
  });

  it('sends request.lastModifiedDate as UTC with a Z, whole seconds, at or before the last change seen', async () => {
    const { fake: f, source } = await start({ clients: [] });
    f.clients.upsert(client('A'), { modifiedAt: '2025-03-01T10:00:07.900' });
    const one = await source.changesSince!(null);
    expect(one.records.map(idOf)).toEqual(['A']);
    await source.changesSince!(one.nextToken);
    const sent = f.calls[f.calls.length - 1].query['request.lastModifiedDate'];
    expect(sent).toBe('2025-03-01T10:00:07Z');
  });

  it('reads LastModifiedDateTime with or without a zone and with .NET\'s seven-digit fractions', async () => {
    const { fake: f, source } = await start({ clients: [] });
    f.clients.upsert(client('A'), { modifiedAt: '2025-03-01T10:00:00.1234567Z' });
    f.clients.upsert(client('B'), { modifiedAt: '2025-03-01T10:00:00.1234567' });
    const one = await source.changesSince!(null);
    expect(one.records.map(idOf).sort()).toEqual(['A', 'B']);
    // Both sit exactly on the boundary and were delivered: nothing comes back twice.
    expect((await source.changesSince!(one.nextToken)).records).toEqual([]);
  });

  it('does not lose a client saved just after an empty first read on a server whose clock runs behind', async () => {
    const { fake: f, source } = await start({ clients: [] });
    const first = await source.changesSince!(null);
    expect(first.records).toEqual([]);
    // The server's clock is two minutes behind ours.
    f.clients.upsert(client('LATE'), { modifiedAt: new Date(Date.now() - 120_000).toISOString().replace(/Z$/, '') });
    const next = await source.changesSince!(first.nextToken);
    expect(next.records.map(idOf)).toEqual(['LATE']);
  });

  it('sends the staff token as is, as documented, to a server that wants exactly that', async () => {
    const { fake: f, source } = await start({ clients: many(2), authScheme: 'bare' });
    expect(await readAll(source)).toHaveLength(2);
    expect(f.calls.map((c) => c.scheme)).toEqual(['bare']);
  });

  it('switches once to "Bearer <token>" for a server that insists on it, and stays with it', async () => {
    const { fake: f, source } = await start({ clients: many(25), authScheme: 'bearer' }, { pageSize: 10 });
    expect(await readAll(source)).toHaveLength(25);
    expect(await readAll(source)).toHaveLength(25);
    expect(f.calls.map((c) => c.scheme)).toEqual(['bare', 'bearer', 'bearer', 'bearer', 'bearer', 'bearer', 'bearer']);
    expect(f.requestLog.filter((e) => e.status === 401)).toHaveLength(1);
  });

  it('sends a token pasted with its "Bearer " prefix exactly as given', async () => {
    const { fake: f } = await start({ clients: many(1), authScheme: 'bearer' });
    const source = createMemberSource({ url: f.url, apiKey: f.apiKey, siteId: f.siteId, staffToken: `Bearer ${f.staffToken}`, retry: CONTRACT_RETRY });
    expect(await readAll(source)).toHaveLength(1);
    expect(f.calls.map((c) => c.scheme)).toEqual(['bearer']);
  });

  it('signs in again before an issued token reaches its Expires, instead of waiting for a 401', async () => {
    const { fake: f } = await start({ clients: many(2), tokenLifetimeMs: 1_500 });
    const source = createMemberSource({ url: f.url, apiKey: f.apiKey, siteId: f.siteId, staffUsername: f.staffUsername, staffPassword: f.staffPassword, retry: CONTRACT_RETRY });
    expect(await readAll(source)).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 900));
    expect(await readAll(source)).toHaveLength(2);
    expect(f.requestLog.filter((e) => e.path.endsWith('/usertoken/issue'))).toHaveLength(2);
    expect(f.requestLog.filter((e) => e.status === 401)).toHaveLength(0);
  });

  it('explains a refused configured staff token (they expire) with Mindbody\'s code and no secret', async () => {
    const { fake: f } = await start({ clients: many(1) });
    const source = createMemberSource({ url: f.url, apiKey: f.apiKey, siteId: f.siteId, staffToken: 'mbt_expired_token_value', retry: CONTRACT_RETRY });
    const t = await source.test();
    expect(t.ok).toBe(false);
    expect(t.message).toMatch(/401, DeniedAccess/);
    expect(t.message).toMatch(/staff user token/);
    expect(t.message).toMatch(/staff login/);
    expectNoSecrets(t.message, ['mbt_expired_token_value', f.apiKey]);
  });

  it('pages to the end without a PaginationResponse, never stopping at a short page', async () => {
    const { fake: f, source } = await start({ clients: many(23), omitPagination: true, maxPageSize: 7 }, { pageSize: 10 });
    const records = await readAll(source);
    expect(new Set(records.map(idOf)).size).toBe(23);
    // 7 + 7 + 7 + 2, then the empty page that says "done".
    expect(f.calls).toHaveLength(5);
  });

  it('fails rather than loops when a server ignores request.offset', async () => {
    const { fake: f, source } = await start({ clients: many(30), omitPagination: true, ignoreOffset: true }, { pageSize: 10 });
    const err = await readAll(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/appears more than once/);
    expect(f.calls).toHaveLength(2);
  });
});

describe('member source, the change position', () => {
  const FAR_FUTURE = '2099-01-01T00:00:00';
  const positionOf = (token: string) => Date.parse(decodeWatermark(token)!.at);

  it('does not let a far-future LastModifiedDateTime move the change position past the read', async () => {
    const { fake: f, source } = await start({ clients: many(2) });
    f.clients.upsert(client('FUTURE'), { modifiedAt: FAR_FUTURE });
    const before = Date.now();
    const first = await source.changesSince!(null);
    expect(first.records.map(idOf).sort()).toEqual(['FUTURE', 'M-100', 'M-101']);
    expect(positionOf(first.nextToken)).toBeLessThanOrEqual(before + 1_000);

    // A change made after the read comes through the next delta (the future-dated one comes again).
    f.clients.upsert({ ...f.clients.get('M-100')!, Email: 'changed@example.com' });
    const next = await source.changesSince!(first.nextToken);
    expect(next.records.map(idOf).sort()).toEqual(['FUTURE', 'M-100']);
    expect(next.records.find((r) => idOf(r) === 'M-100')!.email).toBe('changed@example.com');
  });

  it('does not start the next delta from a server clock far ahead when the first read is empty', async () => {
    // The server's Date header says it is ten years from now.
    const { fake: f, source } = await start({ clients: [], clockOffsetMs: 10 * 365 * 24 * 3600_000 });
    const first = await source.changesSince!(null);
    expect(first.records).toEqual([]);
    expect(positionOf(first.nextToken)).toBeLessThanOrEqual(Date.now());
    f.clients.upsert(client('NEW'));
    const next = await source.changesSince!(first.nextToken);
    expect(next.records.map(idOf)).toEqual(['NEW']);
  });

  it('reads everything once when a stored position lies beyond the time of the read', async () => {
    const { fake: f, source } = await start({ clients: many(3) });
    const cs = await source.changesSince!(encodeWatermark({ at: '2099-01-01T00:00:00.000Z', ids: [] }));
    expect(cs.records).toHaveLength(3);
    expect(f.calls.at(-1)!.query['request.lastModifiedDate']).toBeUndefined();
    expect(positionOf(cs.nextToken)).toBeLessThanOrEqual(Date.now());
  });

  it('never moves the change position backwards, even when the server sends older clients', async () => {
    const { source } = await start({ clients: [client('OLD', { LastModifiedDateTime: '2025-01-01T00:00:00' })], ignoreLastModifiedDate: true });
    const at = '2025-06-01T00:00:00.000Z';
    const cs = await source.changesSince!(encodeWatermark({ at, ids: [] }));
    expect(cs.records).toEqual([]);
    expect(decodeWatermark(cs.nextToken)!.at).toBe(at);
  });
});
