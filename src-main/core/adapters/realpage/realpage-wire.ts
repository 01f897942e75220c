import type { SourceRecord } from '../types';
import { isKnownStatusWord } from '../../sync/status-map';
import { asArray, boundedRaw, child, clip, firstChild, isNode, parseXml, soapEnvelope, soapParser, textOf } from '../yardi/soap';
import type { XmlNode } from '../yardi/soap';

/**
 * RealPage RPX gateway (OneSite), operation getresidentlistinfo, SOAP 1.1 (WCF, tempuri.org):
 *
 *   SOAPAction: "http://tempuri.org/IRPXService/getresidentlistinfo"
 *   <getresidentlistinfo xmlns="http://tempuri.org/">
 *     <auth> pmcid, siteid, [username, password,] licensekey, system (OneSite) </auth>
 *     <getresidentlistinfo> headofhousehold (false: every member), status (C | P | F) </getresidentlistinfo>
 *
 * The arguments element carries the operation's own name, as in every RPX call
 * (getresident/getresident, getleaseinfo/getleaseinfo…). One site per call and no paging;
 * `status` picks current (notice included), pending (applicants, future leases) or former
 * residents, so a site is three calls. The answer:
 *
 *   getresidentlistinfoResponse / getresidentlistinfoResult / residentlist / resident
 *     residentid (the household), residentmemberid (the person), unitid, unitnumber,
 *     firstname, lastname, email, homephone, cellphone, workphone, leasestatus, dates…
 *
 * Element names are read without regard to case ("ResidentList" / "Resident" appear too), and
 * a result sent as escaped XML is parsed a second time. Refusals come as SOAP Faults.
 */

export const RPX_NS = 'http://tempuri.org/';
export const GET_RESIDENT_LIST_INFO_ACTION = 'http://tempuri.org/IRPXService/getresidentlistinfo';

/** The status lists read for each site, most current first: the first list naming a person wins. */
export const RPX_STATUS_LISTS = [
  { code: 'C', label: 'current residents' },
  { code: 'P', label: 'pending residents and applicants' },
  { code: 'F', label: 'former residents' },
] as const;
export type RpxStatusCode = (typeof RPX_STATUS_LISTS)[number]['code'];

export interface RpxAuth {
  pmcId: string;
  licenseKey: string;
  username?: string;
  password?: string;
}

/** The auth block's `system`: the RealPage product the gateway routes the call to. */
export const RPX_SYSTEM = 'OneSite';

export function residentListEnvelope(auth: RpxAuth, siteId: string, status: RpxStatusCode): string {
  // The order RPX clients generated from the gateway's WSDL send.
  const block: XmlNode = { pmcid: auth.pmcId, siteid: siteId };
  if (auth.username) block.username = auth.username;
  if (auth.password) block.password = auth.password;
  block.licensekey = auth.licenseKey;
  block.system = RPX_SYSTEM;
  return soapEnvelope({
    getresidentlistinfo: {
      '@_xmlns': RPX_NS,
      auth: block,
      getresidentlistinfo: { headofhousehold: 'false', status },
    },
  });
}

export const RPX_ARRAY_TAGS = ['resident'] as const;
export const rpxParser = soapParser(RPX_ARRAY_TAGS);

/**
 * OneSite lease-status words the sync engine's status map may not know, as the nearest word it
 * does (`raw.leasestatus` keeps RealPage's own). RealPage's own word is passed on whenever the
 * engine knows it. Some sites answer with the one-letter list codes instead of words: P (the
 * pending list) holds applicants as well as future residents, so it is read as the more
 * cautious "Applicant".
 */
const STATUS_SYNONYMS: Record<string, string> = {
  c: 'Current',
  p: 'Applicant',
  f: 'Former',
  'applicant lease signed': 'Approved',
  'future lease': 'Preleased',
  'former applicant': 'Cancelled',
};

export function rpxStatus(word: string | null): string | null {
  if (word === null) return null;
  if (isKnownStatusWord(word)) return word;
  const key = word.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return STATUS_SYNONYMS[key] ?? word;
}

export type ResidentListAnswer =
  | { kind: 'ok'; residents: XmlNode[] }
  /** An error reported inside a successful answer rather than as a Fault. */
  | { kind: 'refused'; message: string }
  | { kind: 'malformed'; why: string };

/** Error elements a result may carry in place of a resident list. */
const ERROR_NAMES = ['Error', 'ErrorMessage', 'ErrorDescription', 'Errors'];

export function readResidentList(body: XmlNode): ResidentListAnswer {
  const response = child(body, 'getresidentlistinfoResponse');
  if (!isNode(response)) return { kind: 'malformed', why: 'the SOAP Body holds no getresidentlistinfoResponse' };
  let result = child(response, 'getresidentlistinfoResult');
  if (result === undefined) return { kind: 'malformed', why: 'getresidentlistinfoResponse holds no getresidentlistinfoResult' };
  // A result sent as a string of escaped XML (or CDATA) is a document of its own.
  if (typeof result === 'string' && result.replace(/^\uFEFF/, '').trim().startsWith('<')) {
    const inner = parseXml(result, rpxParser);
    if (!inner.ok) return { kind: 'malformed', why: `the resident list inside getresidentlistinfoResult is unusable: ${inner.why}` };
    result = inner.doc;
  }
  // An empty result is a site with nobody in that status list.
  if (result === '') return { kind: 'ok', residents: [] };
  if (!isNode(result)) return { kind: 'malformed', why: 'getresidentlistinfoResult is not a resident list' };
  const list = child(result, 'residentlist');
  if (list === undefined) {
    const error = textOf(firstChild(result, ERROR_NAMES)) ?? errorText(firstChild(result, ERROR_NAMES));
    if (error) return { kind: 'refused', message: error };
    return { kind: 'malformed', why: 'getresidentlistinfoResult holds no residentlist' };
  }
  if (list === '') return { kind: 'ok', residents: [] };
  if (!isNode(list)) return { kind: 'malformed', why: 'residentlist is not a list of resident elements' };
  const residents: XmlNode[] = [];
  for (const r of asArray(child(list, 'resident'))) {
    if (!isNode(r)) return { kind: 'malformed', why: 'a resident element is empty' };
    residents.push(r);
  }
  return { kind: 'ok', residents };
}

/** The words of an error element that nests them (Error / Description, Errors / Error…). */
function errorText(node: unknown): string | null {
  if (!isNode(node)) return null;
  for (const key of Object.keys(node)) {
    if (key.startsWith('@_')) continue;
    const t = textOf(node[key]) ?? errorText(node[key]);
    if (t) return t;
  }
  return null;
}

/** A resident field by its lower-case name, whatever case the gateway used. */
function f(r: XmlNode, name: string): string | null {
  return textOf(child(r, name));
}

/** The person: residentmemberid when sent (roommates share a residentid), else residentid. */
export function residentKey(r: XmlNode): string | null {
  return f(r, 'residentmemberid') ?? f(r, 'residentid') ?? f(r, 'residenthouseholdid');
}

export function residentToRecord(r: XmlNode, externalId: string, siteKey: string): SourceRecord {
  return {
    externalId,
    firstName: clip(f(r, 'firstname'), 100),
    lastName: clip(f(r, 'lastname'), 100),
    email: clip(f(r, 'email'), 254),
    phone: clip(f(r, 'cellphone') ?? f(r, 'mobilephone') ?? f(r, 'homephone') ?? f(r, 'workphone') ?? f(r, 'phone'), 40),
    unit: clip(f(r, 'unitnumber'), 40),
    // Without a lease status the engine must not take the person for a current resident.
    status: clip(rpxStatus(f(r, 'leasestatus') ?? 'Unknown'), 60),
    type: 'resident',
    siteKey,
    raw: boundedRaw(r),
  };
}
