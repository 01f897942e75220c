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
const SUFFIXES = new Set(['jr', 'jr.', 'sr', 'sr.', 'ii', 'iii', 'iv']);

/**
 * Splits a one-column name. "Cruz, Ana" (the usual PMS rent-roll form) is surname first; otherwise
 * the last word is the surname, extended back over lower-case particles and forward over suffixes.
 * A single word becomes the first name. Imperfect by nature: files with separate columns win.
 */
export function splitFullName(full: string): { firstName: string | null; lastName: string | null } {
  const name = full.trim().replace(/\s+/g, ' ');
  if (name === '') return { firstName: null, lastName: null };
  const comma = name.indexOf(',');
  if (comma >= 0) {
    const last = name.slice(0, comma).trim();
    const first = name.slice(comma + 1).trim();
    return { firstName: first || null, lastName: last || null };
  }
  const words = name.split(' ');
  if (words.length === 1) return { firstName: words[0], lastName: null };
  let end = words.length;
  while (end > 2 && SUFFIXES.has(words[end - 1].toLowerCase())) end--;
  let start = end - 1;
  while (start > 1 && SURNAME_PARTICLES.has(words[start - 1]) ) start--;
  return { firstName: words.slice(0, start).join(' '), lastName: words.slice(start).join(' ') };
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
