import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { SourceConnector } from '../types';
import { readAll } from '../contract/read-source';
import { startFakeServer } from '../http/fake-server';
import { mapStatus } from '../../sync/status-map';
import { createMriSource, mriUserName } from './mri-source';
import { startMriFake } from './fake-mri';
import type { MriFake, MriFakeOptions, MriFakeResident } from './fake-mri';
import { mriSourceSpec } from './index';

const RETRY = { attempts: 2, baseDelayMs: 10, maxDelayMs: 100, timeoutMs: 3000 };

const fakes: MriFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function start(residents: MriFakeResident[], extra: Partial<MriFakeOptions> = {}): Promise<MriFake> {
  const f = await startMriFake({ residents, ...extra });
  fakes.push(f);
  return f;
}

function source(f: MriFake, propertyIds = ['HV01'], url = f.url): SourceConnector {
  return createMriSource({
    url,
    propertyIds,
    credentials: { clientId: f.clientId, databaseName: f.databaseName, userName: f.userName, partnerKey: f.partnerKey, password: f.password },
    retry: RETRY,
  });
}

const resident = (n: number, over: MriFakeResident = {}): MriFakeResident => ({
  NameID: String(n),
  ResidentID: `R${n}`,
  RMPropID: 'HV01',
  BuildingID: '01',
  UnitID: String(100 + n),
  FirstName: `First${n}`,
  LastName: `Last${n}`,
  Email: `p${n}@example.com`,
  Phone: '4155550100',
  Status: 'Current',
  ...over,
});

describe('MRI requests and paging', () => {
  it('asks for ResidentsByPropertyID as JSON with the composite Basic user, and follows nextLink to the end', async () => {
    const f = await start(Array.from({ length: 12 }, (_, i) => resident(i + 1)), { pageSize: 5 });
    const records = await readAll(source(f));
    expect(records.map((r) => r.externalId).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
    expect(f.queries).toHaveLength(3);
    expect(f.queries[0].get('$api')).toBe('MRI_S-PMRM_ResidentsByPropertyID');
    expect(f.queries[0].get('RMPROPID')).toBe('HV01');
    expect(f.queries[0].get('$format')).toBe('json');
    expect(f.queries.map((q) => q.get('$skip'))).toEqual([null, '5', '10']);
    expect(mriUserName(f)).toBe(`${f.clientId}/${f.databaseName}/${f.userName}/${f.partnerKey}`);
  });

  it('follows "@odata.nextLink" too, and accepts an address that already ends in /mriapiservices', async () => {
    const f = await start(Array.from({ length: 7 }, (_, i) => resident(i + 1)), { pageSize: 3, odataLinkName: true });
    expect(await readAll(source(f, ['HV01'], `${f.url}/mriapiservices/`))).toHaveLength(7);
  });

  it('refuses a nextLink that points at another host, and sends nothing there', async () => {
    const elsewhere = await start([]);
    const f = await start(Array.from({ length: 4 }, (_, i) => resident(i + 1)), { pageSize: 2, nextLinkOrigin: elsewhere.url });
    const err = await readAll(source(f)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/another address/);
    expect((err as Error).message).not.toContain(f.password);
    expect(elsewhere.requestLog).toHaveLength(0);
  });

  it('refuses a nextLink that sends it back to a page already read', async () => {
    const server = await startFakeServer({
      token: 'x',
      authorize: () => true,
      shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
      routes: [
        {
          method: 'GET',
          pattern: '/mriapiservices/api.asp',
          handler: (req) => {
            const n = Number(req.query.get('page') ?? '0');
            return { status: 200, body: { value: [resident(n + 1)], nextLink: "/mriapiservices/api.asp?page=1" } };
          },
        },
      ],
    });
    try {
      const c = createMriSource({ url: server.url, propertyIds: ['HV01'], credentials: { clientId: 'c', databaseName: 'd', userName: 'u', partnerKey: 'pkey', password: 'pword' }, retry: RETRY });
      const err = await readAll(c).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/already read/);
    } finally {
      await server.close();
    }
  });

  it('reports MRI\'s own error words when a 200 carries no resident list', async () => {
    const server = await startFakeServer({
      token: 'x',
      authorize: () => true,
      shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
      routes: [{ method: 'GET', pattern: '/mriapiservices/api.asp', handler: () => ({ status: 200, body: { error: { message: 'Invalid RMPROPID: NOPE' } } }) }],
    });
    try {
      const c = createMriSource({ url: server.url, propertyIds: ['NOPE'], credentials: { clientId: 'c', databaseName: 'd', userName: 'u', partnerKey: 'pkey', password: 'pword' }, retry: RETRY });
      const t = await c.test();
      expect(t.ok).toBe(false);
      expect(t.message).toContain('Invalid RMPROPID: NOPE');
    } finally {
      await server.close();
    }
  });
});

describe('MRI mapping', () => {
  it('passes MRI status words through, and the engine maps them', async () => {
    const words = ['Current', 'Notice', 'Future', 'Former', 'Applicant', 'Past'];
    const f = await start(words.map((w, i) => resident(i + 1, { Status: w })));
    const records = await readAll(source(f));
    expect(Object.fromEntries(records.map((r) => [r.status, mapStatus(r.status)]))).toEqual({
      Current: 'current',
      Notice: 'notice',
      Future: 'future',
      Former: 'past',
      Applicant: 'applicant',
      Past: 'past',
    });
  });

  it('sets siteKey to the RMPROPID of each resident across properties', async () => {
    const f = await start([resident(1, { RMPropID: 'HV01' }), resident(2, { RMPropID: 'HV02' })]);
    const records = await readAll(source(f, ['HV01', 'HV02']));
    expect(Object.fromEntries(records.map((r) => [r.externalId, r.siteKey]))).toEqual({ '1': 'HV01', '2': 'HV02' });
  });

  it('trims padded values, prefers the mobile number, and copes with missing optional fields', async () => {
    const f = await start([
      resident(1, { FirstName: 'Ana   ', LastName: ' Lopez ', UnitID: '0101  ', MobilePhone: '4155550199', Phone: '4155550100' }),
      { NameID: 2, RMPropID: 'HV01', FirstName: 'Liam', LastName: 'Kim' },
      { ResidentID: 'R3', RMPropID: 'HV01', FirstName: 'Mei', LastName: 'Ng', Email: '', Status: 'Current' },
    ]);
    const byId = new Map((await readAll(source(f))).map((r) => [r.externalId, r]));
    expect(byId.get('1')).toMatchObject({ firstName: 'Ana', lastName: 'Lopez', unit: '0101', phone: '4155550199', tags: ['Building 01', 'Household R1'] });
    expect(byId.get('2')).toMatchObject({ email: null, phone: null, unit: null, status: null, tags: [] });
    // No NameID: the household id is the person's id.
    expect(byId.get('R3')).toMatchObject({ firstName: 'Mei', email: null, siteKey: 'HV01' });
    expect(byId.get('1')!.raw.FirstName).toBe('Ana   ');
  });
});

describe('MRI spec', () => {
  it('validates the user parts and keeps partner key and password secret', () => {
    const config = mriSourceSpec.configSchema.parse({ baseUrl: 'https://acme.saas.mrisoftware.com', clientId: 'C1', databaseName: 'DB', userName: 'API', propertyCodes: 'HV01,HV02' });
    expect(config.propertyCodes).toEqual(['HV01', 'HV02']);
    expect(mriSourceSpec.configSchema.safeParse({ ...config, userName: 'a/b' }).success).toBe(false);
    expect(mriSourceSpec.fields.filter((f) => f.kind === 'secret').map((f) => f.key).sort()).toEqual(['partnerKey', 'password']);
    expect(() => mriSourceSpec.create(config, { password: 'x' })).toThrow(UpstreamError);
    expect(mriSourceSpec.create(config, { password: 'x', partnerKey: 'y' }).kind).toBe('mri');
  });
});

describe('MRI published shapes (audit)', () => {
  const plain = (handler: (req: { query: URLSearchParams }) => { status: number; body: unknown }) =>
    startFakeServer({
      token: 'x',
      authorize: () => true,
      shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
      routes: [{ method: 'GET', pattern: '/mriapiservices/api.asp', handler }],
    });
  const connect = (url: string, propertyIds = ['HV01']) =>
    createMriSource({ url, propertyIds, credentials: { clientId: 'c', databaseName: 'd', userName: 'u', partnerKey: 'pkey', password: 'pword' }, retry: RETRY });

  it('reads the ResidentsByPropertyID columns (ResidentNameID, RMPROPID, RMBLDGID, UNITID, RMLEASEID, Cell) and the residents-call spellings', async () => {
    const f = await start([
      { ResidentNameID: '0000007854', RMLEASEID: '00000042', RMPROPID: 'HV01', RMBLDGID: '02', UNITID: '0210 ', FirstName: 'Ana', LastName: 'Lopez', Email: 'ana@example.com', PhoneNumber: '4155550100', Cell: '4155550199', Status: 'Current' },
      { NameId: 77, PropertyId: 'HV01', UnitId: '0311', FirstName: 'Liam', LastName: 'Kim', EMailAddress: 'liam@example.com', PersonalPhone: '4155550123', NameStatus: 'Notice' },
    ]);
    const byId = new Map((await readAll(source(f))).map((r) => [r.externalId, r]));
    expect(byId.get('0000007854')).toMatchObject({ unit: '0210', phone: '4155550199', email: 'ana@example.com', siteKey: 'HV01', status: 'Current', tags: ['Building 02', 'Household 00000042'] });
    expect(byId.get('77')).toMatchObject({ unit: '0311', phone: '4155550123', email: 'liam@example.com', siteKey: 'HV01', status: 'Notice' });
  });

  it("translates MRI's one-letter status codes into words the engine maps, and passes unknown codes through", async () => {
    const f = await start([
      resident(1, { Status: 'C' }),
      resident(2, { Status: 'N' }),
      resident(3, { Status: 'F' }),
      resident(4, { Status: 'R' }),
      resident(5, { Status: undefined, ProspectApplicantResident: 'A' }),
      resident(6, { Status: 'O' }),
      // Codes that would take access away are never guessed: "A" is Active in some set-ups.
      resident(7, { Status: 'A' }),
      resident(8, { Status: 'P' }),
    ]);
    const byId = new Map((await readAll(source(f))).map((r) => [r.externalId, r.status]));
    expect([...byId.entries()].sort()).toEqual([
      ['1', 'Current'],
      ['2', 'Notice'],
      ['3', 'Future'],
      ['4', 'Resident'],
      ['5', 'Applicant'],
      ['6', 'O'],
      ['7', 'A'],
      ['8', 'P'],
    ]);
    expect(mapStatus('Resident')).toBe('current');
    expect(mapStatus('O')).toBe('unknown');
    expect(mapStatus('A')).toBe('unknown');
  });

  it('accepts a single resident object where a list is expected, and a metadata-only answer as an empty property', async () => {
    const server = await plain((req) =>
      req.query.get('RMPROPID') === 'ONE'
        ? { status: 200, body: { 'odata.metadata': 'x', value: { ResidentNameID: '9', RMPROPID: 'ONE', FirstName: 'Solo', LastName: 'Row', Status: 'Current' } } }
        : { status: 200, body: { 'odata.metadata': 'x' } },
    );
    try {
      const records = await readAll(connect(server.url, ['ONE', 'EMPTY']));
      expect(records.map((r) => [r.externalId, r.siteKey])).toEqual([['9', 'ONE']]);
    } finally {
      await server.close();
    }
  });

  it('fails a read on a 200 with an empty body instead of taking it for an empty property (or the last page)', async () => {
    const server = await plain((req) =>
      req.query.get('RMPROPID') === 'EMPTY'
        ? { status: 200, body: undefined }
        : { status: 200, body: { value: [{ ResidentNameID: '9', RMPROPID: 'ONE', FirstName: 'Solo', LastName: 'Row', Status: 'Current' }] } },
    );
    try {
      await expect(readAll(connect(server.url, ['ONE', 'EMPTY']))).rejects.toThrow(/property EMPTY.*empty/);
    } finally {
      await server.close();
    }
  });

  it('keys a row without a name id by its ResidentID as before, even when it also names the lease (RMLEASEID)', async () => {
    const server = await plain(() => ({ status: 200, body: { value: [{ ResidentID: 'R7', RMLEASEID: '00000042', RMPROPID: 'HV01', FirstName: 'Ana', LastName: 'Lopez', Status: 'Current' }] } }));
    try {
      expect((await readAll(connect(server.url))).map((r) => r.externalId)).toEqual(['R7']);
    } finally {
      await server.close();
    }
  });

  it('pages through the verbose OData shape ({ d: { results, __next } })', async () => {
    const server = await plain((req) => {
      const page = Number(req.query.get('page') ?? '0');
      const d: Record<string, unknown> = { results: [{ NameID: String(page + 1), RMPropID: 'HV01', FirstName: 'P', LastName: String(page) }] };
      if (page < 2) d.__next = `/mriapiservices/api.asp?page=${page + 1}`;
      return { status: 200, body: { d } };
    });
    try {
      expect((await readAll(connect(server.url))).map((r) => r.externalId)).toEqual(['1', '2', '3']);
    } finally {
      await server.close();
    }
  });

  it("reports the OData error envelope's message, on an error status and on a 200", async () => {
    const f = await start([]);
    const bad = createMriSource({ url: f.url, propertyIds: ['HV01'], credentials: { clientId: f.clientId, databaseName: f.databaseName, userName: f.userName, partnerKey: f.partnerKey, password: f.password }, retry: RETRY });
    // The fake answers an unknown $format with OData's error envelope; reach it through a raw call.
    const res = await fetch(`${f.url}/mriapiservices/api.asp?$api=MRI_S-PMRM_ResidentsByPropertyID&RMPROPID=HV01&$format=xml`, {
      headers: { authorization: `Basic ${Buffer.from(`${mriUserName(f)}:${f.password}`).toString('base64')}` },
    });
    expect(await res.json()).toEqual({ 'odata.error': { code: '', message: { lang: 'en-US', value: 'This fake only speaks $format=json.' } } });
    expect((await bad.test()).ok).toBe(true);
    const server = await plain(() => ({ status: 400, body: { 'odata.error': { code: '', message: { lang: 'en-US', value: 'Invalid RMPROPID NOPE' } } } }));
    try {
      const t = await connect(server.url, ['NOPE']).test();
      expect(t.ok).toBe(false);
      expect(t.message).toContain('Invalid RMPROPID NOPE');
    } finally {
      await server.close();
    }
  });

  it('falls back to "client/database/user" with the partner key in a header when the four-part user is refused, and keeps that form', async () => {
    const f = await start(Array.from({ length: 5 }, (_, i) => resident(i + 1)), { authStyle: 'header', pageSize: 2 });
    const records = await readAll(source(f));
    expect(records).toHaveLength(5);
    // One refused try of the four-part form, then three pages in the header form.
    expect(f.requestLog.map((r) => r.status)).toEqual([401, 200, 200, 200]);
    const wrong = createMriSource({ url: f.url, propertyIds: ['HV01'], credentials: { clientId: f.clientId, databaseName: f.databaseName, userName: f.userName, partnerKey: 'nope', password: f.password }, retry: RETRY });
    const t = await wrong.test();
    expect(t.ok).toBe(false);
    expect(t.message).not.toContain(f.password);
  });
});
