import type { SourceRecord } from '../types';
import { asArray, boundedRaw, clip, isNode, soapEnvelope, soapParser, textOf } from '../yardi/soap';
import type { XmlNode } from '../yardi/soap';

/**
 * RealPage RPX gateway (OneSite), operation getresidentlistinfo, SOAP 1.1 (WCF, tempuri.org):
 *
 *   SOAPAction: "http://tempuri.org/IRPXService/getresidentlistinfo"
 *   <getresidentlistinfo xmlns="http://tempuri.org/">
 *     <auth> pmcid, siteid, licensekey, username, password </auth>
 *     <getresidentlistinfoargs> <status>C | P | F</status> </getresidentlistinfoargs>
 *
 * One site per call and no paging; `status` picks current (notice included), pending
 * (applicants) or former residents, so a site is three calls. The answer:
 *
 *   getresidentlistinfoResponse / getresidentlistinfoResult / residentlist / resident
 *     residentid (the household), residentmemberid (the person), unitid, unitnumber,
 *     firstname, lastname, email, homephone, cellphone, workphone, leasestatus, dates…
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

export function residentListEnvelope(auth: RpxAuth, siteId: string, status: RpxStatusCode): string {
  const block: XmlNode = { pmcid: auth.pmcId, siteid: siteId, licensekey: auth.licenseKey };
  if (auth.username) block.username = auth.username;
  if (auth.password) block.password = auth.password;
  return soapEnvelope({
    getresidentlistinfo: {
      '@_xmlns': RPX_NS,
      auth: block,
      getresidentlistinfoargs: { status },
    },
  });
}

export const RPX_ARRAY_TAGS = ['resident'] as const;
export const rpxParser = soapParser(RPX_ARRAY_TAGS);

/**
 * OneSite lease-status words the sync engine's status map does not know, as the nearest word it
 * does (`raw.leasestatus` keeps RealPage's own). "Applicant - Lease Signed" is an approved
 * applicant waiting to move in; "Future Lease" a signed lease not yet started (kept as future
 * so nobody gets access before their lease begins); "Former Applicant" an application that was
 * denied or cancelled.
 */
const STATUS_SYNONYMS: Record<string, string> = {
  'applicant lease signed': 'Approved',
  'future lease': 'Preleased',
  'former applicant': 'Cancelled',
};

export function rpxStatus(word: string | null): string | null {
  if (word === null) return null;
  const key = word.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return STATUS_SYNONYMS[key] ?? word;
}

export type ResidentListAnswer = { kind: 'ok'; residents: XmlNode[] } | { kind: 'malformed'; why: string };

export function readResidentList(body: XmlNode): ResidentListAnswer {
  const response = body.getresidentlistinfoResponse;
  if (!isNode(response)) return { kind: 'malformed', why: 'the SOAP Body holds no getresidentlistinfoResponse' };
  const result = response.getresidentlistinfoResult;
  if (result === undefined) return { kind: 'malformed', why: 'getresidentlistinfoResponse holds no getresidentlistinfoResult' };
  // An empty result is a site with nobody in that status list.
  if (result === '') return { kind: 'ok', residents: [] };
  if (!isNode(result)) return { kind: 'malformed', why: 'getresidentlistinfoResult is not a resident list' };
  const list = result.residentlist;
  if (list === undefined) return { kind: 'malformed', why: 'getresidentlistinfoResult holds no residentlist' };
  if (list === '') return { kind: 'ok', residents: [] };
  if (!isNode(list)) return { kind: 'malformed', why: 'residentlist is not a list of resident elements' };
  const residents: XmlNode[] = [];
  for (const r of asArray(list.resident)) {
    if (!isNode(r)) return { kind: 'malformed', why: 'a resident element is empty' };
    residents.push(r);
  }
  return { kind: 'ok', residents };
}

/** The person: residentmemberid when sent (roommates share a residentid), else residentid. */
export function residentKey(r: XmlNode): string | null {
  return textOf(r.residentmemberid) ?? textOf(r.residentid);
}

export function residentToRecord(r: XmlNode, externalId: string, siteKey: string): SourceRecord {
  return {
    externalId,
    firstName: clip(textOf(r.firstname), 100),
    lastName: clip(textOf(r.lastname), 100),
    email: clip(textOf(r.email), 254),
    phone: clip(textOf(r.cellphone) ?? textOf(r.homephone) ?? textOf(r.workphone) ?? textOf(r.phone), 40),
    unit: clip(textOf(r.unitnumber), 40),
    // Without a lease status the engine must not take the person for a current resident.
    status: clip(rpxStatus(textOf(r.leasestatus) ?? 'Unknown'), 60),
    type: 'resident',
    siteKey,
    raw: boundedRaw(r),
  };
}
