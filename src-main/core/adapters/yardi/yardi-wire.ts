import type { SourceRecord } from '../types';
import { isKnownStatusWord } from '../../sync/status-map';
import { asArray, boundedRaw, child, clip, field, firstChild, isNode, parseXml, soapEnvelope, soapParser, textOf } from './soap';
import type { XmlNode } from './soap';

/**
 * Yardi Voyager "Resident Data" interface (ItfResidentData.asmx), operation GetResidents, in
 * SOAP 1.1. Credentials travel in the body, one property per call, no paging:
 *
 *   <GetResidents xmlns="http://tempuri.org/YSI.Interfaces.WebServices/ItfResidentData">
 *     UserName, Password, ServerName, Database, Platform, YardiPropertyId,
 *     InterfaceEntity, InterfaceLicense                      (in this order: .NET reads a sequence)
 *
 * The answer, GetResidentsResponse/GetResidentsResult, holds the resident data inline (or, on
 * some servers, as one string of escaped XML, so both are read). GetResidents itself answers:
 *
 *   MITS-ResidentData / PropertyResidents / Residents / Resident @tCode   (the tenant code)
 *        Status                  Current, Notice, Future, Past, Applicant, Eviction, Denied, Canceled
 *        FirstName, LastName, Email, Phone (PhoneNumber), UnitCode, MoveInDate, MoveOutDate
 *        OtherOccupants / OtherOccupant @Code                 roommates on the same lease
 *            FirstName, LastName, Email, MoveInDate, MoveOutDate (m/d/yyyy)
 *
 * The MITS customer layout other Voyager interfaces use is read too, so a server that answers
 * with it still works:
 *
 *   MITS-ResidentData / Property / PropertyID / Identification @IDType @IDValue
 *                              / Customers / Customer
 *        Identification (IDType="ResidentID", IDValue as attributes or child elements, Status)
 *        Name / FirstName, LastName     Address / Email     Phone     Status     Lease / UnitID
 *
 * When Yardi refuses, the result holds Messages / Message @messageType="Error" (or, on some
 * servers, only the message text) instead.
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
export const YARDI_ARRAY_TAGS = [
  'PropertyResidents',
  'Resident',
  'OtherOccupants',
  'OtherOccupant',
  'Property',
  'Customer',
  'Identification',
  'Address',
  'Phone',
  'Message',
  'Lease',
] as const;
export const yardiParser = soapParser(YARDI_ARRAY_TAGS);

/**
 * Yardi words the sync engine's status map may not know, as the nearest word it does. Yardi's
 * own word is passed on whenever the engine knows it; `raw` always keeps it. A denied
 * application never becomes a resident: it is treated like a cancelled one.
 */
const STATUS_SYNONYMS: Record<string, string> = {
  denied: 'Canceled',
};

export function yardiStatus(word: string | null): string | null {
  if (word === null) return null;
  if (isKnownStatusWord(word)) return word;
  return STATUS_SYNONYMS[word.trim().toLowerCase()] ?? word;
}

/** One person in a GetResidents answer, with the lease holder a roommate belongs to. */
export interface YardiPerson {
  node: XmlNode;
  /** The Resident (or Customer) whose lease a roommate shares; null for the holder. */
  household: XmlNode | null;
}

export type ResidentsAnswer =
  | { kind: 'ok'; propertyCode: string | null; people: YardiPerson[] }
  /** Yardi's "error in the result" style: the call worked, the request did not. */
  | { kind: 'refused'; messages: string[] }
  | { kind: 'malformed'; why: string };

/** Reads GetResidentsResponse out of a SOAP Body for the property that was asked for. */
export function readResidentsAnswer(body: XmlNode, propertyId: string): ResidentsAnswer {
  const response = child(body, 'GetResidentsResponse');
  if (!isNode(response)) return { kind: 'malformed', why: 'the SOAP Body holds no GetResidentsResponse' };
  let result: unknown = child(response, 'GetResidentsResult');
  if (result === undefined) return { kind: 'malformed', why: 'GetResidentsResponse holds no GetResidentsResult' };
  // Some Voyager versions return the resident data as a string of escaped XML (or CDATA).
  const asText = typeof result === 'string' ? result.replace(/^\uFEFF/, '').trim() : null;
  if (asText !== null && asText.startsWith('<')) {
    const inner = parseXml(asText, yardiParser);
    if (!inner.ok) return { kind: 'malformed', why: `the resident data inside GetResidentsResult is unusable: ${inner.why}` };
    result = inner.doc;
  } else if (asText) {
    // A bare sentence instead of data is Yardi saying no ("Invalid Credentials").
    return { kind: 'refused', messages: [asText] };
  }
  if (!isNode(result)) return { kind: 'malformed', why: 'GetResidentsResult is empty' };

  const found = firstChild(result, ['MITS-ResidentData', 'ResidentData']);
  const data = isNode(found) ? found : hasResidentData(result) ? result : null;
  const errors = [...messagesOf(child(result, 'Messages')), ...(data && data !== result ? messagesOf(child(data, 'Messages')) : [])]
    .filter((m) => m.type === 'error')
    .map((m) => m.text);
  if (errors.length > 0) return { kind: 'refused', messages: errors };
  if (!data) return { kind: 'malformed', why: 'GetResidentsResult holds no MITS-ResidentData' };

  const groups = [...asArray(child(data, 'PropertyResidents')), ...asArray(child(data, 'Property'))].filter(isNode);
  if (groups.length === 0) return { kind: 'malformed', why: 'the resident data names no property (PropertyResidents or Property)' };
  const wanted = propertyId.trim().toLowerCase();
  const codes = groups.map(propertyCodeOf);
  const matching = groups.filter((_, i) => codes[i] === null || codes[i]!.toLowerCase() === wanted);
  if (matching.length === 0) {
    return { kind: 'malformed', why: `the answer is for property ${clip(codes[0], 40)}, not ${propertyId}` };
  }
  const people: YardiPerson[] = [];
  for (const g of matching) {
    // GetResidents: PropertyResidents / Residents / Resident. MITS: Property / Customers / Customer.
    const lists: Array<[string, string]> = [
      ['Residents', 'Resident'],
      ['Customers', 'Customer'],
    ];
    for (const [listName, itemName] of lists) {
      const list = child(g, listName);
      if (list === undefined || list === '') continue;
      if (!isNode(list)) return { kind: 'malformed', why: `${listName} is not a list of ${itemName} elements` };
      for (const item of asArray(child(list, itemName))) {
        if (!isNode(item)) return { kind: 'malformed', why: `a ${itemName} element is empty` };
        people.push({ node: item, household: null });
        for (const o of occupantsOf(item)) people.push({ node: o, household: item });
      }
    }
  }
  return { kind: 'ok', propertyCode: codes.find((c) => c !== null) ?? null, people };
}

function hasResidentData(node: XmlNode): boolean {
  return child(node, 'PropertyResidents') !== undefined || child(node, 'Property') !== undefined;
}

/**
 * A lease holder's roommates: OtherOccupants / OtherOccupant (GetResidents), or OtherOccupants
 * elements that are each one occupant (the customer-search layout).
 */
function occupantsOf(holder: XmlNode): XmlNode[] {
  const out: XmlNode[] = [];
  for (const group of asArray(child(holder, 'OtherOccupants'))) {
    if (!isNode(group)) continue;
    const inner = child(group, 'OtherOccupant');
    if (inner !== undefined) {
      for (const o of asArray(inner)) if (isNode(o)) out.push(o);
    } else if (personIdOf(group) !== null) {
      out.push(group);
    }
  }
  return out;
}

function messagesOf(messages: unknown): Array<{ type: string; text: string }> {
  const out: Array<{ type: string; text: string }> = [];
  for (const group of asArray(messages)) {
    if (!isNode(group)) continue;
    for (const m of asArray(child(group, 'Message'))) {
      const type = (isNode(m) ? textOf(m['@_messageType']) ?? textOf(m['@_MessageType']) : null) ?? 'error';
      const text = textOf(m);
      if (text) out.push({ type: type.toLowerCase(), text });
    }
  }
  return out;
}

function propertyCodeOf(p: XmlNode): string | null {
  const id = child(p, 'PropertyID');
  if (isNode(id)) {
    for (const ident of asArray(id.Identification)) if (isNode(ident)) {
      const v = field(ident, 'IDValue');
      if (v) return v;
    }
    const own = textOf(id);
    if (own) return own;
  } else if (textOf(id)) {
    return textOf(id);
  }
  return field(p, 'PropertyCode') ?? field(p, 'YardiPropertyId') ?? field(p, 'Code');
}

const ID_TYPES = new Set(['residentid', 'tenantid', 'tenantcode', 'residentcode', 'tcode']);

/** The tenant code from MITS Identification elements: the one typed as a resident id, else the only one. */
export function customerId(c: XmlNode): string | null {
  const idents = asArray(c.Identification).filter(isNode);
  const typed = idents.find((i) => ID_TYPES.has((field(i, 'IDType') ?? '').toLowerCase().replace(/[^a-z]/g, '')));
  const pick = typed ?? (idents.length === 1 ? idents[0] : idents.find((i) => field(i, 'IDValue')));
  return pick ? field(pick, 'IDValue') : null;
}

/**
 * A person's Yardi code: a MITS customer's Identification, a Resident's tCode, or a roommate's
 * Code. Identification goes first because it is what MITS customers were always keyed by: a
 * customer that also carries a Code must keep the id it had, or it would read as one person
 * leaving (and being disabled) and another arriving.
 */
export function personIdOf(n: XmlNode): string | null {
  return customerId(n) ?? field(n, 'tCode') ?? field(n, 'Code') ?? field(n, 'CustomerID');
}

/** Phone kinds, most useful first; anything else after them, and faxes never. */
const PHONE_ORDER = ['cell', 'mobile', 'home', 'office', 'work', 'business'];
/** Phone numbers given as their own elements rather than Phone entries. */
const FLAT_PHONES: Array<[string, string]> = [
  ['CellPhone', 'cell'],
  ['MobilePhone', 'mobile'],
  ['MobileNumber', 'mobile'],
  ['HomePhone', 'home'],
  ['HomeNumber', 'home'],
  ['OfficePhone', 'office'],
  ['OfficeNumber', 'office'],
  ['WorkPhone', 'work'],
];

function phoneOf(n: XmlNode): string | null {
  const phones: Array<{ type: string; number: string | null }> = [];
  const addFlat = (node: XmlNode) => {
    for (const [name, type] of FLAT_PHONES) phones.push({ type, number: textOf(child(node, name)) });
  };
  for (const p of asArray(child(n, 'Phone'))) {
    if (!isNode(p)) {
      phones.push({ type: '', number: textOf(p) });
      continue;
    }
    const type = field(p, 'PhoneType') ?? field(p, 'type') ?? field(p, 'Type') ?? field(p, 'PhoneDescription') ?? '';
    phones.push({ type: type.toLowerCase(), number: textOf(p.PhoneNumber) ?? textOf(p.SafePhoneNumber) ?? textOf(p['#text']) });
    addFlat(p);
  }
  addFlat(n);
  const usable = phones.filter((p) => p.number !== null && !/fax/.test(p.type));
  const rank = (t: string) => {
    const i = PHONE_ORDER.indexOf(t);
    return i < 0 ? PHONE_ORDER.length : i;
  };
  usable.sort((a, b) => rank(a.type) - rank(b.type));
  return usable[0]?.number ?? null;
}

function emailOf(n: XmlNode): string | null {
  const direct = textOf(child(n, 'Email'));
  if (direct) return direct;
  for (const a of asArray(child(n, 'Address'))) if (isNode(a)) {
    const e = textOf(a.Email);
    if (e) return e;
  }
  return null;
}

function unitOf(n: XmlNode): string | null {
  const own = textOf(child(n, 'UnitCode'));
  if (own) return own;
  for (const lease of asArray(child(n, 'Lease'))) if (isNode(lease)) {
    const u = textOf(lease.UnitID) ?? textOf(lease.UnitCode);
    if (u) return u;
  }
  return textOf(child(n, 'UnitID')) ?? textOf(child(n, 'Unit'));
}

function nameOf(n: XmlNode): { first: string | null; last: string | null } {
  const name = child(n, 'Name');
  const from = isNode(name) ? name : n;
  return { first: textOf(child(from, 'FirstName')) ?? textOf(child(n, 'FirstName')), last: textOf(child(from, 'LastName')) ?? textOf(child(n, 'LastName')) };
}

/**
 * The Status element (or the customer-search layout's Identification Status), else a MITS
 * customer Type that names a status ("current resident"); a Type that only names a role
 * ("resident", "roommate") is not one. A lease source that says nothing about a person's lease
 * reports "Unknown", which the engine does not treat as current.
 */
function statusWordOf(n: XmlNode): string | null {
  const own = textOf(child(n, 'Status'));
  if (own) return own;
  for (const ident of asArray(child(n, 'Identification'))) if (isNode(ident)) {
    const s = textOf(ident.Status);
    if (s) return s;
  }
  const type = field(n, 'Type');
  return type && /^(current|former|past|future|notice|applicant|eviction)\b/i.test(type) ? type : null;
}

/** A m/d/yyyy (or yyyy-mm-dd) date as a UTC day number, or null. */
function dayOf(text: string | null): number | null {
  if (!text) return null;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})/.exec(text);
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  const ms = us ? Date.UTC(+us[3], +us[1] - 1, +us[2]) : iso ? Date.UTC(+iso[1], +iso[2] - 1, +iso[3]) : NaN;
  // "1/1/1900" and the like are "no date" placeholders, not a move-out that disables someone.
  if (!Number.isFinite(ms) || new Date(ms).getUTCFullYear() < 1950) return null;
  return Math.floor(ms / 86_400_000);
}

/**
 * A roommate has no status of their own: they share the lease holder's. One whose own
 * MoveOutDate has passed has left while the lease goes on, so they are past, not current.
 */
function occupantStatus(o: XmlNode, holder: XmlNode, today: number): string {
  const out = dayOf(textOf(child(o, 'MoveOutDate')));
  if (out !== null && out < today) return 'Past';
  return statusWordOf(o) ?? statusWordOf(holder) ?? 'Unknown';
}

/** One person as a SourceRecord; `externalId` must already have been checked. */
export function personToRecord(p: YardiPerson, externalId: string, siteKey: string, now = Date.now()): SourceRecord {
  const { node, household } = p;
  const name = nameOf(node);
  const status = household ? occupantStatus(node, household, Math.floor(now / 86_400_000)) : (statusWordOf(node) ?? 'Unknown');
  return {
    externalId,
    firstName: clip(name.first, 100),
    lastName: clip(name.last, 100),
    email: clip(emailOf(node), 254),
    phone: clip(phoneOf(node), 40),
    unit: clip(unitOf(node) ?? (household ? unitOf(household) : null), 40),
    status: clip(yardiStatus(status), 60),
    type: 'resident',
    siteKey,
    raw: boundedRaw(node),
  };
}
