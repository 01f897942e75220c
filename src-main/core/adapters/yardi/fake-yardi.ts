import { randomBytes } from 'node:crypto';
import { startFakeServer, fakeControls } from '../http/fake-server';
import type { FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';
import { isNode, soapParser, textOf, xmlFragment } from './soap';
import type { XmlNode } from './soap';
import { sameSecret } from '../http/fake-credentials';
import { createFakeRecords } from '../http/fake-records';
import { createSoapCallDesk, encodeSoap, faultReply, listShapers } from './soap-fake';
import type { ReceivedSoap } from './soap-fake';
import { GET_RESIDENTS_ACTION, YARDI_NS } from './yardi-wire';

/**
 * A fake Yardi Voyager "Resident Data" interface: POST {url} (…/webservices/itfresidentdata.asmx)
 * with a SOAP 1.1 GetResidents envelope. Like Voyager it
 *  - wants text/xml and the GetResidents SOAPAction (a wrong action is a soap:Client fault),
 *  - refuses a bad user name, password, interface entity or license with a fault,
 *  - answers an unknown server, database or property with HTTP 200 and an error Message inside
 *    GetResidentsResult (Yardi's "error in the result" style),
 *  - returns one property's residents per call, unpaged, as GetResidents does:
 *    MITS-ResidentData / PropertyResidents / Residents / Resident @tCode, with each lease's
 *    roommates as OtherOccupants / OtherOccupant @Code under the lease holder
 *    (`shape: 'customers'` serves the MITS Property / Customers / Customer layout instead).
 */

export interface YardiFakeResident {
  /** The tenant code (Identification IDType="ResidentID"). */
  id: string;
  propertyId: string;
  firstName: string;
  lastName: string;
  email?: string | null;
  phone?: string | null;
  /** cell, home, office… (default cell). */
  phoneType?: string;
  unit?: string | null;
  /** Yardi's word: Current, Notice, Future, Past, Applicant, Denied, Canceled, Eviction… */
  status: string;
  /** The lease holder's tCode: this person is listed as their OtherOccupant (a roommate). */
  householdId?: string;
  /** m/d/yyyy, as Yardi writes dates. */
  moveOutDate?: string | null;
}

export interface YardiFake {
  url: string;
  username: string;
  password: string;
  serverName: string;
  database: string;
  platform: 'SQL Server' | 'Oracle';
  interfaceEntity: string;
  interfaceLicense: string;
  /** Properties the interface may read (those of the residents given, plus any named). */
  propertyIds: string[];
  residents: {
    list(): YardiFakeResident[];
    upsert(r: YardiFakeResident): void;
    remove(id: string): boolean;
  };
  /** The next GetResidents answers this text as its whole body (hand-written envelopes), with `status`. */
  serveRawOnce(xml: string, status?: number): void;
  /** Every SOAP request as received, newest last (credentials included: test use only). */
  received: ReceivedSoap[];
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

export interface YardiFakeOptions {
  residents?: YardiFakeResident[];
  propertyIds?: string[];
  username?: string;
  password?: string;
  serverName?: string;
  database?: string;
  interfaceEntity?: string;
  interfaceLicense?: string;
  /** Send GetResidentsResult as a string of escaped XML, as some Voyager versions do. */
  resultAsString?: boolean;
  /** 'residents' (GetResidents' own layout, the default) or 'customers' (MITS Property/Customers). */
  shape?: 'residents' | 'customers';
}

export const YARDI_FAKE_PATH = '/8223tp7s7live/webservices/itfresidentdata.asmx';
const requestParser = soapParser([]);

type ResidentsBody = { GetResidentsResponse: { '@_xmlns': string; GetResidentsResult: XmlNode } };

/** Where a reply body keeps its people: Residents/Resident or Customers/Customer of the first group. */
function listIn(body: unknown): { group: XmlNode; listName: string; itemName: string; list: XmlNode[] } | null {
  const result = (body as Partial<ResidentsBody>)?.GetResidentsResponse?.GetResidentsResult;
  const data = isNode(result) ? result['MITS-ResidentData'] : null;
  if (!isNode(data)) return null;
  for (const [groupName, listName, itemName] of [
    ['PropertyResidents', 'Residents', 'Resident'],
    ['Property', 'Customers', 'Customer'],
  ] as const) {
    const groups = data[groupName];
    if (!Array.isArray(groups) || !isNode(groups[0])) continue;
    const list = (groups[0] as XmlNode)[listName];
    if (isNode(list) && Array.isArray(list[itemName])) return { group: groups[0] as XmlNode, listName, itemName, list: list[itemName] as XmlNode[] };
  }
  return null;
}

function withList(body: unknown, list: XmlNode[]): unknown {
  const copy = structuredClone(body);
  const at = listIn(copy)!;
  at.group[at.listName] = { [at.itemName]: list };
  return copy;
}

const shapers = listShapers({
  read: (body) => listIn(body)?.list ?? null,
  write: withList,
  unexpected(body) {
    const copy = structuredClone(body) as ResidentsBody;
    copy.GetResidentsResponse.GetResidentsResult = { 'MITS-ResidentData': { Unexpected: 'true' } };
    return copy;
  },
  // A person's only ids are the tCode attribute and the Identification list.
  withoutId({ '@_tCode': _code, Identification: _gone, ...noId }) {
    return noId;
  },
});

/** A person in GetResidents' own layout: flat fields, the tenant code as the tCode attribute. */
function residentXml(r: YardiFakeResident, roommates: YardiFakeResident[]): XmlNode {
  const x: XmlNode = { '@_tCode': r.id, Status: r.status, FirstName: r.firstName, LastName: r.lastName };
  if (r.email) x.Email = r.email;
  if (r.phone) x.Phone = [{ '@_type': r.phoneType ?? 'cell', PhoneNumber: r.phone }];
  if (r.unit) x.UnitCode = r.unit;
  if (r.moveOutDate) x.MoveOutDate = r.moveOutDate;
  if (roommates.length > 0) x.OtherOccupants = [{ OtherOccupant: roommates.map(occupantXml) }];
  return x;
}

function occupantXml(r: YardiFakeResident): XmlNode {
  const x: XmlNode = { '@_Code': r.id, FirstName: r.firstName, LastName: r.lastName };
  if (r.email) x.Email = r.email;
  if (r.phone) x.Phone = [{ '@_type': r.phoneType ?? 'cell', PhoneNumber: r.phone }];
  if (r.moveOutDate) x.MoveOutDate = r.moveOutDate;
  return x;
}

/** A person in the MITS customer layout. */
function customerXml(r: YardiFakeResident): XmlNode {
  const c: XmlNode = {
    '@_Type': r.householdId ? 'roommate' : 'resident',
    Identification: [{ '@_IDType': 'ResidentID', '@_IDValue': r.id }],
    Name: { FirstName: r.firstName, LastName: r.lastName },
  };
  if (r.email) c.Address = [{ '@_AddressType': 'current', Email: r.email }];
  if (r.phone) c.Phone = [{ '@_PhoneType': r.phoneType ?? 'cell', PhoneNumber: r.phone }];
  c.Status = r.status;
  if (r.unit) c.Lease = [{ Identification: [{ '@_IDType': 'LeaseID', '@_IDValue': `L-${r.id}` }], UnitID: r.unit }];
  return c;
}

export async function startYardiFake(opts: YardiFakeOptions = {}): Promise<YardiFake> {
  const creds = {
    username: opts.username ?? 'rollcall_itf',
    password: opts.password ?? `yp_${randomBytes(12).toString('hex')}`,
    serverName: opts.serverName ?? 'sql-voyager-07',
    database: opts.database ?? 'afqoml_live',
    platform: 'SQL Server' as const,
    interfaceEntity: opts.interfaceEntity ?? 'Rollcall Access Sync',
    interfaceLicense: opts.interfaceLicense ?? `MIIBIjANBgkq${randomBytes(24).toString('base64')}`,
  };
  const properties = new Set((opts.propertyIds ?? []).map((p) => p.toLowerCase()));
  const residents = createFakeRecords(opts.residents ?? [], (r) => properties.add(r.propertyId.toLowerCase()));
  if (properties.size === 0) properties.add('hva01');
  const desk = createSoapCallDesk({
    operation: 'GetResidents',
    action: GET_RESIDENTS_ACTION,
    parser: requestParser,
    wrongContentType: 'Unsupported media type: SOAP 1.1 wants text/xml.',
    wrongAction: (action) => `Server did not recognize the value of HTTP Header SOAPAction: ${action}.`,
    noOperation: faultReply(500, 'Server was unable to read request: there is no GetResidents element.'),
  });

  const messageReply = (text: string): FakeReply => ({
    status: 200,
    body: {
      GetResidentsResponse: {
        '@_xmlns': YARDI_NS,
        GetResidentsResult: { Messages: { '@_xmlns': '', Message: [{ '@_messageType': 'Error', '#text': text }] } },
      },
    },
  });

  const getResidents = (req: FakeRequest): FakeReply => {
    const opened = desk.open(req);
    if ('reply' in opened) return opened.reply;
    const { op } = opened;
    if (textOf(op.ServerName) !== creds.serverName || textOf(op.Database) !== creds.database) {
      return messageReply('Invalid database or server name for this interface.');
    }
    const platform = textOf(op.Platform);
    if (platform !== 'SQL Server' && platform !== 'Oracle') return messageReply('Platform must be SQL Server or Oracle.');
    const propertyId = textOf(op.YardiPropertyId) ?? '';
    if (!properties.has(propertyId.toLowerCase())) return messageReply(`Invalid Yardi Property Id: ${propertyId}`);
    const here = residents.stored().filter((r) => r.propertyId.toLowerCase() === propertyId.toLowerCase());
    const data: XmlNode = { '@_xmlns': '' };
    if (opts.shape === 'customers') {
      data.Property = [
        {
          PropertyID: { Identification: [{ '@_IDType': 'PropertyID', '@_IDValue': propertyId }], MarketingName: `Property ${propertyId}` },
          Customers: { Customer: here.map(customerXml) },
        },
      ];
    } else {
      // Roommates appear only under their lease holder; one whose holder is gone is not listed.
      const holders = here.filter((r) => !r.householdId);
      const residentList = holders.map((h) => residentXml(h, here.filter((r) => r.householdId === h.id)));
      data.PropertyResidents = [{ Residents: { Resident: residentList } }];
    }
    return { status: 200, body: { GetResidentsResponse: { '@_xmlns': YARDI_NS, GetResidentsResult: { 'MITS-ResidentData': data } } } };
  };

  const server = await startFakeServer({
    token: creds.password,
    authorize: desk.authorize(
      (op) =>
        textOf(op.UserName) === creds.username &&
        sameSecret(textOf(op.Password), creds.password) &&
        textOf(op.InterfaceEntity) === creds.interfaceEntity &&
        sameSecret(textOf(op.InterfaceLicense), creds.interfaceLicense),
    ),
    encode: (body, status) => {
      const answer = opts.resultAsString ? nestAsString(body) : body;
      return encodeSoap(answer, status, 'Invalid user name, password, interface entity or license.');
    },
    encodeErrors: true,
    shapers,
    routes: [{ method: 'POST', pattern: YARDI_FAKE_PATH, handler: getResidents }],
  });

  return {
    url: server.url + YARDI_FAKE_PATH,
    ...creds,
    get propertyIds() {
      return [...properties];
    },
    residents,
    serveRawOnce: desk.serveRawOnce,
    received: desk.received,
    ...fakeControls(server),
  };
}

/** GetResidentsResult as one string of escaped XML instead of inline elements. */
function nestAsString(body: unknown): unknown {
  const result = (body as Partial<ResidentsBody>)?.GetResidentsResponse?.GetResidentsResult;
  if (!isNode(result)) return body;
  const copy = structuredClone(body) as ResidentsBody;
  (copy.GetResidentsResponse as XmlNode).GetResidentsResult = xmlFragment(result);
  return copy;
}
