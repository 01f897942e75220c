import {
  AREA_CODES,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  MEMBER_PLANS,
  STAFF_EMAIL_DOMAIN,
  STAFF_ROLES,
} from './demo-name-lists';

/**
 * The embedded demo's people: ~300 people of one property as a property-management system would
 * send them, plus the accounts the access system already holds before Rollcall's first pass.
 *
 * Everything is derived from one seed with a tiny PRNG, so the demo (and every test that counts
 * alerts) sees exactly the same data on every machine and every launch.
 *
 * Deliberate cases (ids returned in `cases`, all disjoint from each other):
 * - duplicateEmailGroups: 6 groups of 2–3 current residents sharing one email (families /
 *   roommates; one group differs only in letter case). None of them has an access account,
 *   because the access system requires unique emails.
 * - duplicateAccounts: 8 current residents/active staff whose access account has the same name,
 *   email and phone but no external_ref (nobody linked it to us).
 * - nameMismatches: 8 whose unlinked account has the same email but a differently spelled name
 *   ("Jon"/"John", "Smith Jones"/"Smith-Jones", missing accent…).
 * - emailMismatches: 8 whose LINKED account (external_ref set) still has another email.
 * - leftButActive: Past residents / Inactive staff whose LINKED account is still not suspended
 *   (the first pass should suspend them).
 * - accessOnlyAccounts: accounts nobody in the source knows (front desk, fire department…).
 * - noEmail / noPhone / noContact: source people missing contact details.
 * Every other current resident / active staff member has a linked account (external_ref = the
 * source id) with the same, normalised values in most cases; the rest have no account yet.
 */

export const DEMO_PROPERTY_CODE = 'HVA01';
export const DEMO_PROPERTY_NAME = 'Harbor View Apartments';

export type DemoPersonType = 'resident' | 'staff' | 'visitor' | 'member';

/** One person exactly as the fake property-management API sends it (vendor field names and words). */
export interface DemoSourcePerson {
  /** "R-10023" (resident), "S-…" (staff), "V-…" (visitor), "M-…" (member). */
  id: string;
  type: DemoPersonType;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  unit: string | null;
  /** Residents: Current, Notice, Future, Past, Applicant. Others: Active, Inactive. */
  status: string;
  property_code: string;
  /** Staff only: department. */
  role?: string | null;
  /** Members only: membership plan. */
  plan?: string | null;
  /** Residents only, ISO dates. */
  move_in?: string | null;
  move_out?: string | null;
  updated_at: string;
}

/** One account as the fake access system stores and sends it. */
export interface DemoAccessUser {
  id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  suspended: boolean;
  /** The source id this account was linked to, or null when nobody linked it. */
  external_ref: string | null;
  version: number;
  updated_at: string;
}

export interface DemoCasePair {
  personId: string;
  accountId: string;
}

export interface DemoCases {
  duplicateEmailGroups: string[][];
  duplicateAccounts: DemoCasePair[];
  nameMismatches: (DemoCasePair & { sourceName: string; accountName: string })[];
  emailMismatches: (DemoCasePair & { sourceEmail: string; accountEmail: string })[];
  leftButActive: DemoCasePair[];
  accessOnlyAccounts: string[];
  /** Person ids with a linked (external_ref) account, including leftButActive. */
  linkedPersonIds: string[];
  noEmail: string[];
  noPhone: string[];
  noContact: string[];
}

export interface DemoData {
  propertyCode: string;
  propertyName: string;
  sourcePeople: DemoSourcePerson[];
  accessAccounts: DemoAccessUser[];
  cases: DemoCases;
}

/** A fixed "now" for the generated data, so timestamps are deterministic too. */
const BASE_TIME = Date.UTC(2025, 5, 2, 16, 0, 0);
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: 32-bit state, good enough for test data and tiny. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed * 2654435761);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Field helpers

/** ASCII lower-case letters and digits only, for email local parts. */
function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/gi, 'o')
    .replace(/ł/gi, 'l')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** What an access system would have stored if someone typed the name in carefully. */
function tidyName(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}

/** Access systems keep phones in E.164; the demo numbers are all US (+1). */
function toE164(phone: string | null): string | null {
  if (!phone) return null;
  const digits = phone.replace(/\D/g, '');
  const ten = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
  return ten.length === 10 ? `+1${ten}` : null;
}

/** 555-0100..0199 is the range reserved for fiction, so no demo number reaches a real person. */
function makePhone(rng: Rng): string {
  const area = rng.pick(AREA_CODES);
  const line = `01${String(rng.int(0, 99)).padStart(2, '0')}`;
  switch (rng.int(0, 5)) {
    case 0:
      return `(${area}) 555-${line}`;
    case 1:
      return `${area}.555.${line}`;
    case 2:
      return `${area}-555-${line}`;
    case 3:
      return `${area}555${line}`;
    case 4:
      return `+1 ${area} 555 ${line}`;
    default:
      return `1-${area}-555-${line}`;
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

class EmailBook {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}

  make(first: string, last: string, domain?: string): string {
    const f = slug(first) || 'guest';
    const l = slug(last) || 'resident';
    const rng = this.rng;
    const d = domain ?? rng.pick(EMAIL_DOMAINS);
    const patterns = [`${f}.${l}`, `${f}${l}`, `${f[0]}${l}`, `${f}_${l}${rng.int(1, 99)}`, `${l}.${f}`, `${f}${rng.int(70, 99)}`];
    let local = domain ? `${f}.${l}` : rng.pick(patterns);
    while (this.used.has(`${local}@${d}`)) local = `${local}${rng.int(1, 9)}`;
    this.used.add(`${local}@${d}`);
    // Some people type their address with capitals; the address is the same one.
    if (rng.chance(0.1)) return `${local.split('.').map(capitalise).join('.')}@${capitalise(d)}`;
    return `${local}@${d}`;
  }
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A shuffled list with exact counts, so every seed has the same status mix. */
function statusDeck(rng: Rng, counts: Record<string, number>): string[] {
  const deck: string[] = [];
  for (const [status, n] of Object.entries(counts)) for (let i = 0; i < n; i++) deck.push(status);
  return rng.shuffle(deck);
}

const TYPE_PLAN: { type: DemoPersonType; prefix: string; start: number; statuses: Record<string, number> }[] = [
  { type: 'resident', prefix: 'R', start: 10001, statuses: { Current: 112, Notice: 14, Future: 18, Past: 22, Applicant: 14 } },
  { type: 'staff', prefix: 'S', start: 20001, statuses: { Active: 39, Inactive: 6 } },
  { type: 'visitor', prefix: 'V', start: 30001, statuses: { Active: 22, Inactive: 8 } },
  { type: 'member', prefix: 'M', start: 40001, statuses: { Active: 36, Inactive: 9 } },
];

/** Name pairs as the source has them vs. as someone once typed them into the access system. */
const NAME_VARIANTS: { first?: [string, string]; last?: [string, string] }[] = [
  { first: ['John', 'Jon'] },
  { last: ['Smith-Jones', 'Smith Jones'] },
  { first: ['José', 'Jose'] },
  { first: ['Zoë', 'Zoe'] },
  { first: ['Katherine', 'Kathy'] },
  { last: ['García López', 'Garcia'] },
  { first: ['Michael', 'Mike'] },
  { last: ["O'Brien", 'OBrien'] },
];

const ACCESS_ONLY: [string, string][] = [
  ['Front', 'Desk'],
  ['Fire', 'Department'],
  ['Bay Pest', 'Control'],
];

// ---------------------------------------------------------------------------------------------

export function generateDemoData(seed = 1): DemoData {
  const rng = new Rng(seed);
  const emails = new EmailBook(rng);
  const people: DemoSourcePerson[] = [];
  const residentUnits: string[] = [];

  for (const plan of TYPE_PLAN) {
    const deck = statusDeck(rng, plan.statuses);
    let n = plan.start;
    for (const status of deck) {
      const id = `${plan.prefix}-${n}`;
      n += rng.int(1, 3); // gaps, as records get deleted in a real system
      let first = rng.pick(FIRST_NAMES);
      let last = rng.pick(LAST_NAMES);
      if (rng.chance(0.05)) last = `${last}-${rng.pick(LAST_NAMES.filter((x) => !x.includes(' ')))}`;
      const email = rng.chance(0.07) ? null : emails.make(first, last, plan.type === 'staff' ? STAFF_EMAIL_DOMAIN : undefined);
      const phone = rng.chance(0.1) ? null : makePhone(rng);
      // Stray whitespace, as typed into a form.
      if (rng.chance(0.03)) first = ` ${first}`;
      if (rng.chance(0.03)) last = `${last}  `;
      if (rng.chance(0.02)) first = first.replace(' ', '  ');

      const person: DemoSourcePerson = {
        id,
        type: plan.type,
        first_name: first,
        last_name: last,
        email,
        phone,
        unit: null,
        status,
        property_code: DEMO_PROPERTY_CODE,
        updated_at: new Date(BASE_TIME - rng.int(0, 400) * DAY - rng.int(0, 86_000) * 1000).toISOString(),
      };
      if (plan.type === 'resident') {
        const floor = rng.pick([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14]);
        const unit = `${floor}${String(rng.int(1, 16)).padStart(2, '0')}`;
        residentUnits.push(unit);
        const r = rng.float();
        person.unit = r < 0.05 ? `Apt ${unit}` : r < 0.08 ? `#${unit}` : unit;
        const moveIn = BASE_TIME + (status === 'Future' || status === 'Applicant' ? rng.int(5, 60) : -rng.int(30, 1500)) * DAY;
        person.move_in = status === 'Applicant' ? null : isoDay(moveIn);
        person.move_out =
          status === 'Past' ? isoDay(BASE_TIME - rng.int(1, 25) * DAY) : status === 'Notice' ? isoDay(BASE_TIME + rng.int(5, 55) * DAY) : null;
      } else if (plan.type === 'visitor') {
        person.unit = residentUnits.length ? rng.pick(residentUnits) : null; // the unit they visit
      } else if (plan.type === 'staff') {
        person.role = rng.pick(STAFF_ROLES);
      } else {
        person.plan = rng.pick(MEMBER_PLANS);
      }
      people.push(person);
    }
  }

  const isCurrent = (p: DemoSourcePerson) =>
    (p.type === 'resident' && (p.status === 'Current' || p.status === 'Notice')) || (p.type === 'staff' && p.status === 'Active');
  const taken = new Set<string>();
  const take = (pool: DemoSourcePerson[], n: number): DemoSourcePerson[] => {
    const out: DemoSourcePerson[] = [];
    for (const p of pool) {
      if (out.length === n) break;
      if (!taken.has(p.id)) {
        taken.add(p.id);
        out.push(p);
      }
    }
    if (out.length < n) throw new Error(`demo generator: not enough people for a deliberate case (seed ${seed})`);
    return out;
  };
  const currentWithEmail = rng.shuffle(people.filter((p) => isCurrent(p) && p.email));

  // Duplicate emails: families and roommates sharing one address.
  const duplicateEmailGroups: string[][] = [];
  const residentsWithEmail = currentWithEmail.filter((p) => p.type === 'resident');
  [2, 3, 2, 2, 3, 2].forEach((size, g) => {
    const group = take(residentsWithEmail, size);
    const head = group[0];
    for (const member of group.slice(1)) {
      member.email = g === 0 ? head.email!.toUpperCase() : head.email;
      if (g < 4) {
        // A family: same surname, same home.
        member.last_name = head.last_name;
        member.unit = head.unit;
      }
    }
    duplicateEmailGroups.push(group.map((p) => p.id));
  });

  const dupAccountPeople = take(currentWithEmail, 8);
  const nameMismatchPeople = take(currentWithEmail, 8);
  const emailMismatchPeople = take(currentWithEmail, 8);

  // Give the name-mismatch people the names the variants need (and a matching address).
  const nameMismatchAccountNames = nameMismatchPeople.map((p, i) => {
    const v = NAME_VARIANTS[i % NAME_VARIANTS.length];
    p.first_name = v.first ? v.first[0] : tidyName(p.first_name);
    p.last_name = v.last ? v.last[0] : tidyName(p.last_name);
    p.email = emails.make(p.first_name, p.last_name, p.type === 'staff' ? STAFF_EMAIL_DOMAIN : undefined);
    return { first: v.first ? v.first[1] : p.first_name, last: v.last ? v.last[1] : p.last_name };
  });

  const formerPool = rng.shuffle(people.filter((p) => (p.type === 'resident' && p.status === 'Past') || (p.type === 'staff' && p.status === 'Inactive')));
  const leftButActivePeople = take(formerPool, 5);
  const pastSuspendedPeople = take(formerPool, 3);

  // A few people with neither email nor phone, chosen outside every deliberate case.
  const noContactPeople = take(rng.shuffle(people.filter((p) => p.email || p.phone)), 3);
  for (const p of noContactPeople) {
    p.email = null;
    p.phone = null;
  }

  // ---- access accounts
  type Draft = Omit<DemoAccessUser, 'id'> & { personId: string | null; kind: string };
  const drafts: Draft[] = [];
  const accountOf = (p: DemoSourcePerson, kind: string, over: Partial<DemoAccessUser> = {}): Draft => ({
    personId: p.id,
    kind,
    first_name: tidyName(p.first_name),
    last_name: tidyName(p.last_name),
    email: p.email ? p.email.trim().toLowerCase() : null,
    phone: toE164(p.phone),
    suspended: false,
    external_ref: p.id,
    version: rng.int(1, 6),
    updated_at: new Date(BASE_TIME - rng.int(1, 300) * DAY).toISOString(),
    ...over,
  });

  for (const p of dupAccountPeople) drafts.push(accountOf(p, 'duplicate', { external_ref: null }));
  nameMismatchPeople.forEach((p, i) =>
    drafts.push(accountOf(p, 'name', { external_ref: null, first_name: nameMismatchAccountNames[i].first, last_name: nameMismatchAccountNames[i].last })),
  );
  for (const p of emailMismatchPeople) {
    // An address from before they moved in, on another provider.
    const old = emails.make(p.first_name, p.last_name).toLowerCase();
    drafts.push(accountOf(p, 'email', { email: old }));
  }
  for (const p of leftButActivePeople) drafts.push(accountOf(p, 'left'));
  for (const p of pastSuspendedPeople) drafts.push(accountOf(p, 'past-suspended', { suspended: true }));
  // Most other current people already have a linked account; the rest will be created by Rollcall.
  for (const p of people) {
    if (taken.has(p.id) && !noContactPeople.includes(p)) continue;
    if (isCurrent(p) && rng.chance(0.85)) drafts.push(accountOf(p, 'linked'));
  }
  for (const [first, last] of ACCESS_ONLY) {
    drafts.push({
      personId: null,
      kind: 'access-only',
      first_name: first,
      last_name: last,
      email: `${slug(first)}.${slug(last)}@${STAFF_EMAIL_DOMAIN}`,
      phone: null,
      suspended: false,
      external_ref: null,
      version: 1,
      updated_at: new Date(BASE_TIME - 700 * DAY).toISOString(),
    });
  }

  // Ids are handed out in a shuffled order so they carry no hint of which case an account is.
  const order = rng.shuffle(drafts.map((_, i) => i));
  const ids = new Map<Draft, string>();
  order.forEach((draftIndex, n) => ids.set(drafts[draftIndex], `usr_${String(1001 + n * 3).padStart(6, '0')}`));
  const accessAccounts: DemoAccessUser[] = drafts
    .map((d) => {
      const { personId: _p, kind: _k, ...rest } = d;
      return { id: ids.get(d)!, ...rest };
    })
    .sort((a, b) => a.id.localeCompare(b.id));

  const pairs = (kind: string) => drafts.filter((d) => d.kind === kind).map((d) => ({ personId: d.personId!, accountId: ids.get(d)! }));
  const fullName = (first: string, last: string) => `${tidyName(first)} ${tidyName(last)}`;
  const byId = new Map(people.map((p) => [p.id, p]));

  const cases: DemoCases = {
    duplicateEmailGroups,
    duplicateAccounts: pairs('duplicate'),
    nameMismatches: pairs('name').map((pair, i) => ({
      ...pair,
      sourceName: fullName(byId.get(pair.personId)!.first_name, byId.get(pair.personId)!.last_name),
      accountName: fullName(nameMismatchAccountNames[i].first, nameMismatchAccountNames[i].last),
    })),
    emailMismatches: pairs('email').map((pair) => ({
      ...pair,
      sourceEmail: byId.get(pair.personId)!.email!,
      accountEmail: accessAccounts.find((a) => a.id === pair.accountId)!.email!,
    })),
    leftButActive: pairs('left'),
    accessOnlyAccounts: drafts.filter((d) => d.kind === 'access-only').map((d) => ids.get(d)!),
    linkedPersonIds: drafts.filter((d) => d.external_ref).map((d) => d.personId!),
    noEmail: people.filter((p) => !p.email && p.phone).map((p) => p.id),
    noPhone: people.filter((p) => !p.phone && p.email).map((p) => p.id),
    noContact: noContactPeople.map((p) => p.id),
  };

  return { propertyCode: DEMO_PROPERTY_CODE, propertyName: DEMO_PROPERTY_NAME, sourcePeople: people, accessAccounts, cases };
}

/** The deliberate cases for a seed, for tests that count alerts. */
export function demoCases(seed = 1): DemoCases {
  return generateDemoData(seed).cases;
}
