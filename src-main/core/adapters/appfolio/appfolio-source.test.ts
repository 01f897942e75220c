import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { SourceConnector } from '../types';
import { readAll } from '../contract/read-source';
import { mapStatus } from '../../sync/status-map';
import { createAppfolioSource } from './appfolio-source';
import { startAppfolioFake } from './fake-appfolio';
import type { AppfolioFake, AppfolioFakeOptions, AppfolioFakeTenant } from './fake-appfolio';
import { pickPhone, TENANT_DIRECTORY_PATH } from './appfolio-wire';
import { v0TenantSchema, v0TenantToRecord } from './appfolio-v0';
import { startFakeServer } from '../http/fake-server';
import { appfolioSourceSpec } from './index';

const RETRY = { attempts: 2, baseDelayMs: 10, maxDelayMs: 100, timeoutMs: 3000 };

const fakes: AppfolioFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function start(tenants: AppfolioFakeTenant[], extra: Partial<AppfolioFakeOptions> = {}): Promise<AppfolioFake> {
  const f = await startAppfolioFake({ tenants, ...extra });
  fakes.push(f);
  return f;
}

function source(f: AppfolioFake, propertyIds: string[] = []): SourceConnector {
  return createAppfolioSource({ url: f.url, clientId: f.clientId, clientSecret: f.clientSecret, propertyIds, retry: RETRY });
}

const tenant = (n: number, over: Partial<AppfolioFakeTenant> = {}): AppfolioFakeTenant => ({
  selected_tenant_id: n,
  occupancy_id: 500 + n,
  property_id: 17,
  unit: `${n}A`,
  tenant: `Last${n}, First${n}`,
  first_name: `First${n}`,
  last_name: `Last${n}`,
  emails: `t${n}@example.com`,
  phone_numbers: `Mobile: (415) 555-01${String(n).padStart(2, '0')}`,
  status: 'Current',
  ...over,
});

describe('AppFolio report requests and paging', () => {
  it('posts the tenant directory filters, then follows next_page_url to the end', async () => {
    const f = await start(Array.from({ length: 7 }, (_, i) => tenant(i + 1)), { pageSize: 3 });
    const records = await readAll(source(f, ['17']));
    expect(records.map((r) => r.externalId)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(f.bodies).toHaveLength(1);
    expect(f.bodies[0]).toMatchObject({ tenant_visibility: 'all', tenant_types: ['all'], properties: { properties_ids: ['17'] }, paginate_results: true });
    expect(f.requestLog.map((r) => r.method)).toEqual(['POST', 'GET', 'GET']);
  });

  it('refuses a next_page_url on another host, and sends nothing there', async () => {
    const elsewhere = await start([]);
    const f = await start(Array.from({ length: 4 }, (_, i) => tenant(i + 1)), { pageSize: 2, nextPageOrigin: elsewhere.url });
    const err = await readAll(source(f)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/another address/);
    expect(elsewhere.requestLog).toHaveLength(0);
  });

  it('says clearly when the client id and secret are wrong', async () => {
    const f = await start([tenant(1)]);
    const t = await createAppfolioSource({ url: f.url, clientId: f.clientId, clientSecret: 'nope-nope', retry: RETRY }).test();
    expect(t.ok).toBe(false);
    expect(t.message).toMatch(/client id and secret/);
    expect((await source(f).test()).ok).toBe(true);
  });
});

function v0Source(f: AppfolioFake, propertyIds: string[] = [], pageSize = 2): SourceConnector {
  return createAppfolioSource({ url: f.url, databaseApiUrl: f.url, developerId: f.developerId, clientId: f.clientId, clientSecret: f.clientSecret, propertyIds, pageSize, retry: RETRY });
}

describe('AppFolio report paging and answer shapes', () => {
  it('reads the bare list a report answers with when it is not paginated', async () => {
    const f = await start([tenant(1), tenant(2)]);
    // The shape AppFolio documents for paginate_results false: the rows themselves.
    const server = await startFakeServer({
      token: 'x',
      authorize: () => true,
      shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
      routes: [{ method: 'POST', pattern: TENANT_DIRECTORY_PATH, handler: () => ({ status: 200, body: f.tenants.list() }) }],
    });
    try {
      const records = await readAll(createAppfolioSource({ url: server.url, clientId: 'c', clientSecret: 's', retry: RETRY }));
      expect(records.map((r) => r.externalId)).toEqual(['1', '2']);
    } finally {
      await server.close();
    }
  });

  it('asks for the next page with POST when the server refuses GET there', async () => {
    const f = await start(Array.from({ length: 5 }, (_, i) => tenant(i + 1)), { pageSize: 2, nextPageMethods: ['POST'] });
    const records = await readAll(source(f));
    expect(records.map((r) => r.externalId)).toEqual(['1', '2', '3', '4', '5']);
    // One refused GET, then POSTs for the rest.
    expect(f.requestLog.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 200', 'GET 405', 'POST 200', 'POST 200']);
  });

  it('does not send a "changed since" filter the report does not have, and offers no changes feed without the Database API', async () => {
    const f = await start([tenant(1)]);
    const c = source(f);
    await readAll(c);
    expect(Object.keys(f.bodies[0]).some((k) => /updated/i.test(k))).toBe(false);
    expect(c.changesSince).toBeUndefined();
  });
});

describe('AppFolio Database API (v0) with filters[LastUpdatedAtFrom]', () => {
  it('lists through /api/v0/tenants with the developer id, the epoch filter, property ids and page numbers', async () => {
    const f = await start(Array.from({ length: 5 }, (_, i) => tenant(i + 1, { property_id: i < 4 ? 17 : 23 })));
    const records = await readAll(v0Source(f, ['17']));
    expect(records.map((r) => r.externalId)).toEqual(['1', '2', '3', '4']);
    expect(records[0]).toMatchObject({ firstName: 'First1', lastName: 'Last1', email: 't1@example.com', phone: '(415) 555-0101', unit: '1A', siteKey: '17', status: 'Current' });
    expect(f.v0Queries[0]).toEqual({ 'filters[LastUpdatedAtFrom]': '1970-01-01T00:00:00Z', 'filters[PropertyId]': '17', 'page[number]': '1', 'page[size]': '2' });
    expect(f.v0Queries.map((q) => q['page[number]'])).toEqual(['1', '2']);
    expect(f.bodies).toHaveLength(0);
  });

  it('pages by number when the server does not send next_page_path', async () => {
    const f = await start(Array.from({ length: 4 }, (_, i) => tenant(i + 1)), { omitNextPagePath: true });
    expect((await readAll(v0Source(f))).map((r) => r.externalId)).toEqual(['1', '2', '3', '4']);
    expect(f.v0Queries.map((q) => q['page[number]'])).toEqual(['1', '2', '3']);
  });

  it('without next_page_path, a short page (the server caps page[size]) is not taken for the end', async () => {
    const f = await start(Array.from({ length: 3 }, (_, i) => tenant(i + 1)), { omitNextPagePath: true, maxV0PageSize: 1 });
    expect((await readAll(v0Source(f))).map((r) => r.externalId)).toEqual(['1', '2', '3']);
    expect(f.v0Queries.map((q) => q['page[number]'])).toEqual(['1', '2', '3', '4']);
  });

  it('returns only tenants changed since the token, and moves the token to the latest change seen', async () => {
    const f = await start([tenant(1), tenant(2), tenant(3)]);
    const c = v0Source(f);
    const first = await c.changesSince!(null);
    expect(first.records.map((r) => r.externalId)).toEqual(['1', '2', '3']);
    const latest = Math.max(...[1, 2, 3].map((n) => Date.parse(f.tenants.updatedAt(n)!)));
    expect(first.nextToken).toBe(new Date(latest).toISOString());
    // Still in the past: a change position never moves past the moment of the read.
    const later = new Date(latest + 500).toISOString();
    f.tenants.upsert(tenant(2, { status: 'Notice' }), later);
    const second = await c.changesSince!(first.nextToken);
    expect(f.v0Queries.at(-1)).toMatchObject({ 'filters[LastUpdatedAtFrom]': first.nextToken });
    // Tenant 3 carries exactly the token's time: "from" is inclusive, so it comes once more.
    expect(second.records.map((r) => [r.externalId, r.status])).toEqual([
      ['2', 'Notice'],
      ['3', 'Current'],
    ]);
    expect(second.removedExternalIds).toEqual([]);
    expect(second.nextToken).toBe(later);
    const third = await c.changesSince!(second.nextToken);
    expect(third.records.map((r) => r.externalId)).toEqual(['2']);
    expect(third.nextToken).toBe(later);
  });

  it('a tenant who moves out arrives as Past in the delta, not as a removal', async () => {
    const f = await start([tenant(1)]);
    const c = v0Source(f);
    const { nextToken } = await c.changesSince!(null);
    f.tenants.upsert(tenant(1, { status: 'Past' }), new Date(Date.parse(nextToken) + 1000).toISOString());
    const delta = await c.changesSince!(nextToken);
    expect(delta.records[0].status).toBe('Past');
    expect(mapStatus(delta.records[0].status)).toBe('past');
  });

  it('refuses a token that is not a time', async () => {
    const f = await start([tenant(1)]);
    await expect(v0Source(f).changesSince!('not-a-time')).rejects.toBeInstanceOf(UpstreamError);
  });

  it('says clearly when the developer id is wrong', async () => {
    const f = await start([tenant(1)]);
    const t = await createAppfolioSource({ url: f.url, databaseApiUrl: f.url, developerId: 'dev_wrong', clientId: f.clientId, clientSecret: f.clientSecret, retry: RETRY }).test();
    expect(t.ok).toBe(false);
    expect(t.message).toMatch(/developer id/);
    expect((await v0Source(f).test()).ok).toBe(true);
  });
});

describe('AppFolio mapping', () => {
  it('passes status words through for the engine to map (an eviction in progress still lives there)', async () => {
    const words = ['Current', 'Notice', 'Future', 'Past', 'Evict'];
    const f = await start(words.map((w, i) => tenant(i + 1, { status: w })));
    const records = await readAll(source(f));
    expect(Object.fromEntries(records.map((r) => [r.status, mapStatus(r.status)]))).toEqual({
      Current: 'current',
      Notice: 'notice',
      Future: 'future',
      Past: 'past',
      Evict: 'notice',
    });
  });

  it('uses property_id as siteKey and reads the text-list columns', async () => {
    const f = await start([
      tenant(1, { property_id: 23, emails: 'first@example.com, second@example.com', phone_numbers: 'Home: 415 555 0001, Mobile: 415 555 0002', tenant_type: 'Occupant' }),
    ]);
    const [r] = await readAll(source(f));
    expect(r).toMatchObject({ externalId: '1', siteKey: '23', email: 'first@example.com', phone: '415 555 0002', unit: '1A', tags: ['Occupant'], type: 'resident' });
    expect(r.raw.property_id).toBe(23);
  });

  it('reads emails and phone numbers sent as JSON lists, and unit_name where unit is missing', async () => {
    const f = await start([
      tenant(1, {
        unit: undefined,
        unit_name: '7C',
        emails: ['one@example.com', 'two@example.com'],
        phone_numbers: [
          { label: 'Home', phone: '415 555 0001' },
          { label: 'Mobile', phone: '415 555 0002' },
        ],
      }),
    ]);
    const [r] = await readAll(source(f));
    expect(r).toMatchObject({ email: 'one@example.com', phone: '415 555 0002', unit: '7C' });
  });

  it('maps Database API tenants: Id, names, e-mail lists, typed phone lists, unit from the address', () => {
    const raw = {
      Id: 'a1b2c3',
      Name: 'Zoë Nguyen',
      Emails: [{ EmailAddress: 'zoe@example.com' }],
      PhoneNumbers: [
        { Type: 'Home', PhoneNumber: '415 555 0100' },
        { Type: 'Cell', PhoneNumber: '415 555 0101' },
      ],
      Status: 'Evict',
      PropertyId: 'p-9',
      Addresses: [{ Address1: '1 Main St', Address2: 'Apt 4', IsPrimary: true }],
    };
    const r = v0TenantToRecord(raw, v0TenantSchema.parse(raw));
    expect(r).toMatchObject({ externalId: 'a1b2c3', firstName: 'Zoë', lastName: 'Nguyen', email: 'zoe@example.com', phone: '415 555 0101', unit: 'Apt 4', status: 'Evict', siteKey: 'p-9' });
    expect(mapStatus(r.status)).toBe('notice');
  });

  it('copes with missing optional fields and falls back to the tenant column for names', async () => {
    const f = await start([{ selected_tenant_id: 'T-9', property_id: 17, status: 'Current', tenant: 'Nguyen, Zoë' }]);
    const [r] = await readAll(source(f));
    expect(r).toMatchObject({ externalId: 'T-9', firstName: 'Zoë', lastName: 'Nguyen', email: null, phone: null, unit: null, tags: [] });
    expect(pickPhone('(415) 555-0100')).toBe('(415) 555-0100');
  });
});

describe('AppFolio spec', () => {
  it('builds from the database name and keeps the client secret secret', () => {
    const config = appfolioSourceSpec.configSchema.parse({ database: 'acme', clientId: 'cid', propertyCodes: '17, 23' });
    expect(config.propertyCodes).toEqual(['17', '23']);
    expect(appfolioSourceSpec.configSchema.safeParse({ clientId: 'cid' }).success).toBe(false);
    expect(appfolioSourceSpec.fields.filter((f) => f.kind === 'secret').map((f) => f.key)).toEqual(['clientSecret']);
    expect(() => appfolioSourceSpec.create(config, {})).toThrow(UpstreamError);
    expect(appfolioSourceSpec.create(config, { clientSecret: 's' }).kind).toBe('appfolio');
    // A developer id switches to the Database API, which has the changes feed.
    const withDev = appfolioSourceSpec.configSchema.parse({ database: 'acme', clientId: 'cid', developerId: 'dev1' });
    expect(appfolioSourceSpec.create(withDev, { clientSecret: 's' }).changesSince).toBeTypeOf('function');
    expect(appfolioSourceSpec.create(config, { clientSecret: 's' }).changesSince).toBeUndefined();
  });
});

describe('AppFolio Database API, the change position', () => {
  const FAR_FUTURE = '2099-01-01T00:00:00.000Z';

  it('does not let a far-future LastUpdatedAt move the change position past the read', async () => {
    const f = await start([tenant(1), tenant(2)]);
    f.tenants.upsert(tenant(3), FAR_FUTURE);
    const c = v0Source(f);
    const before = Date.now();
    const first = await c.changesSince!(null);
    expect(first.records.map((r) => r.externalId)).toEqual(['1', '2', '3']);
    expect(Date.parse(first.nextToken)).toBeLessThanOrEqual(before + 1_000);
    expect(first.nextToken).toBe(f.tenants.updatedAt(2));

    // A change made after the read comes through the next delta (the future-dated one comes again).
    f.tenants.upsert(tenant(1, { status: 'Notice' }));
    const next = await c.changesSince!(first.nextToken);
    expect(next.records.map((r) => [r.externalId, r.status])).toContainEqual(['1', 'Notice']);
    expect(next.records.map((r) => r.externalId)).toContain('3');
  });

  it('does not start the next delta from a server clock far ahead when the first read is empty', async () => {
    // The server's Date header says it is ten years from now.
    const f = await start([], { clockOffsetMs: 10 * 365 * 24 * 3600_000 });
    const c = v0Source(f);
    const first = await c.changesSince!(null);
    expect(first.records).toEqual([]);
    expect(Date.parse(first.nextToken)).toBeLessThanOrEqual(Date.now());
    f.tenants.upsert(tenant(1));
    expect((await c.changesSince!(first.nextToken)).records.map((r) => r.externalId)).toEqual(['1']);
  });

  it('reads everything once when a stored position lies beyond the time of the read', async () => {
    const f = await start([tenant(1), tenant(2)]);
    const cs = await v0Source(f).changesSince!(FAR_FUTURE);
    expect(cs.records.map((r) => r.externalId)).toEqual(['1', '2']);
    expect(f.v0Queries.at(-1)!['filters[LastUpdatedAtFrom]']).not.toBe(FAR_FUTURE);
    expect(Date.parse(cs.nextToken)).toBeLessThanOrEqual(Date.now());
  });

  it('never moves the change position backwards when the server sends older tenants', async () => {
    const f = await start([tenant(1), tenant(2)], { ignoreLastUpdatedAtFrom: true });
    // Both tenants were last updated a second or two before this position.
    const at = new Date(Date.parse(f.tenants.updatedAt(2)!) + 1_000).toISOString();
    const cs = await v0Source(f).changesSince!(at);
    expect(cs.nextToken).toBe(at);
  });
});
