import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { SourceConnector } from '../types';
import { readAll } from '../contract/read-source';
import { startFakeServer } from '../http/fake-server';
import { mapStatus } from '../../sync/status-map';
import { createEntrataSource, entrataGatewayUrlFor, serviceRoots } from './entrata-source';
import { leaseToRecords, leasesResultSchema } from './entrata-wire';
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
  it('posts getLeases r1 to /api/v1/leases with auth type, a fresh requestId per call, and page_no / per_page in the query', async () => {
    const f = await start([base({ customerId: '1', leaseId: '10' }), base({ customerId: '2', leaseId: '11' }), base({ customerId: '3', leaseId: '12' })]);
    const records = await readAll(source(f));
    expect(records).toHaveLength(3);
    const calls = f.calls.filter((c) => c.service === 'leases');
    // Two pages of leases, then the empty page that ends the list (a short page alone does not).
    expect(calls).toHaveLength(3);
    for (const [i, c] of calls.entries()) {
      const b = c.body as RpcBody;
      expect(c.path).toBe('/api/v1/leases');
      // Entrata pages in the query string; the method params carry only the filters.
      expect(c.query).toEqual({ page_no: String(i + 1), per_page: '2' });
      expect(b.auth).toEqual({ type: 'basic' });
      expect(b.method.name).toBe('getLeases');
      expect(b.method.version).toBe('r1');
      expect(b.method.params).toEqual({ propertyId: '100' });
      // Entrata's examples use integer request ids.
      expect(Number.isInteger(b.requestId)).toBe(true);
    }
    expect(new Set(calls.map((c) => (c.body as RpcBody).requestId)).size).toBe(3);
    expect(f.calls.every((c) => c.authHeader === 'basic')).toBe(true);
  });

  it('falls back to the older /api/<service> path when /api/v1 is not there, and stays on it', async () => {
    const f = await start([base({ customerId: '1', leaseId: '10' }), base({ customerId: '2', leaseId: '11' }), base({ customerId: '3', leaseId: '12' })], { legacyPathsOnly: true });
    const c = source(f);
    expect((await c.test()).ok).toBe(true);
    expect(await readAll(c)).toHaveLength(3);
    expect(f.requestLog.map((x) => `${x.path} ${x.status}`)).toEqual(['/api/v1/properties 404', '/api/properties 200', '/api/leases 200', '/api/leases 200', '/api/leases 200']);
  });

  it('reads every page from a server that caps per_page below what was asked, without a pagination block', async () => {
    // Asked for 2 a page, sent 1 a page: stopping at the first short page would drop two people
    // from a complete read, and the engine would disable them.
    const f = await start([base({ customerId: '1', leaseId: '10' }), base({ customerId: '2', leaseId: '11' }), base({ customerId: '3', leaseId: '12' })], { maxPageSize: 1 });
    const records = await readAll(source(f));
    expect(records.map((r) => r.externalId).sort()).toEqual(['1', '2', '3']);
  });

  it('ends the list where a server refuses the page number, and fails a read refused for any other reason', async () => {
    const three = [base({ customerId: '1', leaseId: '10' }), base({ customerId: '2', leaseId: '11' }), base({ customerId: '3', leaseId: '12' })];
    const strict = await start(three, { pastEndError: true });
    expect((await readAll(source(strict))).map((r) => r.externalId).sort()).toEqual(['1', '2', '3']);
    // Two leases fill the first page exactly; "page_no 2 is out of range" still marks the end.
    const exact = await start(three.slice(0, 2), { pastEndError: true });
    expect((await readAll(source(exact))).map((r) => r.externalId).sort()).toEqual(['1', '2']);
    // A refusal that says nothing of pages, after a full page, fails the read: nobody is taken for gone.
    const refusing = await start(three.slice(0, 2), { pastEndError: true, pastEndMessage: 'Request validation failed.' });
    await expect(readAll(source(refusing))).rejects.toThrow(/Request validation failed/);
  });

  it('uses an address that already names the API root as it is (the API-key gateway)', async () => {
    const f = await start([base({})]);
    const c = createEntrataSource({ url: `${f.url}/ext/orgs/acme/v1`, propertyIds: ['100'], credentials: { kind: 'apikey', apiKey: f.apiKey }, retry: RETRY });
    expect(await readAll(c)).toHaveLength(1);
    expect(f.calls[0].path).toBe('/ext/orgs/acme/v1/leases');
    expect(serviceRoots('https://acme.entrata.com').roots).toEqual(['/api/v1', '/api']);
    expect(serviceRoots(entrataGatewayUrlFor('Acme')).roots).toEqual(['/ext/orgs/acme/v1']);
  });

  it('asks for r2 when the server no longer takes r1, once', async () => {
    const f = await start([base({ customerId: '1', leaseId: '10' }), base({ customerId: '2', leaseId: '11' }), base({ customerId: '3', leaseId: '12' })], { versions: ['r2'] });
    expect(await readAll(source(f))).toHaveLength(3);
    const versions = f.calls.map((c) => (c.body as RpcBody).method.version);
    expect(versions).toEqual(['r1', 'r2', 'r2', 'r2']);
  });

  it('stops when a server ignores page_no and sends the same full page again', async () => {
    const f = await start([base({ customerId: '1', leaseId: '10' }), base({ customerId: '2', leaseId: '11' })], { noPaging: true });
    expect(await readAll(source(f))).toHaveLength(2);
    expect(f.calls.filter((c) => c.service === 'leases')).toHaveLength(2);
  });

  it('checks a pagination block with a total when the server sends one', async () => {
    const f = await start([1, 2, 3, 4, 5].map((n) => base({ customerId: String(n), leaseId: String(10 + n) })), { paginationBlock: true });
    expect(await readAll(source(f))).toHaveLength(5);
    expect(f.calls.filter((c) => c.service === 'leases')).toHaveLength(3);
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

  it('reads an error list or a bare error sentence as Entrata\'s error', async () => {
    for (const error of [[{ code: 1405, message: 'Property is not active for API access.' }], 'Property is not active for API access.']) {
      const server = await startFakeServer({
        token: 'x',
        authorize: () => true,
        shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
        routes: [{ method: 'POST', pattern: '/api/v1/leases', handler: () => ({ status: 200, body: { response: { requestId: 15, error } } }) }],
      });
      try {
        const c = createEntrataSource({ url: server.url, propertyIds: ['100'], credentials: { kind: 'basic', username: 'u', password: 'secret-pw' }, retry: RETRY });
        const err = await readAll(c).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UpstreamError);
        expect((err as Error).message).toContain('Property is not active for API access.');
      } finally {
        await server.close();
      }
    }
  });

  it('reads a "no leases found" error on a read as an empty property', async () => {
    const f = await start([base({ propertyId: '200' })], { properties: [{ id: '100', name: 'Empty' }, { id: '200', name: 'Full' }], emptyAs: 'error' });
    expect(await readAll(source(f, ['100']))).toEqual([]);
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

  it('reads one-element lists sent as bare objects (XML conversion) and bare arrays without wrappers', async () => {
    for (const listStyle of ['xml', 'bare'] as const) {
      const f = await start([base({ customerId: '1', leaseId: '10' }), base({ customerId: '2', leaseId: '11', unitNumber: '202' })], { listStyle });
      const records = await readAll(source(f, ['100'], 1));
      expect(records.map((r) => [r.externalId, r.unit, r.phone])).toEqual([
        ['1', '101', '+14155550100'],
        ['2', '202', '+14155550100'],
      ]);
      await f.close();
      fake = null;
    }
  });

  it('picks the mobile number among several phones, and falls back to nameFull for names', async () => {
    const f = await start([
      base({
        phone: null,
        phones: [
          { type: 'Home', number: '+14155550001' },
          { type: 'Mobile', number: '+14155550002' },
          { type: 'Office', number: '+14155550003' },
        ],
      }),
    ]);
    const [r] = await readAll(source(f));
    expect(r.phone).toBe('+14155550002');
    const lease = { id: 1, customers: { customer: { id: 7, nameFull: 'Lopez, Ana', email: 'a@example.com' } } };
    const parsed = leasesResultSchema.parse({ leases: { lease } });
    const [rec] = leaseToRecords(parsed.leases.lease[0], lease, '100');
    expect(rec).toMatchObject({ externalId: '7', firstName: 'Ana', lastName: 'Lopez', email: 'a@example.com', siteKey: '100' });
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
  it('sends API-key connections to the gateway address by default', async () => {
    const config = entrataSourceSpec.configSchema.parse({ subdomain: 'acme', authType: 'apikey', propertyCodes: '100' });
    const c = entrataSourceSpec.create(config, { apiKey: 'k' }, { retry: { attempts: 1, timeoutMs: 500 } });
    // Nothing listens there in a test; the error names the address that was tried.
    const t = await c.test();
    expect(t.ok).toBe(false);
    expect(t.message).toContain('apis.entrata.com');
  });

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
