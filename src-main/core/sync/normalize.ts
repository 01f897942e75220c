import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';
import type { PersonStatus, PersonType } from '../../contract/dto';
import { PERSON_TYPES } from '../../contract/dto';
import type { SourceRecord } from '../adapters/types';
import { mapStatus } from './status-map';

/** A source record after normalisation: what policies, correlation and the mirror see. */
export interface NormalizedRecord {
  externalId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  unit: string | null;
  /** The vendor's word as sent (trimmed), kept for reasons ("Status Moved Out is excluded"). */
  statusWord: string | null;
  status: PersonStatus;
  type: PersonType | null;
  tags: readonly string[];
  /** Why an email or phone the source sent was not usable; shown in reasons and explanations. */
  problems: readonly string[];
}

/** Trimmed, inner whitespace collapsed to one space, Unicode NFC (so "é" typed two ways is one name). */
// Plain ASCII with single inner spaces is already normal: most names, and the hot path of a pass.
const TIDY_ASCII = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;

/*
 * Characters that have no place in a name and only hide or disguise it: C0/C1 controls other than
 * the whitespace ones (NUL, ESC, DEL...), bidi overrides and isolates (which make "Ruiz" display
 * as another name in the list and the log), and the zero-width space and word joiner. Joiners
 * (U+200C/U+200D) stay: scripts and emoji need them. Only reached for text that is not tidy ASCII.
 */
const HIDDEN = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u200b\u2060\u202a-\u202e\u2066-\u2069]+/g;
/** A lone UTF-16 surrogate: SQLite stores it as U+FFFD, so the name read back would never equal the record's. */
const LONE_SURROGATE = /\p{Cs}/gu;

export function normalizeName(value: string | null | undefined): string {
  if (value == null) return '';
  const s = String(value);
  if (TIDY_ASCII.test(s)) return s;
  return s.normalize('NFC').replace(HIDDEN, '').replace(/\s+/gu, ' ').trim().replace(LONE_SURROGATE, '\ufffd');
}

/** Name key for matching a source record to a hand-added person: case and accents do not count. */
export function nameKey(first: string, last: string): string {
  return `${first} ${last}`
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

// Deliberately practical rather than RFC 5322: one @, a dotted domain, no spaces, sane lengths.
// Invisible and control characters (\p{C}: NUL, bidi overrides, zero-width spaces, lone surrogates) are
// refused in the local part: an address that hides characters is a spoofing vector, not an address.
const EMAIL_RE = /^[^\s@"(),:;<>[\]\\\p{C}]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}]{2,}$/u;
const EMAIL_ASCII_RE = /^[!#-'*+\-./0-9=?A-Z^-~]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export interface Cleaned {
  value: string | null;
  problem: string | null;
}

export function normalizeEmail(value: string | null | undefined): Cleaned {
  if (value == null) return { value: null, problem: null };
  const s = String(value);
  // NFC leaves plain ASCII as it is, and skipping it is measurable at 100k records.
  const email = (PRINTABLE_ASCII.test(s) ? s : s.normalize('NFC')).trim().toLowerCase();
  if (email === '') return { value: null, problem: null };
  const local = email.slice(0, email.indexOf('@'));
  // The ASCII pattern settles almost every address; the Unicode one handles the rest.
  if (email.length > 254 || !(EMAIL_ASCII_RE.test(email) || EMAIL_RE.test(email)) || local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { value: null, problem: `Email "${email}" is not a valid address` };
  }
  return { value: email, problem: null };
}

/**
 * A record's email as the shared-email count compares it ('' for none). For a valid address it is
 * exactly normalizeEmail's value; plain ASCII skips the validation, which only decides whether an
 * address is usable, not what it is. Cheap enough to run over every settled record of a pass.
 */
export function emailMatchKey(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  const email = raw.trim().toLowerCase();
  return PRINTABLE_ASCII.test(email) ? email : (normalizeEmail(raw).value ?? '');
}

// North American numbers are most of what US/Canadian sites send; checking their shape directly
// is ~50x cheaper than a full parse and gives the same E.164 answer for well-formed numbers.
const NANP_REGIONS = new Set(['US', 'CA', 'PR', 'GU', 'VI', 'AS', 'MP']);
const NANP_RE = /^1?([2-9]\d{2}[2-9]\d{6})$/;

/** Phone to E.164 ("+14155550123") using the site's region for numbers written locally. */
export function normalizePhone(value: string | null | undefined, region: string): Cleaned {
  if (value == null) return { value: null, problem: null };
  const raw = String(value).trim();
  if (raw === '') return { value: null, problem: null };
  const compact = raw.replace(/[\s().\-/]/g, '');
  if (/^\+1\d{10}$/.test(compact) && NANP_RE.test(compact.slice(1))) return { value: compact, problem: null };
  if (NANP_REGIONS.has(region.toUpperCase()) && /^\d+$/.test(compact)) {
    const m = NANP_RE.exec(compact);
    if (m) return { value: `+1${m[1]}`, problem: null };
  }
  const parsed = parsePhoneNumberFromString(raw, region.toUpperCase() as CountryCode);
  // One digit repeated ("0000000000") is a placeholder a form required, not a number: as a login
  // identifier it would be shared by everyone who typed it. (Only reached off the fast paths above.)
  if (parsed && parsed.isPossible() && !/^(\d)\1+$/.test(parsed.nationalNumber)) return { value: parsed.number, problem: null };
  return { value: null, problem: `Phone "${raw}" is not a usable number` };
}

function cleanOptional(value: string | null | undefined): string | null {
  if (value == null) return null;
  const v = normalizeName(String(value));
  return v === '' ? null : v;
}

/** Shared by every record without tags or problems: a 100k pass would otherwise hold 200k empty arrays. */
const NONE: readonly string[] = Object.freeze([]);

export function normalizeTags(tags: readonly unknown[] | undefined): readonly string[] {
  if (!tags || tags.length === 0) return NONE;
  const out: string[] = [];
  for (const t of tags) {
    // A null in the list is no tag (String() would make it the tag "null").
    if (t === null || t === undefined) continue;
    const v = normalizeName(typeof t === 'string' ? t : String(t));
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

export function normalizeRecord(rec: SourceRecord, region: string): NormalizedRecord {
  const email = normalizeEmail(rec.email);
  const phone = normalizePhone(rec.phone, region);
  const problems = email.problem || phone.problem ? [email.problem, phone.problem].filter((p): p is string => !!p) : NONE;
  const statusWord = cleanOptional(rec.status);
  return {
    externalId: String(rec.externalId ?? '').trim(),
    firstName: normalizeName(rec.firstName),
    lastName: normalizeName(rec.lastName),
    email: email.value,
    phone: phone.value,
    unit: cleanOptional(rec.unit),
    statusWord,
    status: mapStatus(statusWord),
    type: rec.type && (PERSON_TYPES as readonly string[]).includes(rec.type) ? rec.type : null,
    tags: normalizeTags(rec.tags),
    problems,
  };
}
