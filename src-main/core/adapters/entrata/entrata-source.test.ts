import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { SourceConnector } from '../types';
import { readAll } from '../contract/read-source';
import { startFakeServer } from '../http/fake-server';
import { mapStatus } from '../../sync/status-map';
import { createEntrataSource } from './entrata-source';
import { startEntrataFake } from './fake-entrata';
import type { EntrataFake, EntrataFakeResident } from './fake-entrata';
import { entrataSourceSpec } from './index';

/** The JSON-RPC body the client sent, as the fake recorded it. */
type RpcBody = { auth: unknown; requestId: unknown; method: { name: string; version: string; params: Record<string, unknown> } };

const RETRY = { attempts: 2, baseDelayMs: 10, maxDelayMs: 100, timeoutMs: 3000 };

const base = (over: Partial<EntrataFakeResident>): EntrataFakeResident => ({
  customerId: '1',
  leaseId: '10',
  propertyId: '100',
  firstName: 'Ana',
  lastName: 'Lopez',
  email: 'ana@example.com',
  phone: '+14155550100',
  unitNumber: '101',
  buildingName: 'A',
  status: 'Current',
  ...over,
});

let fake: EntrataFake | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function start(residents: EntrataFakeResident[], extra: Parameters<typeof startEntrataFake>[0] extends infer O ? Partial<O> : never = {}) {
  fake = await startEntrataFake({ residents, ...extra });
  return fake;
}

function source(f: EntrataFake, propertyIds = ['100'], pageSize = 2): SourceConnector {
  return createEntrataSource({ url: f.url, propertyIds, credentials: { kind: 'basic', username: f.username, password: f.password }, pageSize, retry: RETRY });
}

describe('Entrata request envelope', () => {
  it('posts getLeases r1 with auth type, a fresh requestId per call, and page parameters', async () => {
    const f = await start([base({ customerId: '1', leaseId: '10' }), base({ customerId: '2', leaseId: '11' }), base({ customerId: '3', leaseId: '12' })]);
    const records = await readAll(source(f));
    expect(records).toHaveLength(3);
    const bodies = f.calls.filter((c) => c.service === 'leases').map((c) => c.body as RpcBody);
    expect(bodies).toHaveLength(2);
    for (const [i, b] of bodies.entries()) {
      expect(b.auth).toEqual({ type: 'basic' });
      expect(b.method.name).toBe('getLeases');
      expect(b.method.version).toBe('r1');
      expect(b.method.params).toEqual({ propertyId: '100', pageNo: i + 1, perPageCount: 2 });
      expect(typeof b.requestId).toBe('string');
    }
    expect(new Set(bodies.map((b) => b.requestId)).size).toBe(2);
    expect(f.calls.every((c) => c.authHeader === 'basic')).toBe(true);
  });

  it('sends the API key in X-Api-Key and says so in auth.type', async () => {
    const f = await start([base({})]);
    const c = createEntrataSource({ url: f.url, propertyIds: ['100'], credentials: { kind: 'apikey', apiKey: f.apiKey }, retry: RETRY });
    expect(await readAll(c)).toHaveLength(1);
    expect((f.calls[0].body as RpcBody).auth).toEqual({ type: 'apikey' });
    expect(f.calls[0].authHeader).toBe('apikey');
  });

  it('reads a server that answers without paging in one go', async () => {
    const f = await start([1, 2, 3, 4, 5].map((n) => base({ customerId: String(n), leaseId: String(10 + n) })), { noPaging: true });
    expect(await readAll(source(f))).toHaveLength(5);
    expect(f.calls.filter((c) => c.service === 'leases')).toHaveLength(1);
  });
});

describe('Entrata errors', () => {
  it('treats response.error inside an HTTP 200 as a failure, with Entrata\'s code and words', async () => {
    const f = await start([base({})]);
    f.rpcError({ code: 1405, message: 'Property is not active for API access.' });
    const err = await readAll(source(f)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toContain('1405');
    expect((err as Error).message).toContain('Property is not active for API access.');
    // The next read works: nothing was cached from the failed one.
    expect(await readAll(source(f))).toHaveLength(1);
  });

  it('reads a credentials error inside a 200 as a credentials problem, without echoing the password', async () => {
    const f = await start([base({})]);
    f.rpcError({ code: 113, message: `Authentication failed for password ${f.password}` });
    const t = await source(f).test();
    expect(t.ok).toBe(false);
    expect(t.message).toMatch(/credentials/);
    expect(t.message).not.toContain(f.password);
  });

  it('refuses an answer that carries another requestId', async () => {
    const server = await startFakeServer({
      token: 'x',
      authorize: () => true,
      shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
      routes: [{ method: 'POST', pattern: '/api/v1/leases', handler: () => ({ status: 200, body: { response: { requestId: 'someone-else', code: 200, result: { leases: { lease: [] } } } } }) }],
    });
    try {
      const c = createEntrataSource({ url: server.url, propertyIds: ['100'], credentials: { kind: 'basic', username: 'u', password: 'secret-pw' }, retry: RETRY });
      const err = await readAll(c).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/different request/);
    } finally {
      await server.close();
    }
  });

  it('fails the live test when a property id is not visible to the user', async () => {
    const f = await start([base({})]);
    const t = await source(f, ['100', '999']).test();
    expect(t.ok).toBe(false);
    expect(t.message).toContain('999');
    const ok = await source(f).test();
    expect(ok).toEqual({ ok: true, message: expect.stringContaining('100') });
  });
});

describe('Entrata mapping', () => {
  it('maps customers, keeps one record per person with their strongest lease, and leaves guarantors out', async () => {
    const f = await start([
      base({ customerId: '1', leaseId: '10', status: 'Past', unitNumber: '101' }),
      base({ customerId: '1', leaseId: '20', status: 'Current', unitNumber: '305' }),
      base({ customerId: '2', leaseId: '20', firstName: 'Liam', lastName: 'Kim', status: 'Current', unitNumber: '305', email: null, phone: null }),
      base({ customerId: '3', leaseId: '20', firstName: 'Gus', lastName: 'Parent', customerType: 'Guarantor', status: 'Current', unitNumber: '305' }),
    ]);
    const records = await readAll(source(f, ['100'], 1));
    const byId = new Map(records.map((r) => [r.externalId, r]));
    expect([...byId.keys()].sort()).toEqual(['1', '2']);
    expect(byId.get('1')).toMatchObject({ status: 'Current', unit: '305', siteKey: '100', type: 'resident', email: 'ana@example.com', phone: '+14155550100', tags: ['Building A'] });
    expect(byId.get('2')).toMatchObject({ firstName: 'Liam', lastName: 'Kim', email: null, phone: null, unit: '305' });
    expect((byId.get('2')!.raw as { customer: { firstName: string } }).customer.firstName).toBe('Liam');
    expect((byId.get('2')!.raw as { lease: { id: unknown } }).lease.id).toBe(20);
  });

  it('sets siteKey to each lease\'s property across several properties', async () => {
    const f = await start([base({ customerId: '1', leaseId: '10', propertyId: '100' }), base({ customerId: '2', leaseId: '11', propertyId: '200' })]);
    const records = await readAll(source(f, ['100', '200']));
    expect(Object.fromEntries(records.map((r) => [r.externalId, r.siteKey]))).toEqual({ '1': '100', '2': '200' });
  });

  it('passes Entrata status words through, and the engine maps every one', async () => {
    const words = ['Current', 'Notice', 'Future', 'Past', 'Applicant', 'Cancelled', 'Approved'];
    const f = await start(words.map((w, i) => base({ customerId: String(i + 1), leaseId: String(10 + i), status: w })));
    const records = await readAll(source(f));
    const mapped = Object.fromEntries(records.map((r) => [r.status, mapStatus(r.status)]));
    expect(mapped).toEqual({ Current: 'current', Notice: 'notice', Future: 'future', Past: 'past', Applicant: 'applicant', Cancelled: 'inactive', Approved: 'future' });
  });

  it('copes with missing optional fields (no unit, building, email or phones)', async () => {
    const f = await start([base({ unitNumber: null, buildingName: null, email: null, phone: null })]);
    const [r] = await readAll(source(f));
    expect(r).toMatchObject({ externalId: '1', unit: null, email: null, phone: null, tags: [], status: 'Current' });
  });

  it('reads "No records found" as an empty property, not a failure', async () => {
    const f = await start([base({ propertyId: '200' })], { properties: [{ id: '100', name: 'Empty' }, { id: '200', name: 'Full' }] });
    expect(await readAll(source(f, ['100']))).toEqual([]);
  });
});

describe('Entrata spec', () => {
  it('accepts comma-separated property ids and needs the password for Basic sign-in', () => {
    const config = entrataSourceSpec.configSchema.parse({ subdomain: 'acme', username: 'api', propertyCodes: '100, 200' });
    expect(config.propertyCodes).toEqual(['100', '200']);
    expect(config.authType).toBe('basic');
    expect(() => entrataSourceSpec.create(config, {})).toThrow(UpstreamError);
    expect(entrataSourceSpec.create(config, { password: 'pw' }).kind).toBe('entrata');
    expect(entrataSourceSpec.configSchema.safeParse({ propertyCodes: ['1'] }).success).toBe(false);
    expect(entrataSourceSpec.fields.find((f) => f.key === 'password')?.kind).toBe('secret');
  });
});
