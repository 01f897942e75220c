import type { SourceRecord } from '../types';
import { asArray, boundedRaw, clip, field, isNode, parseXml, soapEnvelope, soapParser, textOf } from './soap';
import type { XmlNode } from './soap';

/**
 * Yardi Voyager "Resident Data" interface (ItfResidentData.asmx), operation GetResidents, in
 * SOAP 1.1. Credentials travel in the body, one property per call, no paging:
 *
 *   <GetResidents xmlns="http://tempuri.org/YSI.Interfaces.WebServices/ItfResidentData">
 *     UserName, Password, ServerName, Database, Platform, YardiPropertyId,
 *     InterfaceEntity, InterfaceLicense                      (in this order: .NET reads a sequence)
 *
 * The answer, GetResidentsResponse/GetResidentsResult, holds MITS-style resident data
 * (sometimes as an escaped XML string rather than inline elements, so both are read):
 *
 *   MITS-ResidentData / Property / PropertyID / Identification @IDType @IDValue
 *                              / Customers / Customer
 *        Identification @IDType="ResidentID" @IDValue      the tenant code (our external id)
 *        Name / FirstName, LastName
 *        Address / Email        Phone @PhoneType / PhoneNumber
 *        Status                  Current, Notice, Future, Past, Applicant, Denied, Canceled, Eviction…
 *        Lease / UnitID
 *
 * or, when Yardi refuses, the same result holding Messages / Message @messageType="Error".
 */

export const YARDI_NS = 'http://tempuri.org/YSI.Interfaces.WebServices/ItfResidentData';
export const GET_RESIDENTS_ACTION = `${YARDI_NS}/GetResidents`;

export type YardiPlatform = 'SQL Server' | 'Oracle';

export interface YardiLogin {
  username: string;
  password: string;
  serverName: string;
  database: string;
  platform: YardiPlatform;
  interfaceEntity: string;
  interfaceLicense: string;
}

export function getResidentsEnvelope(login: YardiLogin, propertyId: string): string {
  return soapEnvelope({
    GetResidents: {
      '@_xmlns': YARDI_NS,
      UserName: login.username,
      Password: login.password,
      ServerName: login.serverName,
      Database: login.database,
      Platform: login.platform,
      YardiPropertyId: propertyId,
      InterfaceEntity: login.interfaceEntity,
      InterfaceLicense: login.interfaceLicense,
    },
  });
}

/** Elements that repeat in Yardi's answers. */
export const YARDI_ARRAY_TAGS = ['Property', 'Customer', 'Identification', 'Address', 'Phone', 'Message', 'Lease'] as const;
export const yardiParser = soapParser(YARDI_ARRAY_TAGS);

/**
 * Yardi words the sync engine's status map does not know, as the nearest word it does. Only
 * `status` changes; `raw` keeps Yardi's own word. A denied application never becomes a
 * resident: it is treated like a cancelled one.
 */
const STATUS_SYNONYMS: Record<string, string> = {
  denied: 'Canceled',
};

export function yardiStatus(word: string | null): string | null {
  if (word === null) return null;
  return STATUS_SYNONYMS[word.trim().toLowerCase()] ?? word;
}

export type ResidentsAnswer =
  | { kind: 'ok'; propertyCode: string | null; customers: XmlNode[] }
  /** Yardi's "error in the result" style: the call worked, the request did not. */
  | { kind: 'refused'; messages: string[] }
  | { kind: 'malformed'; why: string };

/** Reads GetResidentsResponse out of a SOAP Body for the property that was asked for. */
export function readResidentsAnswer(body: XmlNode, propertyId: string): ResidentsAnswer {
  const response = body.GetResidentsResponse;
  if (!isNode(response)) return { kind: 'malformed', why: 'the SOAP Body holds no GetResidentsResponse' };
  let result: unknown = response.GetResidentsResult;
  if (result === undefined) return { kind: 'malformed', why: 'GetResidentsResponse holds no GetResidentsResult' };
  // Some Voyager versions return the resident data as a string of escaped XML.
  const asText = typeof result === 'string' ? result.trim() : null;
  if (asText !== null && asText.startsWith('<')) {
    const inner = parseXml(asText, yardiParser);
    if (!inner.ok) return { kind: 'malformed', why: `the resident data inside GetResidentsResult is unusable: ${inner.why}` };
    result = inner.doc;
  }
  if (!isNode(result)) return { kind: 'malformed', why: 'GetResidentsResult is empty' };

  const errors = messagesOf(result.Messages).filter((m) => m.type === 'error').map((m) => m.text);
  if (errors.length > 0) return { kind: 'refused', messages: errors };

  const data = result['MITS-ResidentData'] ?? result.ResidentData;
  if (!isNode(data)) return { kind: 'malformed', why: 'GetResidentsResult holds no MITS-ResidentData' };
  const properties = asArray(data.Property).filter(isNode);
  if (properties.length === 0) return { kind: 'malformed', why: 'the resident data names no Property' };
  const wanted = propertyId.trim().toLowerCase();
  const codes = properties.map(propertyCodeOf);
  const matching = properties.filter((_, i) => codes[i] === null || codes[i]!.toLowerCase() === wanted);
  if (matching.length === 0) {
    return { kind: 'malformed', why: `the answer is for property ${clip(codes[0], 40)}, not ${propertyId}` };
  }
  const customers: XmlNode[] = [];
  for (const p of matching) {
    const list = p.Customers;
    if (list === undefined || list === '') continue;
    if (!isNode(list)) return { kind: 'malformed', why: 'Customers is not a list of Customer elements' };
    for (const c of asArray(list.Customer)) {
      if (!isNode(c)) return { kind: 'malformed', why: 'a Customer element is empty' };
      customers.push(c);
    }
  }
  return { kind: 'ok', propertyCode: codes.find((c) => c !== null) ?? null, customers };
}

function messagesOf(messages: unknown): Array<{ type: string; text: string }> {
  const out: Array<{ type: string; text: string }> = [];
  for (const group of asArray(messages)) {
    if (!isNode(group)) continue;
    for (const m of asArray(group.Message)) {
      const type = (isNode(m) ? textOf(m['@_messageType']) : null) ?? 'error';
      const text = textOf(m);
      if (text) out.push({ type: type.toLowerCase(), text });
    }
  }
  return out;
}

function propertyCodeOf(p: XmlNode): string | null {
  const id = p.PropertyID;
  if (!isNode(id)) return textOf(id);
  for (const ident of asArray(id.Identification)) if (isNode(ident)) {
    const v = field(ident, 'IDValue');
    if (v) return v;
  }
  return textOf(id);
}

const ID_TYPES = new Set(['residentid', 'tenantid', 'tenantcode', 'residentcode', 'tcode']);

/** The tenant code: the Identification typed as a resident id, else the only one given. */
export function customerId(c: XmlNode): string | null {
  const idents = asArray(c.Identification).filter(isNode);
  const typed = idents.find((i) => ID_TYPES.has((field(i, 'IDType') ?? '').toLowerCase().replace(/[^a-z]/g, '')));
  const pick = typed ?? (idents.length === 1 ? idents[0] : idents.find((i) => field(i, 'IDValue')));
  return pick ? field(pick, 'IDValue') : null;
}

const PHONE_ORDER = ['cell', 'mobile', 'home', 'office', 'work', 'business'];

function phoneOf(c: XmlNode): string | null {
  const phones = asArray(c.Phone)
    .filter(isNode)
    .map((p) => ({ type: (field(p, 'PhoneType') ?? '').toLowerCase(), number: textOf(p.PhoneNumber) ?? textOf(p.SafePhoneNumber) }))
    .filter((p) => p.number !== null && !/fax/.test(p.type));
  const rank = (t: string) => {
    const i = PHONE_ORDER.indexOf(t);
    return i < 0 ? PHONE_ORDER.length : i;
  };
  phones.sort((a, b) => rank(a.type) - rank(b.type));
  return phones[0]?.number ?? null;
}

function emailOf(c: XmlNode): string | null {
  for (const a of asArray(c.Address)) if (isNode(a)) {
    const e = textOf(a.Email);
    if (e) return e;
  }
  return textOf(c.Email);
}

function unitOf(c: XmlNode): string | null {
  for (const lease of asArray(c.Lease)) if (isNode(lease)) {
    const u = textOf(lease.UnitID) ?? textOf(lease.UnitCode);
    if (u) return u;
  }
  return textOf(c.UnitID);
}

/**
 * The Status element, else a MITS customer Type that names a status ("current resident");
 * a Type that only names a role ("resident", "roommate") is not one. A lease source that says
 * nothing about a person's lease reports "Unknown", which the engine does not treat as current.
 */
function statusWordOf(c: XmlNode): string {
  const type = field(c, 'Type');
  const typed = type && /^(current|former|past|future|notice|applicant|eviction)\b/i.test(type) ? type : null;
  return textOf(c.Status) ?? typed ?? 'Unknown';
}

/** One Customer as a SourceRecord; `externalId` must already have been checked. */
export function customerToRecord(c: XmlNode, externalId: string, siteKey: string): SourceRecord {
  const name = isNode(c.Name) ? c.Name : {};
  return {
    externalId,
    firstName: clip(textOf(name.FirstName), 100),
    lastName: clip(textOf(name.LastName), 100),
    email: clip(emailOf(c), 254),
    phone: clip(phoneOf(c), 40),
    unit: clip(unitOf(c), 40),
    status: clip(yardiStatus(statusWordOf(c)), 60),
    type: 'resident',
    siteKey,
    raw: boundedRaw(c),
  };
}
