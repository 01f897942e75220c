/**
 * Identity comparison for alerts. The rules are deliberately narrow: fold away the noise that
 * different systems add to the same name (accents, case, spacing, hyphen vs space), but never
 * guess that two different strings are the same person (no nickname tables, no e-mail
 * canonicalisation). A false "same" silently merges two people; a false "different" only costs
 * a manager one click in the Alerts window.
 */

export interface NameParts {
  firstName?: string | null;
  lastName?: string | null;
}

export interface ComparableFields extends NameParts {
  email?: string | null;
  phone?: string | null;
}

export const COMPARED_FIELDS = ['firstName', 'lastName', 'email', 'phone'] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface FieldDiff {
  field: ComparedField;
  source: string | null;
  account: string | null;
  equal: boolean;
}

// Letters that carry no combining mark after NFKD, so accent stripping alone misses them.
const LETTER_FOLDS: Record<string, string> = {
  ß: 'ss',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  æ: 'ae',
  œ: 'oe',
  ı: 'i',
  ς: 'σ',
};
const LETTER_FOLD_RE = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'g');
// Every dash-like character and the underscore separate name parts the way a space does.
const SEPARATOR_RE = /[\s\-\u2010-\u2015\u2212_.,]+/gu;
// Invisible format characters (zero-width space, soft hyphen, BOM, direction marks) come along
// when names are pasted from web pages and documents; they change nothing a person reads.
const FORMAT_RE = /\p{Cf}+/gu;
// Apostrophe variants are dropped: "O'Brien", "O’Brien" and "OBrien" are typed for one person.
const APOSTROPHE_RE = /['\u2018\u2019\u02BC\u0060\u00B4]/g;

/** One name part reduced to what identifies it: no accents, no case, single spaces. */
export function foldName(value: string | null | undefined): string {
  if (!value) return '';
  return value
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(FORMAT_RE, '')
    .replace(LETTER_FOLD_RE, (ch) => LETTER_FOLDS[ch] ?? ch)
    .replace(APOSTROPHE_RE, '')
    .replace(SEPARATOR_RE, ' ')
    .trim();
}

/**
 * Comparison key for a person's name. First and last names stay separate fields: a name split
 * differently between the two systems ("Ana Maria" + "Lopez" vs "Ana" + "Maria Lopez") is a real
 * difference in what the access system shows, so it is reported rather than hidden.
 */
export function nameKey(first: string | null | undefined, last: string | null | undefined): string {
  return `${foldName(first)}|${foldName(last)}`;
}

export function sameName(a: NameParts, b: NameParts): boolean {
  return nameKey(a.firstName, a.lastName) === nameKey(b.firstName, b.lastName);
}

/**
 * Comparison key for an e-mail address: trimmed and lower-cased, nothing more. Plus-addressing
 * and dots are kept because the access system treats them as different addresses (and they can
 * belong to different people sharing a mailbox provider). Empty means "no e-mail".
 */
export function emailKey(email: string | null | undefined): string | null {
  if (!email) return null;
  const key = email.trim().toLowerCase();
  return key === '' ? null : key;
}

export function sameEmail(a: string | null | undefined, b: string | null | undefined): boolean {
  return emailKey(a) === emailKey(b);
}

/** Digits only; a leading country code on one side and not the other still compares equal. */
function samePhone(a: string | null | undefined, b: string | null | undefined): boolean {
  const da = (a ?? '').replace(/\D+/g, '');
  const db = (b ?? '').replace(/\D+/g, '');
  if (da === db) return true;
  const [short, long] = da.length < db.length ? [da, db] : [db, da];
  return short.length >= 7 && long.length - short.length <= 3 && long.endsWith(short);
}

function text(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

/** Field-by-field comparison for the side-by-side view, using the same rules as the detectors. */
export function diffFields(source: ComparableFields, account: ComparableFields): FieldDiff[] {
  return COMPARED_FIELDS.map((field) => {
    const s = text(source[field]);
    const a = text(account[field]);
    let equal: boolean;
    if (field === 'email') equal = sameEmail(s, a);
    else if (field === 'phone') equal = samePhone(s, a);
    else equal = foldName(s) === foldName(a);
    return { field, source: s, account: a, equal };
  });
}

export function differingFields(diff: FieldDiff[]): ComparedField[] {
  return diff.filter((d) => !d.equal).map((d) => d.field);
}

/** "Ana Lopez", tolerating either part missing. */
export function displayName(p: NameParts): string {
  return [p.firstName, p.lastName]
    .map((s) => (s ?? '').trim())
    .filter(Boolean)
    .join(' ');
}
