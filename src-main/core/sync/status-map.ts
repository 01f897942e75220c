import type { PersonStatus } from '../../contract/dto';

/*
 * Vendors spell lease and membership states many ways. The words are compared after lower-casing
 * and turning punctuation into spaces, so "On-Notice", "on notice" and "ON NOTICE" are one word.
 */
// No prototype: a vendor word like "constructor" or "toString" must not find Object.prototype's
// functions and come back as a "status" (which then failed the pass when bound to SQL).
const WORDS: Record<string, PersonStatus> = Object.create(null) as Record<string, PersonStatus>;
function add(status: PersonStatus, ...words: string[]) {
  for (const w of words) WORDS[w] = status;
}
// Renewing or holding over past the lease end, they still live there.
add('current', 'current', 'current resident', 'in place', 'occupied', 'resident', 'month to month', 'mtm', 'renewal', 'pending renewal', 'renewed', 'holdover', 'hold over');
add('active', 'active', 'active member', 'in good standing', 'paid');
// An eviction in progress (Yardi "Eviction", AppFolio "Evict") still lives there until it ends.
add('notice', 'notice', 'on notice', 'notice given', 'notice to vacate', 'ntv', 'under notice', 'eviction', 'evict',
  // Rent-roll unit states: the resident on notice is there whether or not the unit is re-let.
  'notice rented', 'notice unrented');
add('future', 'future', 'future resident', 'pending', 'approved', 'move in pending', 'pending move in', 'preleased', 'pre leased', 'future lease', 'applicant lease signed', 'lease signed');
add('past', 'past', 'past resident', 'former', 'former resident', 'moved out', 'evicted', 'vacated');
add('applicant', 'applicant', 'prospect', 'applied', 'application', 'lead', 'guest card', 'waitlist', 'wait list');
add('inactive', 'inactive', 'cancelled', 'canceled', 'expired', 'suspended', 'frozen', 'lapsed', 'terminated', 'on hold', 'denied', 'declined', 'former applicant', 'non member', 'cancelled applicant', 'canceled applicant', 'applicant cancelled', 'applicant canceled');
add('unknown', 'unknown');

export function statusKey(word: string): string {
  return word
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Maps a vendor status word onto our small set; anything unrecognised is 'unknown'. */
// A source uses a handful of distinct words: remember each one's answer.
const memo = new Map<string, PersonStatus>();

export function mapStatus(word: string | null | undefined): PersonStatus {
  if (word == null) return 'unknown';
  let status = memo.get(word);
  if (status === undefined) {
    status = WORDS[statusKey(word)] ?? 'unknown';
    if (memo.size < 10_000) memo.set(word, status);
  }
  return status;
}

/** Whether the word is one of the vendor words above (so 'unknown' for it means the word "Unknown" itself). */
export function isKnownStatusWord(word: string): boolean {
  return WORDS[statusKey(word)] !== undefined;
}

/** Plain-language label of a normalised status, for reasons and explanations. */
export const STATUS_LABEL: Record<PersonStatus, string> = {
  applicant: 'Applicant',
  future: 'Future / pending',
  current: 'Current',
  notice: 'On notice',
  past: 'Past',
  active: 'Active',
  inactive: 'Inactive',
  unknown: 'Unknown',
};
