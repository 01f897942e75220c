import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { SourceConnector } from '../types';
import { readAll } from '../contract/read-source';
import { mapStatus } from '../../sync/status-map';
import { createAppfolioSource } from './appfolio-source';
import { startAppfolioFake } from './fake-appfolio';
import type { AppfolioFake, AppfolioFakeOptions, AppfolioFakeTenant } from './fake-appfolio';
import { pickPhone } from './appfolio-wire';
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
    expect(f.bodies[0]).not.toHaveProperty('LastUpdatedAtFrom');
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

describe('AppFolio LastUpdatedAtFrom delta', () => {
  it('returns only tenants changed since the token, and moves the token to the latest change seen', async () => {
    const f = await start([tenant(1), tenant(2), tenant(3)]);
    const c = source(f);
    const first = await c.changesSince!(null);
    expect(first.records.map((r) => r.externalId)).toEqual(['1', '2', '3']);
    const latest = Math.max(...f.tenants.list().map((t) => Date.parse(String(t.last_updated_at))));
    expect(first.nextToken).toBe(new Date(latest).toISOString());

    const later = new Date(latest + 60_000).toISOString();
    f.tenants.upsert(tenant(2, { status: 'Notice' }), later);
    const second = await c.changesSince!(first.nextToken);
    expect(f.bodies.at(-1)).toMatchObject({ LastUpdatedAtFrom: first.nextToken, tenant_visibility: 'all' });
    // Tenant 3 carries exactly the token's time: "from" is inclusive, so it comes once more.
    expect(second.records.map((r) => [r.externalId, r.status])).toEqual([
      ['2', 'Notice'],
      ['3', 'Current'],
    ]);
    expect(second.removedExternalIds).toEqual([]);
    expect(second.nextToken).toBe(later);

    // Nothing newer: the boundary tenant comes back (the filter is "from", inclusive) and the token holds.
    const third = await c.changesSince!(second.nextToken);
    expect(third.records.map((r) => r.externalId)).toEqual(['2']);
    expect(third.nextToken).toBe(later);
  });

  it('a tenant who moves out arrives as Past in the delta, not as a removal', async () => {
    const f = await start([tenant(1)]);
    const c = source(f);
    const { nextToken } = await c.changesSince!(null);
    f.tenants.upsert(tenant(1, { status: 'Past' }), new Date(Date.parse(nextToken) + 1000).toISOString());
    const delta = await c.changesSince!(nextToken);
    expect(delta.records[0].status).toBe('Past');
    expect(mapStatus(delta.records[0].status)).toBe('past');
  });

  it('refuses a token that is not a time', async () => {
    const f = await start([tenant(1)]);
    await expect(source(f).changesSince!('not-a-time')).rejects.toBeInstanceOf(UpstreamError);
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
  });
});
