import type { TestCore } from './test-core';

/*
 * Test-only: grows the embedded demo to hundreds of open alerts of every kind, as a big property
 * would look after its first pass. People are added to the demo property system and accounts to
 * the demo access system (as their own consoles would), then one pass raises the alerts.
 */

export interface ScaledDemo {
  /** Source ids added per kind of case. */
  dupAccounts: string[];
  nameMismatches: string[];
  emailMismatches: string[];
  sharedEmailGroups: string[][];
}

const FIRST = ['Ada', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lea'];
const LAST = ['Moreno', 'Nakamura', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Sato', 'Tanaka', 'Ueda', 'Vega'];

export async function scaleDemo(t: TestCore, perKind: number, names?: (i: number) => { first: string; last: string }): Promise<ScaledDemo> {
  const demo = t.core.upstreams.demo!;
  const out: ScaledDemo = { dupAccounts: [], nameMismatches: [], emailMismatches: [], sharedEmailGroups: [] };
  let n = 0;
  const person = (id: string, first: string, last: string, email: string | null) =>
    demo.source.people.upsert({
      id,
      type: 'resident',
      first_name: first,
      last_name: last,
      email,
      phone: null,
      unit: String(100 + (n % 900)),
      status: 'Current',
      property_code: demo.propertyCode,
      move_in: '2024-01-01',
      move_out: null,
      updated_at: '2025-05-01T00:00:00.000Z',
    });
  const nameFor = (i: number) => names?.(i) ?? { first: FIRST[i % FIRST.length], last: `${LAST[Math.floor(i / FIRST.length) % LAST.length]}${i}` };
  for (let k = 0; k < perKind; k++) {
    // Duplicate account: an unlinked account with the same name and email.
    let { first, last } = nameFor(n++);
    let id = `R-7${String(n).padStart(4, '0')}`;
    let email = `scale.${n}@example.org`;
    person(id, first, last, email);
    demo.access.users.insert({ first_name: first, last_name: last, email, phone: null, suspended: false, external_ref: null });
    out.dupAccounts.push(id);

    // Name mismatch: a linked account whose name is spelled differently.
    ({ first, last } = nameFor(n++));
    id = `R-7${String(n).padStart(4, '0')}`;
    email = `scale.${n}@example.org`;
    person(id, first, last, email);
    demo.access.users.insert({ first_name: `${first}x`, last_name: last, email, phone: null, suspended: false, external_ref: id });
    out.nameMismatches.push(id);

    // Email mismatch: a linked account with an old email.
    ({ first, last } = nameFor(n++));
    id = `R-7${String(n).padStart(4, '0')}`;
    email = `scale.${n}@example.org`;
    person(id, first, last, email);
    demo.access.users.insert({ first_name: first, last_name: last, email: `old.${n}@example.org`, phone: null, suspended: false, external_ref: id });
    out.emailMismatches.push(id);

    // Shared email: two residents, one address, no account.
    const shared = `family.${n}@example.org`;
    const group: string[] = [];
    for (let j = 0; j < 2; j++) {
      ({ first, last } = nameFor(n++));
      id = `R-7${String(n).padStart(4, '0')}`;
      person(id, first, last, shared);
      group.push(id);
    }
    out.sharedEmailGroups.push(group);
  }
  await t.call('sync.runNow', { siteId: t.siteId });
  return out;
}

/** The demo access system's write requests (everything but reads). */
export function writesOf(t: TestCore) {
  return t.core.upstreams.demo!.access.requestLog.filter((r) => r.method !== 'GET');
}
