import { afterEach, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { UpstreamError } from '../types';
import type { SourceConnector, SourceRecord } from '../types';
import { mapStatus } from '../../sync/status-map';
import { failure, readAll, readPages } from '../contract/read-source';
import { soapFaultEnvelope } from '../yardi/soap';
import { startRealPageFake } from './fake-realpage';
import type { RealPageFake, RealPageFakeOptions, RealPageFakeResident } from './fake-realpage';
import { createRealPageSource } from './realpage-source';
import type { RealPageSourceOptions } from './realpage-source';
import { GET_RESIDENT_LIST_INFO_ACTION, RPX_NS } from './realpage-wire';
import { realPageSourceSpec } from './index';

const RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 200, timeoutMs: 5_000 };
const SITE = '5230176';

let fake: RealPageFake | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const resident = (id: string, extra: Partial<RealPageFakeResident> = {}): RealPageFakeResident => ({
  id,
  siteId: SITE,
  firstName: 'Ana',
  lastName: 'Lopez',
  email: `${id}@example.com`,
  cellPhone: '+14155550100',
  unit: '101',
  leaseStatus: 'Current',
  ...extra,
});

async function start(opts: RealPageFakeOptions, over: Partial<RealPageSourceOptions> = {}): Promise<{ fake: RealPageFake; source: SourceConnector }> {
  fake = await startRealPageFake(opts);
  const source = createRealPageSource({
    url: fake.url,
    pmcId: fake.pmcId,
    siteIds: [SITE],
    licenseKey: fake.licenseKey,
    username: fake.username,
    password: fake.password,
    retry: RETRY,
    ...over,
  });
  return { fake, source };
}

const envelope = (result: string) => `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
  <getresidentlistinfoResponse xmlns="${RPX_NS}"><getresidentlistinfoResult>${result}</getresidentlistinfoResult></getresidentlistinfoResponse>
</s:Body></s:Envelope>`;

describe('RealPage RPX getresidentlistinfo', () => {
  it('sends the auth block and the status list in a SOAP 1.1 envelope, one call per status list', async () => {
    const { fake, source } = await start({ residents: [resident('m1')] });
    await readAll(source);
    expect(fake.received.map((r) => r.soapAction)).toEqual(Array(3).fill(GET_RESIDENT_LIST_INFO_ACTION));
    expect(new Set(fake.received.map((r) => r.contentType))).toEqual(new Set(['text/xml; charset=utf-8']));
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });
    const docs = fake.received.map((r) => parser.parse(r.body)['soap:Envelope']);
    expect(docs[0]['@_xmlns:soap']).toBe('http://schemas.xmlsoap.org/soap/envelope/');
    const ops = docs.map((d) => d['soap:Body'].getresidentlistinfo);
    expect(ops[0]['@_xmlns']).toBe(RPX_NS);
    // The arguments element is named like the operation (not "getresidentlistinfoargs").
    expect(ops.map((op) => op.getresidentlistinfo)).toEqual([
      { headofhousehold: 'false', status: 'C' },
      { headofhousehold: 'false', status: 'P' },
      { headofhousehold: 'false', status: 'F' },
    ]);
    expect(ops[0].getresidentlistinfoargs).toBeUndefined();
    // The auth block in the order WSDL-generated RPX clients send, with the OneSite system.
    expect(Object.keys(ops[0].auth)).toEqual(['pmcid', 'siteid', 'username', 'password', 'licensekey', 'system']);
    expect(ops[0].auth).toEqual({ pmcid: fake.pmcId, siteid: SITE, username: fake.username, password: fake.password, licensekey: fake.licenseKey, system: 'OneSite' });
  });

  it('leaves the login out of the auth block when the license is all the PMC uses', async () => {
    const { fake, source } = await start({ residents: [resident('m1')], licenseOnly: true }, { username: undefined, password: undefined });
    expect(await readAll(source)).toHaveLength(1);
    expect(fake.received[0].body).not.toContain('<username>');
    expect(fake.received[0].body).not.toContain('<password>');
  });

  it('maps residents: member id, name, email, cell phone first, unit number, site id as siteKey', async () => {
    const { source } = await start({
      residents: [resident('m1', { householdId: 'h1', firstName: 'José', lastName: "O'Brien", cellPhone: null, homePhone: '4155550123', unit: '12B' })],
    });
    const [r] = await readAll(source);
    expect(r).toMatchObject({
      externalId: 'm1',
      firstName: 'José',
      lastName: "O'Brien",
      email: 'm1@example.com',
      phone: '4155550123',
      unit: '12B',
      status: 'Current',
      type: 'resident',
      siteKey: SITE,
    });
    expect(r.raw).toMatchObject({ residentid: 'h1', residentmemberid: 'm1', leasestatus: 'Current' });
  });

  it('lists roommates who share a household as separate people', async () => {
    const { source } = await start({ residents: [resident('m1', { householdId: 'h1' }), resident('m2', { householdId: 'h1', firstName: 'Liam' })] });
    expect((await readAll(source)).map((r) => r.externalId)).toEqual(['m1', 'm2']);
  });

  it('falls back to residentid when the gateway sends no member id', async () => {
    const { source } = await start({ residents: [resident('r1'), resident('r2')], withoutMemberIds: true });
    expect((await readAll(source)).map((r) => r.externalId)).toEqual(['r1', 'r2']);
  });

  it("passes OneSite's lease-status words on in a form the sync engine maps", async () => {
    const words = ['Current', 'Notice', 'Future Lease', 'Applicant', 'Applicant - Lease Signed', 'Former', 'Former Applicant'];
    const { source } = await start({ residents: words.map((leaseStatus, i) => resident(`m${i}`, { leaseStatus })) });
    const byId = new Map((await readAll(source)).map((r) => [r.externalId, r]));
    expect(words.map((_, i) => mapStatus(byId.get(`m${i}`)!.status))).toEqual(['current', 'notice', 'future', 'applicant', 'future', 'past', 'inactive']);
    // Words the engine knows go through as RealPage wrote them.
    expect(words.map((_, i) => byId.get(`m${i}`)!.status)).toEqual(words);
    expect(byId.get('m4')!.raw.leasestatus).toBe('Applicant - Lease Signed');
  });

  it('yields current, pending and former lists as pages, per site, keeping a person from the most current list', async () => {
    const { fake, source } = await start(
      {
        residents: [
          resident('m1'),
          resident('m2', { leaseStatus: 'Applicant' }),
          resident('m3', { leaseStatus: 'Former' }),
          resident('m9', { siteId: '5446271', leaseStatus: 'Notice' }),
        ],
      },
      { siteIds: [SITE, '5446271'] },
    );
    const got = await readPages(source);
    expect(got.map((p) => p.map((r) => `${r.siteKey}:${r.externalId}`))).toEqual([
      [`${SITE}:m1`],
      [`${SITE}:m2`],
      [`${SITE}:m3`],
      ['5446271:m9'],
      [],
      [],
    ]);
    // A renewing resident shows in the current and the pending list: they stay current.
    fake.serveRawOnce(
      envelope(
        '<residentlist><resident><residentid>h5</residentid><residentmemberid>m5</residentmemberid><firstname>Mei</firstname><lastname>Kim</lastname><leasestatus>Current</leasestatus></resident></residentlist>',
      ),
    );
    const first = source.list()[Symbol.asyncIterator]();
    expect((await first.next()).value.map((r: SourceRecord) => r.externalId)).toEqual(['m5']);
    fake.serveRawOnce(
      envelope(
        '<residentlist><resident><residentid>h5</residentid><residentmemberid>m5</residentmemberid><firstname>Mei</firstname><lastname>Kim</lastname><leasestatus>Future Lease</leasestatus></resident></residentlist>',
      ),
    );
    expect((await first.next()).value).toEqual([]);
    await first.return?.(undefined);
  });

  it('decodes entities, character references and CDATA, and reads an empty result as nobody', async () => {
    const { fake, source } = await start({});
    fake.serveRawOnce(
      envelope(`<residentlist>
        <resident><residentid>h&amp;1</residentid><firstname><![CDATA[José]]></firstname><lastname>O&apos;Brien</lastname>
          <email>jose&#64;example.com</email><cellphone/><homephone> (415) 555-0199 </homephone><unitnumber>B&#246;12</unitnumber><leasestatus>Current</leasestatus></resident>
        <resident><residentid>h2</residentid><firstname>Zo&#xEB;</firstname><lastname><![CDATA[Smith & <Jones>]]></lastname><leasestatus>Notice</leasestatus></resident>
        <resident><residentid>h3</residentid><firstname>Omar</firstname><lastname>Okafor</lastname></resident>
      </residentlist>`),
    );
    const it = source.list()[Symbol.asyncIterator]();
    const page = (await it.next()).value as SourceRecord[];
    expect(page.map((r) => [r.externalId, r.firstName, r.lastName, r.email, r.phone, r.unit, r.status])).toEqual([
      ['h&1', 'José', "O'Brien", 'jose@example.com', '(415) 555-0199', 'Bö12', 'Current'],
      ['h2', 'Zoë', 'Smith & <Jones>', null, null, null, 'Notice'],
      // No lease status: not to be taken for a current resident.
      ['h3', 'Omar', 'Okafor', null, null, null, 'Unknown'],
    ]);
    fake.serveRawOnce(envelope(''));
    expect((await it.next()).value).toEqual([]);
    await it.return?.(undefined);
  });

  it('refuses a bad license with a clear message that names no secret, without retrying', async () => {
    const wrong = 'ffffffff-ffff-4fff-8fff-ffffffffffff';
    const { fake, source } = await start({ residents: [resident('m1')] }, { licenseKey: wrong });
    const t = await source.test();
    expect(t.ok).toBe(false);
    expect(t.message).toMatch(/RealPage refused the credentials \(401\): "Authentication failed/);
    expect(t.message).toMatch(/license key/);
    expect(t.message).not.toContain(wrong);
    expect(fake.requestLog.map((e) => e.status)).toEqual([401]);
  });

  it('reports a site the license does not cover as the fault says, without retrying it', async () => {
    const { fake, source } = await start({ residents: [resident('m1')] }, { siteIds: ['999'] });
    const err = await failure(readAll(source));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err!.message).toMatch(/RealPage refused the credentials \(500\): "Site 999 is not licensed for this PMC."\. Check the PMC id, site ids/);
    expect(err!.retryable).toBe(false);
    expect(fake.requestLog).toHaveLength(1);
  });

  it('retries a soap:Server fault, and blanks secrets a fault echoes back', async () => {
    const { fake, source } = await start({ residents: [resident('m1')] });
    fake.serveRawOnce(soapFaultEnvelope('soap:Server', 'Timeout while reading the site.'), 500);
    expect(await readAll(source)).toHaveLength(1);
    expect(fake.requestLog.map((e) => e.status).slice(0, 2)).toEqual([500, 200]);

    fake.serveRawOnce(soapFaultEnvelope('soap:Client', `Bad licensekey ${fake.licenseKey} for pmc`), 500);
    const err = await failure(readAll(source));
    expect(err!.message).toContain('Bad licensekey •••');
    expect(err!.message).not.toContain(fake.licenseKey);
  });

  it('survives a hostile huge field and refuses an oversized id', async () => {
    const huge = `${'É'.repeat(512 * 1024)}<>&`;
    const { fake, source } = await start({ residents: [resident('m1', { lastName: huge, email: huge }), resident('m2')] });
    const records = await readAll(source);
    const r = records.find((x) => x.externalId === 'm1')!;
    expect(r.lastName!.length).toBeLessThanOrEqual(100);
    expect(r.email!.length).toBeLessThanOrEqual(254);
    expect(JSON.stringify(r.raw).length).toBeLessThan(5_000);

    fake.residents.upsert(resident('x'.repeat(200)));
    expect((await failure(readAll(source)))!.message).toMatch(/has a residentid of 200 characters/);
  });

  it('refuses a cut-off answer and a DTD', async () => {
    const { fake, source } = await start({ residents: [resident('m1')] });
    fake.misbehave({ truncate: true });
    expect((await failure(readAll(source)))!.message).toMatch(/RealPage sent an unusable answer while reading the current residents of site 5230176: the answer is not complete XML/);
    fake.serveRawOnce(`<!DOCTYPE x [<!ENTITY e "e">]>${envelope('&e;')}`);
    expect((await failure(readAll(source)))!.message).toMatch(/document type declaration/);
  });
});

describe('RealPage connection settings', () => {
  it('validates the config and builds a connector from it and the secrets', async () => {
    const { fake } = await start({ residents: [resident('m1'), resident('m2', { siteId: '5446271' })] });
    const config = realPageSourceSpec.configSchema.parse({ url: fake.url, pmcId: fake.pmcId, siteIds: `${SITE}; 5446271`, username: fake.username });
    const source = realPageSourceSpec.create(config, { licenseKey: fake.licenseKey, password: fake.password }, { retry: RETRY });
    expect((await readAll(source)).map((r) => r.siteKey)).toEqual([SITE, '5446271']);
    expect(realPageSourceSpec.fields.filter((f) => f.kind === 'secret').map((f) => f.key)).toEqual(['licenseKey', 'password']);
    expect(realPageSourceSpec.configSchema.safeParse({ url: fake.url, pmcId: '', siteIds: SITE }).success).toBe(false);
    expect(() => realPageSourceSpec.create(config, {})).toThrow(UpstreamError);
  });
});

describe('RealPage RPX: the shapes the gateway publishes', () => {
  it('answers the older inferred "getresidentlistinfoargs" request as the gateway would: no status, a fault', async () => {
    const { fake } = await start({ residents: [resident('m1')] });
    const body = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
      <getresidentlistinfo xmlns="${RPX_NS}"><auth><pmcid>${fake.pmcId}</pmcid><siteid>${SITE}</siteid><username>${fake.username}</username>
      <password>${fake.password}</password><licensekey>${fake.licenseKey}</licensekey><system>OneSite</system></auth>
      <getresidentlistinfoargs><status>C</status></getresidentlistinfoargs></getresidentlistinfo></s:Body></s:Envelope>`;
    const res = await fetch(fake.url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${GET_RESIDENT_LIST_INFO_ACTION}"` }, body });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('status must be C, P, F or ALL');
  });

  it('reads capitalised ResidentList/Resident, prefixed elements, a BOM and a result sent as escaped XML', async () => {
    const { fake, source } = await start({});
    fake.serveRawOnce(
      `\uFEFF<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
        <t:getresidentlistinfoResponse xmlns:t="${RPX_NS}"><t:getresidentlistinfoResult>
          <t:ResidentList><t:Resident><t:residentid>h1</t:residentid><t:ResidentMemberId>m1</t:ResidentMemberId><t:FirstName>Ana</t:FirstName>
          <t:lastname>Lopez</t:lastname><t:leasestatus>Current</t:leasestatus></t:Resident></t:ResidentList>
        </t:getresidentlistinfoResult></t:getresidentlistinfoResponse></s:Body></s:Envelope>`,
    );
    const it = source.list()[Symbol.asyncIterator]();
    expect(((await it.next()).value as SourceRecord[]).map((r) => [r.externalId, r.firstName, r.lastName, r.status])).toEqual([['m1', 'Ana', 'Lopez', 'Current']]);
    const escaped = '&lt;residentlist&gt;&lt;resident&gt;&lt;residentid&gt;h2&lt;/residentid&gt;&lt;firstname&gt;Mei&lt;/firstname&gt;&lt;lastname&gt;K &amp;amp; Co&lt;/lastname&gt;&lt;leasestatus&gt;Applicant&lt;/leasestatus&gt;&lt;/resident&gt;&lt;/residentlist&gt;';
    fake.serveRawOnce(envelope(escaped));
    expect(((await it.next()).value as SourceRecord[]).map((r) => [r.externalId, r.lastName, r.status])).toEqual([['h2', 'K & Co', 'Applicant']]);
    await it.return?.(undefined);
  });

  it('maps the one-letter list codes some sites send as leasestatus', async () => {
    const { fake, source } = await start({});
    const one = (id: string, code: string) => `<resident><residentid>${id}</residentid><firstname>X</firstname><lastname>Y</lastname><leasestatus>${code}</leasestatus></resident>`;
    fake.serveRawOnce(envelope(`<residentlist>${one('a', 'C')}${one('b', 'P')}${one('c', 'F')}</residentlist>`));
    const it = source.list()[Symbol.asyncIterator]();
    const page = (await it.next()).value as SourceRecord[];
    expect(page.map((r) => [r.status, mapStatus(r.status)])).toEqual([
      ['Current', 'current'],
      // The pending list holds applicants too: the cautious reading.
      ['Applicant', 'applicant'],
      ['Former', 'past'],
    ]);
    expect(page.map((r) => r.raw.leasestatus)).toEqual(['C', 'P', 'F']);
    await it.return?.(undefined);
  });

  it('reports an error element inside a successful answer as a refusal, not retried, secrets blanked', async () => {
    const { fake, source } = await start({ residents: [resident('m1')] });
    fake.serveRawOnce(envelope(`<Error><ErrorDescription>LicenseKey ${fake.licenseKey} is not authorized to call the method</ErrorDescription></Error>`));
    const err = await failure(readAll(source));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err!.message).toMatch(/RealPage refused the request for site 5230176: "LicenseKey ••• is not authorized to call the method"\. Check the PMC id/);
    expect(err!.message).not.toContain(fake.licenseKey);
    expect(err!.retryable).toBe(false);
    expect(fake.requestLog).toHaveLength(1);
  });

  it('reads a WCF fault whose faultstring carries xml:lang, and a SOAP 1.2 Receiver fault as retryable', async () => {
    const { fake, source } = await start({ residents: [resident('m1')] });
    fake.serveRawOnce(
      `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en-US">Invalid license key</faultstring></s:Fault></s:Body></s:Envelope>`,
      500,
    );
    expect((await failure(readAll(source)))!.message).toMatch(/RealPage refused the credentials \(500\): "Invalid license key"/);
    fake.serveRawOnce(
      `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value></e:Code><e:Reason><e:Text xml:lang="en">Busy</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>`,
      500,
    );
    expect(await readAll(source)).toHaveLength(1);
  });
});
