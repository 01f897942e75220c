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
import { GET_RESIDENTS_ACTION, YARDI_NS, personIdOf } from './yardi-wire';
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

  it("maps GetResidents' own layout (PropertyResidents/Residents/Resident @tCode): code, name, email, phone, unit, property as siteKey", async () => {
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
    // raw is the Resident as received, attributes included.
    expect(r.raw['@_tCode']).toBe('t001');
    expect(r.raw.UnitCode).toBe('12B');
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

  it('reads the MITS customer layout too: entities, character references, CDATA and any namespace prefix', async () => {
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
    expect((await failure(readAll(source)))!.message).toMatch(/resident 1 has a resident code of 500 characters/);
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

describe('Yardi Voyager: the shapes Voyager publishes', () => {
  it('lists roommates (OtherOccupants/OtherOccupant @Code) as people of their own, on the holder’s lease', async () => {
    const { fake, source } = await start({
      residents: [
        resident('t001', { unit: '4C', status: 'Notice' }),
        resident('r001', { householdId: 't001', firstName: 'Liam', email: 'liam@example.com', phone: null, unit: null, status: 'ignored' }),
        resident('r002', { householdId: 't001', firstName: 'Noor', email: null, phone: null, unit: null, status: 'ignored', moveOutDate: '03/31/2001' }),
        // "1/1/1900" is how some exports say "no date": no move-out, so no lock-out.
        resident('r003', { householdId: 't001', firstName: 'Ivo', email: 'ivo@example.com', phone: null, unit: null, status: 'ignored', moveOutDate: '1/1/1900' }),
      ],
    });
    const records = await readAll(source);
    expect(records.map((r) => [r.externalId, r.firstName, r.email, r.unit, r.status])).toEqual([
      ['t001', 'Ana', 't001@example.com', '4C', 'Notice'],
      // A roommate shares the holder's status and unit.
      ['r001', 'Liam', 'liam@example.com', '4C', 'Notice'],
      // One whose own move-out date has passed has left, though the lease goes on.
      ['r002', 'Noor', null, '4C', 'Past'],
      ['r003', 'Ivo', 'ivo@example.com', '4C', 'Notice'],
    ]);
    expect(records.map((r) => mapStatus(r.status))).toEqual(['notice', 'notice', 'past', 'notice']);
    // The roommate is nested under the holder on the wire, as GetResidents sends it.
    expect(fake.requestLog).toHaveLength(1);
    expect(records[1].raw['@_Code']).toBe('r001');
  });

  it('still reads a server that answers with the MITS Property/Customers layout', async () => {
    const { source } = await start({ shape: 'customers', residents: [resident('t001', { unit: '7A' }), resident('t002', { status: 'Future' })] });
    expect((await readAll(source)).map((r) => [r.externalId, r.unit, r.status, r.siteKey])).toEqual([
      ['t001', '7A', 'Current', 'hva01'],
      ['t002', '101', 'Future', 'hva01'],
    ]);
  });

  it('reads one Resident as a list of one, an empty Residents as nobody, any prefix, and a BOM', async () => {
    const { fake, source } = await start({});
    fake.serveRawOnce(
      `\uFEFF<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
  <y:GetResidentsResponse xmlns:y="${YARDI_NS}"><y:GetResidentsResult>
    <MITS-ResidentData><PropertyResidents><Residents>
      <Resident tCode="t0042"><Status>Current</Status><FirstName>Zoë</FirstName><LastName>Ng</LastName>
        <Email>zoe@example.com</Email><Phone type="fax"><PhoneNumber>1</PhoneNumber></Phone><Phone type="home"><PhoneNumber>4155550142</PhoneNumber></Phone>
        <UnitCode>0210</UnitCode><MoveInDate>01/15/2024</MoveInDate></Resident>
    </Residents></PropertyResidents></MITS-ResidentData>
  </y:GetResidentsResult></y:GetResidentsResponse></soap:Body></soap:Envelope>`,
    );
    const [r] = await readAll(source);
    expect(r).toMatchObject({ externalId: 't0042', firstName: 'Zoë', email: 'zoe@example.com', phone: '4155550142', unit: '0210', status: 'Current' });

    fake.serveRawOnce(envelope('<MITS-ResidentData><PropertyResidents><Residents/></PropertyResidents></MITS-ResidentData>'));
    expect(await readAll(source)).toEqual([]);
  });

  it('parses a result sent as escaped XML inside CDATA a second time', async () => {
    const { fake, source } = await start({});
    const inner = '<MITS-ResidentData><PropertyResidents><Residents><Resident tCode="t9"><Status>Past</Status><FirstName>Omar</FirstName><LastName>O&amp;K</LastName></Resident></Residents></PropertyResidents></MITS-ResidentData>';
    fake.serveRawOnce(envelope(`<![CDATA[${inner}]]>`));
    expect((await readAll(source)).map((r) => [r.externalId, r.lastName, r.status])).toEqual([['t9', 'O&K', 'Past']]);
  });

  it('reads the customer-search layout: Identification children, "current resident", phone kinds as elements', async () => {
    const { fake, source } = await start({});
    fake.serveRawOnce(
      envelope(`<MITS-ResidentData><Property><Customers><Customer>
        <Identification><IDValue>t77</IDValue><Status>Current Resident</Status><YardiStatus>Current</YardiStatus></Identification>
        <Name><FirstName>Mei</FirstName><LastName>Kim</LastName></Name>
        <Phone><OfficeNumber>4155550100</OfficeNumber><MobileNumber>4155550199</MobileNumber></Phone>
        <OtherOccupants><Identification><IDValue>o77</IDValue></Identification><Name><FirstName>Jun</FirstName><LastName>Kim</LastName></Name></OtherOccupants>
      </Customer></Customers></Property></MITS-ResidentData>`),
    );
    const records = await readAll(source);
    expect(records.map((r) => [r.externalId, r.firstName, r.phone, r.status])).toEqual([
      ['t77', 'Mei', '4155550199', 'Current Resident'],
      ['o77', 'Jun', null, 'Current Resident'],
    ]);
    expect(records.map((r) => mapStatus(r.status))).toEqual(['current', 'current']);
  });

  it('passes the words the engine knows through unchanged (Denied stays Denied)', async () => {
    const { source } = await start({ residents: [resident('t1', { status: 'Denied' }), resident('t2', { status: 'Former Resident' })] });
    const records = await readAll(source);
    expect(records.map((r) => [r.status, mapStatus(r.status)])).toEqual([
      ['Denied', 'inactive'],
      ['Former Resident', 'past'],
    ]);
  });

  it('treats a result that is only a sentence as a refusal, without retrying and without echoing secrets', async () => {
    const { fake, source } = await start({ residents: [resident('t001')] });
    fake.serveRawOnce(envelope(`Invalid Credentials for ${fake.password}`));
    const err = await failure(readAll(source));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err!.message).toMatch(/refused the request for property hva01: "Invalid Credentials for •••"\. Check the user name, password/);
    expect(err!.message).not.toContain(fake.password);
    expect(err!.retryable).toBe(false);
    expect(fake.requestLog).toHaveLength(1);
  });

  it('reads a SOAP 1.2 Fault (Code/Value Sender, Reason/Text) as the caller’s fault, without retrying', async () => {
    const { fake, source } = await start({ residents: [resident('t001')] });
    fake.serveRawOnce(
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><soap:Fault>
        <soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">Invalid Interface License</soap:Text></soap:Reason>
      </soap:Fault></soap:Body></soap:Envelope>`,
      500,
    );
    const err = await failure(readAll(source));
    expect(err!.message).toMatch(/refused the credentials \(500\): "Invalid Interface License"/);
    expect(fake.requestLog).toHaveLength(1);
  });

  it('blanks a multi-line interface license that a fault echoes back, however the fault wraps it', async () => {
    const license = 'MIIBIjANBgkqhkiG9w0BAQEFAAOC\nAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMx\nH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw';
    const { fake, source } = await start({ residents: [resident('t001')], interfaceLicense: license });
    fake.serveRawOnce(soapFaultEnvelope('soap:Client', `License rejected: ${license.replace(/\n/g, '\r\n  ')}`), 500);
    const err = await failure(readAll(source));
    expect(err!.message).toContain('License rejected: •••');
    for (const line of license.split('\n')) expect(err!.message).not.toContain(line);
  });
});

describe('Yardi Voyager: stable ids', () => {
  it('keys a MITS customer by its Identification even when it also carries a Code, as it always was', () => {
    const customer = { Identification: [{ '@_IDType': 'ResidentID', '@_IDValue': 't0001234' }], Code: 'HV-7', Name: { FirstName: 'Ana', LastName: 'Lopez' } };
    expect(personIdOf(customer)).toBe('t0001234');
    // The GetResidents layout has no Identification: its tCode (and a roommate's Code) is the id.
    expect(personIdOf({ '@_tCode': 't0005678', Code: 'X' })).toBe('t0005678');
    expect(personIdOf({ '@_Code': 'r0000042' })).toBe('r0000042');
  });
});
