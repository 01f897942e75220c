import type { PersonType } from '../../../contract/dto';

/**
 * Small value readers for CSV cells. Values stay as the file wrote them apart from trimming: the
 * engine normalises names, emails and phones, and keeps the untouched row in `raw`.
 */

/** A trimmed cell, or null when empty. */
export function cell(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Words that belong to the surname when they come before it ("Ana de la Cruz", "Jan van der Berg"). */
const SURNAME_PARTICLES = new Set([
  'da', 'das', 'de', 'del', 'della', 'der', 'di', 'do', 'dos', 'du', 'la', 'le', 'van', 'von', 'st', 'st.', 'ten', 'ter', 'bin', 'al', 'el',
]);
/** Generational suffixes: part of the surname as the person writes it ("Smith Jr."). */
const SUFFIXES = new Set(['jr', 'jr.', 'sr', 'sr.', 'ii', 'iii', 'iv']);
/**
 * Letters after a name ("David Pair, CPA"): not part of either name. Compared without dots, so
 * "Ph.D." and "PhD" meet.
 */
const CREDENTIALS = new Set(['cpa', 'md', 'phd', 'dds', 'dmd', 'esq', 'rn', 'np', 'pa', 'do', 'dvm', 'jd', 'mba', 'pe', 'ret', 'usn', 'usmc', 'usa', 'usaf']);
/** Honorifics before a name ("Dr. Ana Cruz", "Cruz, Mrs. Ana"): dropped, they are not a first name. */
const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'rev', 'fr', 'hon', 'sir', 'dame', 'mme', 'mlle', 'herr', 'frau']);

const bare = (word: string): string => word.toLowerCase().replace(/\./g, '');
const isSuffix = (word: string): boolean => SUFFIXES.has(word.toLowerCase()) || SUFFIXES.has(bare(word));
const isCredential = (word: string): boolean => CREDENTIALS.has(bare(word));
const isHonorific = (word: string): boolean => HONORIFICS.has(bare(word));

/** Drops honorifics at the start ("Dr. Ana" → "Ana"), never the only word left. */
function dropHonorifics(words: string[]): string[] {
  let start = 0;
  while (start < words.length - 1 && isHonorific(words[start])) start++;
  return words.slice(start);
}

/**
 * Splits a one-column name. "Cruz, Ana" and "Cruz, Ana Maria" (the usual PMS directory form) are
 * surname first; otherwise the last word is the surname, extended back over lower-case particles
 * and forward over suffixes. Honorifics ("Mr.", "Dr.") are dropped; credentials after a comma
 * ("David Pair, CPA") are not taken for a first name, and a suffix after a comma ("Smith, Jr., John",
 * "John Smith, Jr.") stays with the surname. A single word becomes the first name. Imperfect by
 * nature: files with separate first and last name columns always win over this.
 */
export function splitFullName(full: string): { firstName: string | null; lastName: string | null } {
  const name = full.trim().replace(/\s+/g, ' ');
  if (name === '') return { firstName: null, lastName: null };
  const parts = name.split(',').map((p) => p.trim()).filter((p) => p !== '');
  // Trailing credentials and suffixes after commas: "John Smith, Jr.", "David Pair, CPA".
  let suffix: string | null = null;
  while (parts.length > 1) {
    const tail = parts[parts.length - 1];
    const words = tail.split(' ');
    if (words.every(isCredential)) parts.pop();
    else if (words.length === 1 && isSuffix(tail) && suffix === null) suffix = parts.pop()!;
    else break;
  }
  if (parts.length >= 2) {
    // "Smith, Jr., John": the middle piece is the suffix of the surname.
    let last = parts[0];
    let rest = parts.slice(1);
    if (rest.length > 1 && isSuffix(rest[0])) {
      last = `${last} ${rest[0]}`;
      rest = rest.slice(1);
    }
    const first = dropHonorifics(rest.join(', ').split(' ')).join(' ');
    const lastWords = dropHonorifics(last.split(' '));
    return { firstName: first || null, lastName: withSuffix(lastWords.join(' '), suffix) };
  }
  const all = parts[0].split(' ');
  const words = dropHonorifics(all);
  // "Mr. Smith": with the honorific gone, the one word left is a surname.
  if (words.length === 1 && all.length > 1) return { firstName: null, lastName: withSuffix(words[0], suffix) };
  if (words.length === 1) return suffix ? { firstName: null, lastName: withSuffix(words[0], suffix) } : { firstName: words[0], lastName: null };
  let end = words.length;
  while (end > 2 && isSuffix(words[end - 1])) end--;
  let start = end - 1;
  while (start > 1 && SURNAME_PARTICLES.has(words[start - 1])) start--;
  return { firstName: words.slice(0, start).join(' '), lastName: withSuffix(words.slice(start).join(' '), suffix) };
}

function withSuffix(last: string, suffix: string | null): string | null {
  if (last === '') return suffix;
  return suffix ? `${last} ${suffix}` : last;
}

const TYPE_WORDS: Record<string, PersonType> = {
  resident: 'resident',
  residents: 'resident',
  tenant: 'resident',
  occupant: 'resident',
  leaseholder: 'resident',
  roommate: 'resident',
  owner: 'resident',
  staff: 'staff',
  employee: 'staff',
  manager: 'staff',
  maintenance: 'staff',
  concierge: 'staff',
  visitor: 'visitor',
  guest: 'visitor',
  vendor: 'visitor',
  contractor: 'visitor',
  member: 'member',
  members: 'member',
};

/** Maps a type cell to a PersonType, or null when the word is not one we know. */
export function readPersonType(value: string): PersonType | null {
  const word = value.trim().toLowerCase();
  // Own words only: a cell saying "constructor" must not find Object.prototype's and pass as a type.
  return Object.hasOwn(TYPE_WORDS, word) ? TYPE_WORDS[word] : null;
}

/** Tags in one cell, separated by ";", "|" or ",". */
export function splitTags(value: string): string[] {
  return value
    .split(/[;,|]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}
