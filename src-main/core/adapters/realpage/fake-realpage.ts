import { randomBytes } from 'node:crypto';
import { startFakeServer, fakeControls } from '../http/fake-server';
import type { FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';
import { isNode, soapParser, textOf } from '../yardi/soap';
import type { XmlNode } from '../yardi/soap';
import { sameSecret } from '../http/fake-credentials';
import { createFakeRecords } from '../http/fake-records';
import { createSoapCallDesk, encodeSoap, faultReply, listShapers } from '../yardi/soap-fake';
import type { ReceivedSoap } from '../yardi/soap-fake';
import { GET_RESIDENT_LIST_INFO_ACTION, RPX_NS } from './realpage-wire';

/**
 * A fake RealPage RPX gateway: POST {url} (…/rpxgateway/partner/Rollcall/Rollcall.svc) with a
 * SOAP 1.1 getresidentlistinfo envelope. Like the gateway it
 *  - wants text/xml and the IRPXService/getresidentlistinfo SOAPAction,
 *  - checks the auth block (pmcid, licensekey, and username/password when the PMC uses them)
 *    and refuses with a SOAP Fault,
 *  - reads the arguments from the nested element named like the operation
 *    (getresidentlistinfo / getresidentlistinfo / status); without a status it faults,
 *  - answers a site the license does not cover with a soap:Client fault,
 *  - returns one site's residents for one status list (C current, P pending, F former, or ALL),
 *    unpaged.
 */

export interface RealPageFakeResident {
  /** residentmemberid: the person. */
  id: string;
  /** residentid: the household (defaults to the person's id). */
  householdId?: string;
  siteId: string;
  firstName: string;
  lastName: string;
  email?: string | null;
  cellPhone?: string | null;
  homePhone?: string | null;
  unit?: string | null;
  /** OneSite's words: Current, Notice, Future Lease, Applicant, Applicant - Lease Signed, Former, Former Applicant… */
  leaseStatus: string;
}

export interface RealPageFake {
  url: string;
  pmcId: string;
  licenseKey: string;
  username: string;
  password: string;
  siteIds: string[];
  residents: {
    list(): RealPageFakeResident[];
    upsert(r: RealPageFakeResident): void;
    remove(id: string): boolean;
  };
  /** The next getresidentlistinfo answers this text as its whole body, with `status`. */
  serveRawOnce(xml: string, status?: number): void;
  /** Every SOAP request as received, newest last (credentials included: test use only). */
  received: ReceivedSoap[];
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

export interface RealPageFakeOptions {
  residents?: RealPageFakeResident[];
  siteIds?: string[];
  pmcId?: string;
  licenseKey?: string;
  username?: string;
  password?: string;
  /** Send residentid only (no residentmemberid), as older gateway versions do. */
  withoutMemberIds?: boolean;
  /** The license alone is enough (no username/password in the auth block); default false. */
  licenseOnly?: boolean;
}

export const REALPAGE_FAKE_PATH = '/rpxgateway/partner/Rollcall/Rollcall.svc';
const requestParser = soapParser([]);

/** Which status list (C/P/F) a OneSite lease status belongs to. */
export function statusListOf(leaseStatus: string): 'C' | 'P' | 'F' {
  const s = leaseStatus.toLowerCase();
  if (/former|past/.test(s)) return 'F';
  if (/applicant|pending/.test(s)) return 'P';
  return 'C';
}

type ListBody = { getresidentlistinfoResponse: { '@_xmlns': string; getresidentlistinfoResult: { residentlist: { resident: XmlNode[] } } } };

function residentsIn(body: unknown): XmlNode[] | null {
  const list = (body as Partial<ListBody>)?.getresidentlistinfoResponse?.getresidentlistinfoResult?.residentlist?.resident;
  return Array.isArray(list) ? list : null;
}

function withResidents(body: unknown, list: XmlNode[]): unknown {
  const copy = structuredClone(body) as ListBody;
  copy.getresidentlistinfoResponse.getresidentlistinfoResult.residentlist = { resident: list };
  return copy;
}

const shapers = listShapers({
  read: residentsIn,
  write: withResidents,
  unexpected(body) {
    const copy = structuredClone(body) as { getresidentlistinfoResponse: XmlNode };
    copy.getresidentlistinfoResponse.getresidentlistinfoResult = { unexpected: 'true' };
    return copy;
  },
  withoutId({ residentid: _h, residentmemberid: _m, ...noId }) {
    return noId;
  },
});

export async function startRealPageFake(opts: RealPageFakeOptions = {}): Promise<RealPageFake> {
  const creds = {
    pmcId: opts.pmcId ?? '4248314',
    licenseKey: opts.licenseKey ?? `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-4${randomBytes(2).toString('hex').slice(1)}-${randomBytes(8).toString('hex')}`,
    username: opts.username ?? 'rollcall.api',
    password: opts.password ?? `rp_${randomBytes(12).toString('hex')}`,
  };
  const sites = new Set(opts.siteIds ?? []);
  const residents = createFakeRecords(opts.residents ?? [], (r) => sites.add(r.siteId));
  if (sites.size === 0) sites.add('5230176');
  const desk = createSoapCallDesk({
    operation: 'getresidentlistinfo',
    action: GET_RESIDENT_LIST_INFO_ACTION,
    parser: requestParser,
    wrongContentType: 'Cannot process the message because the content type is not text/xml.',
    wrongAction: (action) => `The message with Action '${action}' cannot be processed at the receiver.`,
    noOperation: faultReply(500, 'The request holds no getresidentlistinfo element.', 'client'),
  });

  const residentXml = (r: RealPageFakeResident): XmlNode => {
    const x: XmlNode = { residentid: r.householdId ?? r.id };
    if (!opts.withoutMemberIds) x.residentmemberid = r.id;
    Object.assign(x, {
      unitid: r.unit ? `U${r.unit}` : '',
      unitnumber: r.unit ?? '',
      firstname: r.firstName,
      lastname: r.lastName,
      email: r.email ?? '',
      homephone: r.homePhone ?? '',
      cellphone: r.cellPhone ?? '',
      workphone: '',
      leasestatus: r.leaseStatus,
      headofhousehold: r.householdId && r.householdId !== r.id ? 'false' : 'true',
    });
    return x;
  };

  const getResidentListInfo = (req: FakeRequest): FakeReply => {
    const opened = desk.open(req);
    if ('reply' in opened) return opened.reply;
    const { op } = opened;
    const auth = isNode(op.auth) ? op.auth : {};
    const siteId = textOf(auth.siteid) ?? '';
    if (!sites.has(siteId)) return faultReply(500, `Site ${siteId} is not licensed for this PMC.`, 'client');
    const args = isNode(op.getresidentlistinfo) ? op.getresidentlistinfo : {};
    const status = (textOf(args.status) ?? '').toUpperCase();
    if (status !== 'C' && status !== 'P' && status !== 'F' && status !== 'ALL') return faultReply(500, 'status must be C, P, F or ALL.', 'client');
    const list = residents
      .stored()
      .filter((r) => r.siteId === siteId && (status === 'ALL' || statusListOf(r.leaseStatus) === status))
      .map(residentXml);
    return {
      status: 200,
      body: { getresidentlistinfoResponse: { '@_xmlns': RPX_NS, getresidentlistinfoResult: { residentlist: { resident: list } } } },
    };
  };

  const server = await startFakeServer({
    token: creds.licenseKey,
    authorize: desk.authorize((op) => {
      const auth = isNode(op.auth) ? op.auth : {};
      return (
        textOf(auth.pmcid) === creds.pmcId &&
        sameSecret(textOf(auth.licensekey), creds.licenseKey) &&
        (opts.licenseOnly === true || (textOf(auth.username) === creds.username && sameSecret(textOf(auth.password), creds.password)))
      );
    }),
    encode: (body, status) => encodeSoap(body, status, 'Authentication failed: the license key, PMC id or login is not valid.'),
    encodeErrors: true,
    shapers,
    routes: [{ method: 'POST', pattern: REALPAGE_FAKE_PATH, handler: getResidentListInfo }],
  });

  return {
    url: server.url + REALPAGE_FAKE_PATH,
    ...creds,
    get siteIds() {
      return [...sites];
    },
    residents,
    serveRawOnce: desk.serveRawOnce,
    received: desk.received,
    ...fakeControls(server),
  };
}
