import { CSV_IMPORT_FIELDS } from '../../../contract/dto';
import type { CsvImportField } from '../../../contract/dto';
import { CsvError } from './csv-error';

/**
 * Which CSV column feeds which SourceRecord field. Exports name the same thing a dozen ways
 * ("Resident ID", "tenant_id", "Member #"), so headers are compared after folding case, accents and
 * punctuation, first against exact synonyms (all fields), then by the words they contain (for the
 * fields still unmapped). An explicit mapping always wins over the guess, field by field; the rest
 * is still guessed. Columns that feed nothing are reported as ignored and kept in `raw`.
 */

/** The record fields a column can feed: declared once, in the contract, where the console's mapping table needs them too. */
export const CSV_FIELDS = CSV_IMPORT_FIELDS;
export type CsvField = CsvImportField;

/**
 * An explicit mapping: an object from header to field (null or 'ignore' keeps a column out of the
 * guess), or the CLI form "field=Header,field=Header" (e.g. "email=E-mail Address,externalId=ID").
 */
export type ColumnMappingInput = Record<string, CsvField | 'ignore' | null> | string;

export interface ResolvedMapping {
  /** Column index per mapped field. */
  columns: Partial<Record<CsvField, number>>;
  /** The header names as they appear in the file (duplicates made unique: "Phone (2)"). */
  headers: string[];
  /** Field → header, for reports and messages. */
  byField: Partial<Record<CsvField, string>>;
  /** Which fields came from the explicit mapping rather than the guess. */
  explicitFields: CsvField[];
  /** Headers that feed no field. */
  ignored: string[];
}

interface FieldRule {
  /** Folded header keys, best first. */
  exact: string[];
  /** Word groups: a header containing every word of a group matches. Best first. */
  words?: string[][];
  /** A header containing any of these words is never matched by `words` (e.g. "Emergency Contact Phone"). */
  avoid?: string[];
}

const PERSON_WORDS = ['resident', 'tenant', 'member', 'customer', 'client', 'person', 'employee', 'staff', 'user', 'occupant'];

const RULES: Record<CsvField, FieldRule> = {
  externalId: {
    exact: [
      'externalid', 'id', 'residentid', 'residentcode', 'tenantid', 'tenantcode', 'tcode', 'memberid',
      'membernumber', 'memberno', 'customerid', 'customernumber', 'clientid', 'clientnumber', 'personid',
      'personcode', 'employeeid', 'employeenumber', 'staffid', 'userid', 'recordid', 'accountid',
      'accountnumber', 'uniqueid', 'uid', 'occupantid', 'occupantcode', 'reshid', 'residentnumber', 'tenantnumber',
      'contactid', 'barcodeid', 'clientbarcode', 'memberbarcode', 'badgeid', 'badgenumber', 'personnumber', 'profileid',
    ],
    words: PERSON_WORDS.flatMap((w) => [[w, 'id'], [w, 'code'], [w, 'number']]),
    avoid: ['unit', 'property', 'lease', 'site', 'building', 'location', 'club', 'phone', 'mobile', 'emergency', 'contact', 'card', 'tax', 'ssn'],
  },
  firstName: {
    exact: [
      'firstname', 'first', 'givenname', 'forename', 'fname', 'residentfirstname', 'tenantfirstname',
      'memberfirstname', 'customerfirstname',
    ],
    words: [['first', 'name'], ['given', 'name'], ['forename']],
    avoid: ['emergency', 'contact', 'guarantor', 'spouse', 'parent'],
  },
  lastName: {
    exact: [
      'lastname', 'last', 'surname', 'familyname', 'lname', 'residentlastname', 'tenantlastname',
      'memberlastname', 'customerlastname',
    ],
    words: [['last', 'name'], ['family', 'name'], ['surname']],
    avoid: ['emergency', 'contact', 'guarantor', 'spouse', 'parent'],
  },
  fullName: {
    exact: [
      'fullname', 'name', 'residentname', 'tenantname', 'membername', 'customername', 'clientname',
      'personname', 'displayname', 'employeename', 'tenant', 'resident', 'primaryresident', 'primarytenant', 'occupant',
      'occupantname', 'member', 'client', 'customer', 'leaseholder', 'householdname',
    ],
    words: [['full', 'name'], ...PERSON_WORDS.map((w) => [w, 'name'])],
    avoid: ['emergency', 'contact', 'guarantor', 'property', 'site', 'building', 'club', 'user', 'file'],
  },
  // Email and phone are ranked rather than matched in order (see contactRank): a file often has
  // several ("Home Phone", "Mobile Phone"; "Primary Email", "Work Email") and the best one may
  // come last. The exact lists only serve explicit mappings and messages.
  email: { exact: [] },
  phone: { exact: [] },
  unit: {
    exact: [
      'unit', 'apt', 'apartment', 'unitnumber', 'unitno', 'unitid', 'unitcode', 'unitname', 'aptnumber',
      'aptno', 'apartmentnumber', 'suite', 'suitenumber', 'room', 'roomnumber', 'bldgunit', 'buildingunit',
    ],
    words: [['unit'], ['apt'], ['apartment'], ['suite']],
    avoid: ['type', 'rent', 'sqft', 'size', 'status', 'count', 'amenity', 'market'],
  },
  status: {
    exact: [
      'status', 'leasestatus', 'tenantstatus', 'residentstatus', 'membershipstatus', 'memberstatus',
      'accountstatus', 'occupancystatus', 'customerstatus', 'employmentstatus',
    ],
    words: [['status']],
    avoid: ['marital', 'payment', 'email', 'phone', 'unit', 'insurance', 'pet', 'vehicle'],
  },
  type: {
    // Only exact: "Unit Type" or "Membership Type" hold other kinds of value.
    exact: ['type', 'persontype', 'residenttype', 'usertype', 'role', 'occupanttype', 'peopletype'],
  },
  siteKey: {
    // Codes first: the site's property codes are what a key is compared with.
    exact: [
      'propertycode', 'sitecode', 'buildingcode', 'locationcode', 'property', 'propertyid', 'propertyname', 'site', 'siteid', 'sitename',
      'building', 'buildingid', 'buildingname', 'location', 'locationid',
      'locationname', 'homelocation', 'club', 'clubid', 'clubname', 'homeclub', 'facility', 'facilityid', 'community',
      'communityid', 'propertyref',
    ],
    words: [['property'], ['site'], ['building'], ['location'], ['club'], ['community'], ['facility']],
    avoid: ['address', 'manager', 'phone', 'email', 'website', 'type', 'city', 'zip', 'postcode', 'state'],
  },
  tags: {
    // A person's tags before the file's other tags (AppFolio has "Tags" for the unit and "Tenant Tags").
    exact: ['tenanttags', 'residenttags', 'membertags', 'clienttags', 'persontags', 'tags', 'tag', 'labels', 'label', 'groups', 'accessgroups', 'taglist'],
  },
};

/** Lower-case words of a header: accents folded, camelCase split, "#" read as "number". */
export function headerWords(header: string): string[] {
  return header
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/#/g, ' number ')
    .replace(/\bno\b\.?/g, ' number ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/** The key headers are compared by: "E-mail" and "email", "Member #" and "member_number" meet. */
export function headerKey(header: string): string {
  // "e-mail" is split into "e" and "mail" above; joining the words gives back "email".
  return headerWords(header).join('');
}

/** Unique, non-empty header names: blank cells get "Column 5", repeats get "Phone (2)". */
export function uniqueHeaders(headerRow: string[]): string[] {
  // A renamed copy (or a made-up name for a blank header) must take neither a name handed out
  // already nor the name of a real column: with "Email, Email, Email (2)" the second copy would
  // otherwise share its key in `raw` with the third, and one value would silently vanish.
  const key = (name: string) => name.toLowerCase();
  const real = new Set(headerRow.map((h) => key(h.trim())).filter((h) => h !== ''));
  const handed = new Set<string>();
  return headerRow.map((raw, index) => {
    const trimmed = raw.trim();
    const base = trimmed === '' ? `Column ${index + 1}` : trimmed;
    let name = base;
    for (let n = 2; handed.has(key(name)) || (name !== trimmed && real.has(key(name))); n++) name = `${base} (${n})`;
    handed.add(key(name));
    return name;
  });
}

/** Guess only: every field that some header plausibly names. */
export function guessColumnMapping(headers: string[]): Partial<Record<CsvField, number>> {
  return guessInto(headers, {}, new Set());
}

function guessInto(
  headers: string[],
  columns: Partial<Record<CsvField, number>>,
  taken: Set<number>,
): Partial<Record<CsvField, number>> {
  const keys = headers.map(headerKey);
  const words = headers.map(headerWords);

  for (const field of CSV_FIELDS) {
    if (columns[field] !== undefined) continue;
    if (field === 'email' || field === 'phone') {
      const index = bestContactColumn(field, words, taken);
      if (index >= 0) {
        columns[field] = index;
        taken.add(index);
      }
      continue;
    }
    for (const synonym of RULES[field].exact) {
      const index = keys.findIndex((k, i) => k === synonym && !taken.has(i));
      if (index >= 0) {
        columns[field] = index;
        taken.add(index);
        break;
      }
    }
  }

  for (const field of CSV_FIELDS) {
    const rule = RULES[field];
    if (columns[field] !== undefined || !rule.words) continue;
    const avoid = new Set(rule.avoid ?? []);
    outer: for (const group of rule.words) {
      for (let i = 0; i < headers.length; i++) {
        if (taken.has(i)) continue;
        const w = words[i];
        if (w.some((x) => avoid.has(x))) continue;
        if (group.every((g) => w.includes(g))) {
          columns[field] = i;
          taken.add(i);
          break outer;
        }
      }
    }
  }

  // Yardi's rent roll heads the tenant code "Resident" and the name "Name": when the name has
  // its own column and nothing else identifies people, a bare "Resident"/"Tenant" column is the code.
  if (columns.externalId === undefined && (columns.fullName !== undefined || columns.lastName !== undefined)) {
    const index = keys.findIndex((k, i) => BARE_PERSON_KEYS.has(k) && !taken.has(i));
    if (index >= 0) {
      columns.externalId = index;
      taken.add(index);
    }
  }
  return columns;
}

const BARE_PERSON_KEYS = new Set(['resident', 'tenant', 'member', 'client', 'customer', 'residentcode', 'tenantcode']);

/** A header that names someone else's contact, or something about the contact rather than it. */
const CONTACT_AVOID: Record<'email' | 'phone', Set<string>> = {
  email: new Set([
    'emergency', 'contact', 'guarantor', 'cosigner', 'spouse', 'parent', 'secondary', 'alternate', 'alt', 'opt', 'optin', 'optout',
    'consent', 'verified', 'subscribed', 'unsubscribed', 'sent', 'bounced', 'bounce', 'status', 'date', 'property', 'manager',
    'agent', 'owner', 'landlord', 'vendor', 'company', 'cc', 'type', 'invalid', 'domain',
  ]),
  phone: new Set([
    'emergency', 'contact', 'guarantor', 'cosigner', 'spouse', 'parent', 'fax', 'pager', 'alternate', 'alt', 'secondary', 'opt',
    'optin', 'consent', 'verified', 'provider', 'carrier', 'type', 'ext', 'extension', 'property', 'manager', 'agent', 'owner',
    'landlord', 'vendor', 'company', 'status', 'date', 'invalid',
  ]),
};
const MOBILE_WORDS = ['mobile', 'cell', 'cellphone', 'mobilephone', 'cellular', 'sms', 'text', 'handy', 'portable'];
const PHONE_WORDS = [...MOBILE_WORDS, 'phone', 'phones', 'telephone', 'telephones', 'tel', 'phonenumber', 'phonenumbers'];

/**
 * How good a header is as the person's email or phone, lower is better, or null if it is not
 * one. Phone: mobile first (a key or a text reaches it), then primary, then a plain "Phone" or
 * "Phone Numbers" (a multi-value cell is read for its mobile number later), then home, then work.
 * Email: primary first, then a plain "Email"/"Emails", then work, then personal/home.
 */
export function contactRank(field: 'email' | 'phone', words: string[]): number | null {
  const avoid = CONTACT_AVOID[field];
  if (words.some((w) => avoid.has(w))) return null;
  const has = (...list: string[]) => list.some((w) => words.includes(w));
  if (field === 'phone') {
    if (!has(...PHONE_WORDS)) return null;
    if (has(...MOBILE_WORDS)) return 0;
    if (has('primary', 'main', 'preferred')) return 1;
    if (has('home', 'evening', 'landline', 'house')) return 3;
    if (has('work', 'office', 'business', 'day', 'daytime')) return 4;
    if (has('other', 'additional', 'second', '2')) return 5;
    return 2;
  }
  const isEmail = has('email', 'emails', 'mail', 'emailaddress', 'emailaddresses');
  if (!isEmail) return null;
  if (has('primary', 'main', 'preferred')) return 0;
  if (has('work', 'business', 'office', 'company')) return 2;
  if (has('personal', 'home', 'private')) return 3;
  if (has('other', 'additional', 'second', '2')) return 5;
  return 1;
}

function bestContactColumn(field: 'email' | 'phone', words: string[][], taken: Set<number>): number {
  let best = -1;
  let bestRank = Infinity;
  for (let i = 0; i < words.length; i++) {
    if (taken.has(i)) continue;
    const rank = contactRank(field, words[i]);
    if (rank !== null && rank < bestRank) {
      best = i;
      bestRank = rank;
    }
  }
  return best;
}

/** Names the CLI accepts for a field, besides the field's own name (any case). */
const FIELD_ALIASES: Record<string, CsvField> = {
  id: 'externalId',
  externalid: 'externalId',
  first: 'firstName',
  last: 'lastName',
  name: 'fullName',
  fullname: 'fullName',
  mobile: 'phone',
  property: 'siteKey',
  site: 'siteKey',
  sitekey: 'siteKey',
  tag: 'tags',
};

export function parseFieldName(name: string): CsvField | null {
  const key = name.trim().toLowerCase().replace(/[^a-z]/g, '');
  const direct = CSV_FIELDS.find((f) => f.toLowerCase() === key);
  // Own aliases only: "constructor=Email" must be an unknown field, not Object.prototype's function.
  return direct ?? (Object.hasOwn(FIELD_ALIASES, key) ? FIELD_ALIASES[key] : null);
}

/**
 * Parses "email=E-mail Address,externalId=ID". Header names may contain commas: a comma only
 * separates pairs when a field name and "=" follow it.
 */
export function parseMappingString(spec: string): Array<{ field: CsvField; header: string }> {
  const pairs: Array<{ field: CsvField; header: string }> = [];
  const pieces: string[] = [];
  for (const piece of spec.split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0 && parseFieldName(piece.slice(0, eq)) !== null) pieces.push(piece);
    else if (pieces.length > 0) pieces[pieces.length - 1] += `,${piece}`;
    else if (piece.trim() !== '') pieces.push(piece);
  }
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    if (eq <= 0) {
      throw new CsvError(`Mapping "${piece.trim()}" should look like field=Header (for example externalId=Resident ID).`);
    }
    const fieldName = piece.slice(0, eq).trim();
    const field = parseFieldName(fieldName);
    if (!field) {
      throw new CsvError(`Unknown field "${fieldName}" in the mapping. Fields: ${CSV_FIELDS.join(', ')}.`);
    }
    pairs.push({ field, header: piece.slice(eq + 1).trim() });
  }
  return pairs;
}

/** Finds a header by its exact name first, then ignoring case and punctuation. */
function findHeader(headers: string[], wanted: string): number {
  const exact = headers.indexOf(wanted);
  if (exact >= 0) return exact;
  const trimmed = headers.findIndex((h) => h.trim().toLowerCase() === wanted.trim().toLowerCase());
  if (trimmed >= 0) return trimmed;
  const key = headerKey(wanted);
  return key === '' ? -1 : headers.findIndex((h) => headerKey(h) === key);
}

function listHeaders(headers: string[]): string {
  return headers.map((h) => `"${h}"`).join(', ');
}

/**
 * The mapping the source uses: explicit entries first, then the guess for the rest. Throws a
 * CsvError naming the headers found when the mapping cannot identify people (no external id column)
 * or refers to a header that is not there.
 */
export function resolveColumnMapping(headerRow: string[], explicit?: ColumnMappingInput): ResolvedMapping {
  const headers = uniqueHeaders(headerRow);
  const columns: Partial<Record<CsvField, number>> = {};
  const taken = new Set<number>();
  const explicitFields: CsvField[] = [];

  const pairs: Array<{ field: CsvField | null; header: string }> =
    typeof explicit === 'string'
      ? parseMappingString(explicit)
      : Object.entries(explicit ?? {}).map(([header, value]) => {
          if (value === null || value === 'ignore') return { field: null, header };
          const field = parseFieldName(value);
          if (!field) throw new CsvError(`Unknown field "${value}" for column "${header}". Fields: ${CSV_FIELDS.join(', ')}.`);
          return { field, header };
        });

  for (const { field, header } of pairs) {
    const index = findHeader(headers, header);
    if (index < 0) {
      throw new CsvError(`The mapping names a column "${header}" that is not in the file. Headers found: ${listHeaders(headers)}.`);
    }
    taken.add(index);
    if (field === null) continue;
    if (columns[field] !== undefined && columns[field] !== index) {
      throw new CsvError(`The mapping gives ${field} two columns ("${headers[columns[field]!]}" and "${headers[index]}"); choose one.`);
    }
    columns[field] = index;
    explicitFields.push(field);
  }

  guessInto(headers, columns, taken);

  if (columns.externalId === undefined) {
    throw new CsvError(
      `No column identifies people (an external id such as "Resident ID" or "Member #"). Headers found: ${listHeaders(headers)}. Name the column explicitly, e.g. externalId=<header>, or add the report's id column (such as "Tenant ID" in an AppFolio Tenant Directory) before exporting.`,
    );
  }

  const byField: Partial<Record<CsvField, string>> = {};
  const used = new Set<number>();
  for (const field of CSV_FIELDS) {
    const index = columns[field];
    if (index === undefined) continue;
    byField[field] = headers[index];
    used.add(index);
  }
  return {
    columns,
    headers,
    byField,
    explicitFields,
    ignored: headers.filter((_, i) => !used.has(i)),
  };
}
