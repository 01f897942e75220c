import { faker } from '@faker-js/faker';
import type { PersonType } from '../src-main/contract/dto';
import type { SourceRecord } from '../src-main/core/adapters/types';
import { BENCH_PROPERTY, withRaw } from './synthetic-records';
import type { ChangeEdit, ChangePlan, ChangeSummary } from './synthetic-records';

/*
 * Seeded synthetic source people, shaped like a property-management export: mostly current
 * residents and active members, a few on notice / future / past / applicants, US phone numbers
 * written the several ways vendors write them, and a few records missing an email or a phone.
 * The same seed always yields the same people, so runs on different machines compare.
 *
 * Only the short-lived generator thread (bench-prep.ts) imports this module: faker's locale
 * tables and the generator's garbage leave the process with that thread.
 */

/** Vendor status words with their share of records; past and applicants are excluded by default. */
const STATUSES: Array<{ weight: number; value: string }> = [
  { weight: 70, value: 'Current' },
  { weight: 12, value: 'Active' },
  { weight: 5, value: 'Notice' },
  { weight: 3, value: 'Future' },
  { weight: 2, value: 'Pending' },
  { weight: 5, value: 'Past' },
  { weight: 3, value: 'Applicant' },
];

/** Most PMS records carry no person type (the connection's default applies). */
const TYPES: Array<{ weight: number; value: PersonType | null }> = [
  { weight: 75, value: null },
  { weight: 15, value: 'resident' },
  { weight: 6, value: 'member' },
  { weight: 4, value: 'staff' },
];

const TAGS = ['Pet owner', 'Parking', 'Storage', 'Bike room', 'Amenity access'];

/** Makes every email unique: a real export has a few shared emails, but those are held, not synced. */
class EmailBook {
  private readonly used = new Set<string>();

  take(first: string, last: string): string {
    let email = faker.internet.email({ firstName: first, lastName: last }).toLowerCase();
    for (let n = 2; this.used.has(email); n++) {
      const at = email.indexOf('@');
      email = `${email.slice(0, at)}.${n}${email.slice(at)}`;
    }
    this.used.add(email);
    return email;
  }
}

/** A US phone number the way sources send it: "(415) 555-0123", "+1 415-555-0123", "4155550123"... */
function usPhone(): string | null {
  const style = faker.number.int(99);
  if (style < 4) return null;
  // Area code and exchange start with 2-9, as in the North American numbering plan.
  const area = faker.number.int({ min: 201, max: 989 });
  const exch = faker.number.int({ min: 200, max: 999 });
  const line = faker.string.numeric(4);
  if (style < 70) return `(${area}) ${exch}-${line}`;
  if (style < 82) return `${area}-${exch}-${line}`;
  if (style < 90) return `+1 ${area}-${exch}-${line}`;
  if (style < 96) return `${area}${exch}${line}`;
  return `${area}.${exch}.${line}`;
}

function unit(): string {
  const floor = faker.number.int({ min: 1, max: 32 });
  return `${floor}${faker.string.fromCharacters('ABCDEFGH')}`;
}

export interface SyntheticSource {
  records: SourceRecord[];
  emails: EmailBook;
}

export function generatePeople(n: number, seed = 42): SyntheticSource {
  faker.seed(seed);
  const emails = new EmailBook();
  const records = new Array<SourceRecord>(n);
  for (let i = 0; i < n; i++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    // About 3 % of records have only a phone (still synced: the default rule is email OR phone).
    const email = faker.number.int(99) < 3 ? null : emails.take(firstName, lastName);
    const tagRoll = faker.number.int(99);
    records[i] = withRaw({
      externalId: `R${String(i + 1).padStart(7, '0')}`,
      firstName,
      lastName,
      email,
      phone: usPhone(),
      unit: unit(),
      status: faker.helpers.weightedArrayElement(STATUSES),
      type: faker.helpers.weightedArrayElement(TYPES),
      tags: tagRoll < 20 ? [TAGS[tagRoll % TAGS.length]] : [],
      siteKey: BENCH_PROPERTY,
    });
  }
  return { records, emails };
}

/** `count` distinct indexes out of `n`, seeded (partial Fisher-Yates). */
function pickIndexes(n: number, count: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = faker.number.int({ min: i, max: n - 1 });
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, count).sort((a, b) => a - b);
}

/**
 * Which people the change pass changes and how: `share` of them, a third a new last name, a third
 * a new phone, a third a new email (the engine holds a changed email for review, as it should).
 * Only the edits leave this thread; the changed records are built where the records live.
 */
export function planChanges(src: SyntheticSource, share: number, seed = 4242): ChangePlan {
  faker.seed(seed);
  const { records } = src;
  const picked = pickIndexes(records.length, Math.round(records.length * share));
  const summary: ChangeSummary = { changed: picked.length, lastNames: 0, phones: 0, emails: 0 };
  const edits: ChangeEdit[] = [];
  picked.forEach((index, k) => {
    const r = records[index];
    const kind = k % 3;
    if (kind === 0) {
      edits.push({ index, field: 'lastName', value: faker.person.lastName() });
      summary.lastNames++;
    } else if (kind === 1) {
      edits.push({ index, field: 'phone', value: usPhone() ?? `(${faker.number.int({ min: 201, max: 989 })}) 555-${faker.string.numeric(4)}` });
      summary.phones++;
    } else {
      edits.push({ index, field: 'email', value: src.emails.take(r.firstName ?? '', `${r.lastName ?? ''}${faker.string.alpha(2)}`) });
      summary.emails++;
    }
  });
  return { edits, summary };
}

/** Which of `n` records the removal pass drops (`share` of them, people who moved out). */
export function planRemovals(n: number, share: number, seed = 4343): number[] {
  faker.seed(seed);
  return pickIndexes(n, Math.round(n * share));
}
