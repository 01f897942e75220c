import { afterEach, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { UpstreamError } from '../types';
import type { SourceConnector } from '../types';
import { mapStatus } from '../../sync/status-map';
import { failure, readAll, readPages } from '../contract/read-source';
import { startYardiFake } from './fake-yardi';
import type { YardiFake, YardiFakeOptions, YardiFakeResident } from './fake-yardi';
import { createYardiSource } from './yardi-source';
import type { YardiSourceOptions } from './yardi-source';
import { GET_RESIDENTS_ACTION, YARDI_NS } from './yardi-wire';
import { soapFaultEnvelope } from './soap';
import { yardiSourceSpec } from './index';

const RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 200, timeoutMs: 5_000 };

let fake: YardiFake | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const resident = (id: string, extra: Partial<YardiFakeResident> = {}): YardiFakeResident => ({
  id,
  propertyId: 'hva01',
  firstName: 'Ana',
  lastName: 'Lopez',
  email: `${id}@example.com`,
  phone: '+14155550100',
  unit: '101',
  status: 'Current',
  ...extra,
});

async function start(opts: YardiFakeOptions, over: Partial<YardiSourceOptions> = {}): Promise<{ fake: YardiFake; source: SourceConnector }> {
  fake = await startYardiFake(opts);
  const source = createYardiSource({
    url: fake.url,
    propertyIds: ['hva01'],
    username: fake.username,
    password: fake.password,
    serverName: fake.serverName,
    database: fake.database,
    platform: fake.platform,
    interfaceEntity: fake.interfaceEntity,
    interfaceLicense: fake.interfaceLicense,
    retry: RETRY,
    ...over,
  });
  return { fake, source };
}

/** A hand-written GetResidents answer, as a Voyager server would send it. */
const envelope = (resultInner: string) =>
  `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body>
    <GetResidentsResponse xmlns="${YARDI_NS}">
      <GetResidentsResult>${resultInner}</GetResidentsResult>
    </GetResidentsResponse>
  </s:Body>
</s:Envelope>`;

describe('Yardi Voyager GetResidents', () => {
  it('sends a SOAP 1.1 GetResidents envelope with the credentials in the body, in Yardi order', async () => {
    // A password with XML's special characters must arrive intact, not break the envelope.
    const { fake, source } = await start({ residents: [resident('t001')], password: `p<&>"'w0rd` });
    await readAll(source);
    const sent = fake.received.at(-1)!;
    expect(sent.soapAction).toBe(GET_RESIDENTS_ACTION);
    expect(fake.requestLog.at(-1)).toMatchObject({ method: 'POST', status: 200 });
    expect(sent.contentType).toBe('text/xml; charset=utf-8');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, preserveOrder: false }).parse(sent.body);
    const body = doc['soap:Envelope']['soap:Body'];
    expect(doc['soap:Envelope']['@_xmlns:soap']).toBe('http://schemas.xmlsoap.org/soap/envelope/');
    expect(body.GetResidents['@_xmlns']).toBe(YARDI_NS);
    const op = body.GetResidents;
    expect(Object.keys(op).filter((k) => !k.startsWith('@_'))).toEqual([
      'UserName',
      'Password',
      'ServerName',
      'Database',
      'Platform',
      'YardiPropertyId',
      'InterfaceEntity',
      'InterfaceLicense',
    ]);
    expect(op.Password).toBe(`p<&>"'w0rd`);
    expect(op.YardiPropertyId).toBe('hva01');
    expect(op.Platform).toBe('SQL Server');
  });

  it('maps MITS customers: tenant code, name, email, preferred phone, unit, and the property as siteKey', async () => {
    const { source } = await start({
      residents: [resident('t001', { firstName: 'José', lastName: "O'Brien", phone: '4155550123', phoneType: 'home', unit: '12B' })],
    });
    const [r] = await readAll(source);
    expect(r).toMatchObject({
      externalId: 't001',
      firstName: 'José',
      lastName: "O'Brien",
      email: 't001@example.com',
      phone: '4155550123',
      unit: '12B',
      status: 'Current',
      type: 'resident',
      siteKey: 'hva01',
    });
    // raw is the Customer as received, attributes included.
    expect(JSON.stringify(r.raw)).toContain('ResidentID');
  });

  it('reads each property in its own call, one page each, keyed by that property', async () => {
    const { fake, source } = await start(
      { residents: [resident('t001'), resident('t002', { propertyId: 'hva02' }), resident('t003', { propertyId: 'hva02' })] },
      { propertyIds: ['hva01', 'HVA02'] },
    );
    const got = await readPages(source);
    expect(got.map((p) => p.map((r) => [r.externalId, r.siteKey]))).toEqual([[['t001', 'hva01']], [['t002', 'HVA02'], ['t003', 'HVA02']]]);
    expect(fake.received).toHaveLength(2);
    const t = await source.test();
    expect(t).toMatchObject({ ok: true });
    expect(t.message).toMatch(/\(2 properties\): 3 resident records on file/);
  });

  it("passes Yardi's status words on in a form the sync engine maps", async () => {
    const words = ['Current', 'Notice', 'Future', 'Past', 'Applicant', 'Denied', 'Canceled', 'Eviction'];
    const { source } = await start({ residents: words.map((status, i) => resident(`t${i}`, { status })) });
    const byId = new Map((await readAll(source)).map((r) => [r.externalId, r]));
    const mapped = words.map((_, i) => mapStatus(byId.get(`t${i}`)!.status));
    expect(mapped).toEqual(['current', 'notice', 'future', 'past', 'applicant', 'inactive', 'inactive', 'notice']);
    // Yardi's own word is kept in raw.
    expect(byId.get('t5')!.raw.Status).toBe('Denied');
  });

  it('reads a result sent as a string of escaped XML the same way', async () => {
    const { source } = await start({ resultAsString: true, residents: [resident('t001', { firstName: 'Zoë', lastName: 'Müller & Sons' })] });
    const [r] = await readAll(source);
    expect(r).toMatchObject({ externalId: 't001', firstName: 'Zoë', lastName: 'Müller & Sons', siteKey: 'hva01' });
  });

  it('decodes entities, character references, CDATA and any namespace prefix', async () => {
    const { fake, source } = await start({});
    fake.serveRawOnce(
      envelope(`<MITS-ResidentData xmlns="">
        <Property>
          <PropertyID><Identification IDType="PropertyID" IDValue="HVA01"/></PropertyID>
          <Customers>
            <Customer Type="resident">
              <Identification IDType="ProspectID" IDValue="p77"/>
              <Identification IDType="Resident ID" IDValue="t&amp;9"/>
              <Name><FirstName><![CDATA[José]]></FirstName><LastName>O&apos;Brien</LastName></Name>
              <Address AddressType="current"><Email><![CDATA[jose.obrien@example.com]]></Email></Address>
              <Phone PhoneType="fax"><PhoneNumber>000</PhoneNumber></Phone>
              <Phone PhoneType="office"><PhoneNumber>(415) 555-0199</PhoneNumber></Phone>
              <Status>Notice</Status>
              <Lease><UnitID>B&#246;12</UnitID></Lease>
            </Customer>
            <Customer>
              <Identification IDType="ResidentID" IDValue="t10"/>
              <Name><FirstName>Zo&#xEB;</FirstName><LastName>van der Berg</LastName></Name>
              <Status>Future</Status>
            </Customer>
            <Customer Type="former resident">
              <Identification IDType="ResidentID" IDValue="t11"/>
              <Name><FirstName>Omar</FirstName><LastName>Okafor</LastName></Name>
            </Customer>
            <Customer Type="resident">
              <Identification IDType="ResidentID" IDValue="t12"/>
              <Name><FirstName>Mei</FirstName><LastName>Kim</LastName></Name>
            </Customer>
          </Customers>
        </Property>
      </MITS-ResidentData>`),
    );
    const records = await readAll(source);
    expect(records.map((r) => [r.externalId, r.firstName, r.lastName, r.email, r.phone, r.unit, r.status])).toEqual([
      ['t&9', 'José', "O'Brien", 'jose.obrien@example.com', '(415) 555-0199', 'Bö12', 'Notice'],
      ['t10', 'Zoë', 'van der Berg', null, null, null, 'Future'],
      // A MITS customer type that names a status is one; a bare role is not, and no status is "Unknown".
      ['t11', 'Omar', 'Okafor', null, null, null, 'former resident'],
      ['t12', 'Mei', 'Kim', null, null, null, 'Unknown'],
    ]);
  });

  it('refuses bad credentials with a clear message that names no secret, without retrying', async () => {
    const { fake, source } = await start({ residents: [resident('t001')] }, { password: 'not-the-password' });
    const t = await source.test();
    expect(t.ok).toBe(false);
    expect(t.message).toMatch(/refused the credentials \(401\).*Invalid user name, password/);
    expect(t.message).not.toContain('not-the-password');
    expect(t.message).not.toContain(fake.interfaceLicense);
    const err = await failure(readAll(source));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err!.retryable).toBe(false);
    expect(fake.requestLog.map((e) => e.status)).toEqual([401, 401]);
  });

  it("reports Yardi's error-in-the-result answer (HTTP 200 with an error Message) as a failure", async () => {
    const { fake, source } = await start({ residents: [resident('t001')] }, { propertyIds: ['zz99'] });
    const err = await failure(readAll(source));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err!.message).toMatch(/refused the request for property zz99: "Invalid Yardi Property Id: zz99"/);
    expect(err!.message).toMatch(/property id/);
    expect(fake.requestLog).toHaveLength(1);
    const t = await source.test();
    expect(t.ok).toBe(false);
  });

  it('turns a soap:Client fault into a clear error and does not send the request again', async () => {
    const { fake, source } = await start({ residents: [resident('t001')] });
    // A server that echoes the request into its fault must not leak the license through us.
    fake.serveRawOnce(soapFaultEnvelope('soap:Client', `Interface license ${fake.interfaceLicense} has expired`), 500);
    const err = await failure(readAll(source));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err!.message).toContain('Interface license ••• has expired');
    expect(err!.message).not.toContain(fake.interfaceLicense);
    expect(fake.requestLog).toHaveLength(1);
  });

  it('retries a soap:Server fault and then returns the full list', async () => {
    const { fake, source } = await start({ residents: [resident('t001'), resident('t002')] });
    fake.serveRawOnce(soapFaultEnvelope('soap:Server', 'Server was unable to process request. ---> Timeout expired.'), 500);
    expect((await readAll(source)).map((r) => r.externalId)).toEqual(['t001', 't002']);
    expect(fake.requestLog.map((e) => e.status)).toEqual([500, 200]);
  });

  it('names the fault when the server keeps failing', async () => {
    const { fake, source } = await start({ residents: [resident('t001')] });
    fake.misbehave({ status: 503, times: Infinity });
    const err = await failure(readAll(source));
    expect(err!.message).toMatch(/SOAP fault \(503, soap:Server\) after 3 tries/);
    expect(err!.retryable).toBe(true);
  });

  it('refuses an answer for another property, a cut-off answer and a DTD', async () => {
    const { fake, source } = await start({ residents: [resident('t001')] });
    fake.serveRawOnce(envelope('<MITS-ResidentData><Property><PropertyID><Identification IDValue="other7"/></PropertyID><Customers/></Property></MITS-ResidentData>'));
    expect((await failure(readAll(source)))!.message).toMatch(/is for property other7, not hva01/);

    fake.misbehave({ truncate: true });
    expect((await failure(readAll(source)))!.message).toMatch(/not complete XML .*cut off/);

    const bomb = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>${envelope('&b;').replace(/^<\?xml[^>]*>/, '')}`;
    fake.serveRawOnce(bomb);
    expect((await failure(readAll(source)))!.message).toMatch(/document type declaration/);
  });

  it('survives a hostile huge field: mapped values are bounded, raw is cut, the read completes', async () => {
    const huge = 'A'.repeat(1024 * 1024);
    const { source } = await start({ residents: [resident('t001', { firstName: huge, unit: huge }), resident('t002')] });
    const records = await readAll(source);
    const r = records.find((x) => x.externalId === 't001')!;
    expect(r.firstName!.length).toBeLessThanOrEqual(100);
    expect(r.unit!.length).toBeLessThanOrEqual(40);
    expect(JSON.stringify(r.raw).length).toBeLessThan(5_000);
    expect(records).toHaveLength(2);
  });

  it('refuses a resident id that is not a tenant code', async () => {
    const { source } = await start({ residents: [resident('x'.repeat(500))] });
    expect((await failure(readAll(source)))!.message).toMatch(/customer 1 has a resident id of 500 characters/);
  });
});

describe('Yardi Voyager connection settings', () => {
  it('validates the config and builds a connector from it and the secrets', async () => {
    const { fake } = await start({ residents: [resident('t001'), resident('t002', { propertyId: 'hva02' })] });
    const config = yardiSourceSpec.configSchema.parse({
      url: fake.url,
      propertyIds: 'hva01, hva02',
      username: fake.username,
      serverName: fake.serverName,
      database: fake.database,
      interfaceEntity: fake.interfaceEntity,
      propertyCodes: ['hva01'],
    });
    expect(config.platform).toBe('SQL Server');
    const source = yardiSourceSpec.create(config, { password: fake.password, interfaceLicense: fake.interfaceLicense }, { retry: RETRY });
    expect((await readAll(source)).map((r) => r.siteKey)).toEqual(['hva01', 'hva02']);
    expect(yardiSourceSpec.fields.filter((f) => f.kind === 'secret').map((f) => f.key)).toEqual(['password', 'interfaceLicense']);
    expect(yardiSourceSpec.configSchema.safeParse({ ...config, propertyIds: ' , ' }).success).toBe(false);
  });
});
