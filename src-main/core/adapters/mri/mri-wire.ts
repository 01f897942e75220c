import type { SourceRecord } from '../types';
import { wireText as text } from '../wire-text';

/**
 * MRI Residential (PMX) "MRI_S-PMRM_ResidentsByPropertyID" over MRI's API services:
 *
 *   GET {base}/mriapiservices/api.asp?$api=MRI_S-PMRM_ResidentsByPropertyID&RMPROPID=<prop>&$format=json
 *       Authorization: Basic base64("<clientid>/<database>/<user>/<partnerkey>:<password>")
 *   → { "odata.metadata": "…", "value": [ { ResidentNameID, RMPROPID, RMBLDGID, UNITID, RMLEASEID,
 *        FirstName, LastName, Email, PhoneNumber, Cell, Status, … } ], "nextLink": "https://…" }
 *
 * MRI's column names are not spelled the same by every API and version: the residents-by-property
 * call says ResidentNameID / RMPROPID / UNITID, the residents call NameId / PropertyId / UnitId,
 * older integrations NameID / RMPropID / UnitID. Names are therefore looked up without regard to
 * case and from a list of known spellings. MRI keeps one lease (household) per unit and one name
 * id per person on it, so the person's id is the name id (the lease / resident id when a system
 * sends none). Values come from fixed-width columns and often carry trailing spaces; ids may be
 * numbers.
 */

export const MRI_RESIDENTS_API = 'MRI_S-PMRM_ResidentsByPropertyID';

const FIELDS = {
  personId: ['ResidentNameID', 'NameID', 'NameId', 'ResidentNameId'],
  // ResidentID first: it is what a row without a name id was always keyed by, and a person whose
  // id moved to the lease id would read as someone leaving (and be disabled).
  householdId: ['ResidentID', 'ResidentId', 'RMLEASEID', 'LeaseID', 'LeaseId'],
  propertyId: ['RMPROPID', 'RMPropID', 'RMPropertyID', 'PropertyID', 'PropertyId', 'ResidentsPropertyId'],
  buildingId: ['RMBLDGID', 'RMBldgID', 'BuildingID', 'BuildingId'],
  unitId: ['UNITID', 'UnitID', 'UnitId'],
  firstName: ['FirstName', 'FIRSTNAME'],
  lastName: ['LastName', 'LASTNAME'],
  email: ['Email', 'EMailAddress', 'EmailAddress'],
  // Mobile first: access systems text it.
  phone: ['Cell', 'CellPhone', 'MobilePhone', 'PersonalPhone', 'PhoneNumber', 'Phone', 'HomePhone', 'WorkPhone1', 'WorkPhone', 'WorkPhone2'],
  status: ['Status', 'NameStatus', 'ResidentStatus', 'LeaseStatus', 'OccupantStatus'],
  // Prospect / applicant / resident flag of the residents call: the fallback status.
  kind: ['ProspectApplicantResident'],
} as const;

export type MriField = keyof typeof FIELDS;

/** Every spelling of a column that can identify a person (the fake strips these to make a bad row). */
export const MRI_ID_COLUMNS: readonly string[] = [...FIELDS.personId, ...FIELDS.householdId];



/** A resident row with its columns findable by any known spelling, in any case. */
export class MriRow {
  private readonly byLower = new Map<string, unknown>();

  constructor(readonly raw: Record<string, unknown>) {
    for (const [k, v] of Object.entries(raw)) if (!this.byLower.has(k.toLowerCase())) this.byLower.set(k.toLowerCase(), v);
  }

  get(field: MriField): string | null {
    for (const name of FIELDS[field]) {
      const v = text(this.byLower.get(name.toLowerCase()));
      if (v !== null) return v;
    }
    return null;
  }

  /** The person's id, or null when the row names nobody. */
  personId(): string | null {
    return this.get('personId') ?? this.get('householdId');
  }
}

/*
 * Some MRI calls send one-letter codes instead of words. Only codes whose meaning MRI integrations
 * agree on are translated (to a word the sync engine knows); any other code passes through as sent,
 * so the engine reports it as an unknown status instead of Rollcall guessing.
 */
// Only codes that keep access on are translated. A guessed code that meant "moved out" where it
// means something else ("A" is Active in some MRI set-ups) would disable real residents; left as
// sent, an unknown code leaves a linked person's access as it is (the engine says why).
const STATUS_CODES: Record<string, string> = { C: 'Current', R: 'Resident', N: 'Notice', F: 'Future' };
const KIND_CODES: Record<string, string> = { P: 'Prospect', A: 'Applicant', R: 'Resident' };

export function mriStatus(row: MriRow): string | null {
  const status = row.get('status');
  if (status) return Object.hasOwn(STATUS_CODES, status.toUpperCase()) ? STATUS_CODES[status.toUpperCase()] : status;
  const kind = row.get('kind');
  return kind ? (Object.hasOwn(KIND_CODES, kind.toUpperCase()) ? KIND_CODES[kind.toUpperCase()] : kind) : null;
}

export type MriPage = { ok: true; rows: Record<string, unknown>[]; nextLink: string | null } | { ok: false; why: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads one page in any of the JSON shapes MRI's OData-flavoured services answer with:
 * `{ value: [...] }` (light), `{ d: { results: [...], __next } }` (verbose), a bare array, or a
 * single row object where a list was expected. Paging links: nextLink, @odata.nextLink,
 * odata.nextLink, __next. A body with metadata but no `value` is an empty result.
 */
export function readMriPage(body: unknown): MriPage {
  if (Array.isArray(body)) return rowsOf(body, null);
  if (!isObject(body)) return { ok: false, why: 'the answer is not a JSON object' };
  const d = isObject(body.d) ? body.d : null;
  const link = text(body.nextLink) ?? text(body['@odata.nextLink']) ?? text(body['odata.nextLink']) ?? text(body.__next) ?? text(d?.__next);
  if ('value' in body) {
    const v = body.value;
    if (v === null) return { ok: true, rows: [], nextLink: link };
    if (isObject(v)) return rowsOf([v], link);
    if (!Array.isArray(v)) return { ok: false, why: 'value: expected a list of residents' };
    return rowsOf(v, link);
  }
  if (d) {
    if (Array.isArray(d.results)) return rowsOf(d.results, link);
    if (Array.isArray(d)) return rowsOf(d as unknown[], link);
  }
  // Only a metadata envelope: the property has nobody to list.
  if (Object.keys(body).every((k) => k.startsWith('odata.') || k.startsWith('@odata.'))) return { ok: true, rows: [], nextLink: link };
  return { ok: false, why: 'the answer has no resident list (value)' };
}

function rowsOf(list: unknown[], nextLink: string | null): MriPage {
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    if (!isObject(r)) return { ok: false, why: `value.${i}: a resident is not an object` };
    if (!new MriRow(r).personId()) return { ok: false, why: `value.${i}: a resident has no name id (ResidentNameID / NameID)` };
  }
  return { ok: true, rows: list as Record<string, unknown>[], nextLink };
}

export function mriResidentToRecord(row: MriRow, propertyId: string): SourceRecord {
  const building = row.get('buildingId');
  const household = row.get('householdId');
  const personOwnId = row.get('personId');
  const tags: string[] = [];
  if (building) tags.push(`Building ${building}`);
  if (household && personOwnId) tags.push(`Household ${household}`);
  return {
    externalId: row.personId()!,
    firstName: row.get('firstName'),
    lastName: row.get('lastName'),
    email: row.get('email'),
    phone: row.get('phone'),
    unit: row.get('unitId'),
    status: mriStatus(row),
    type: 'resident',
    tags,
    siteKey: row.get('propertyId') ?? propertyId,
    raw: structuredClone(row.raw),
  };
}
