import { describe, expect, it } from 'vitest';
import { generateDemoData } from './demo-people';
import type { DemoSourcePerson } from './demo-people';

const tidy = (s: string) => s.trim().replace(/\s+/g, ' ');
const lower = (s: string | null) => (s ? s.trim().toLowerCase() : null);
const data = generateDemoData(1);
const byId = new Map(data.sourcePeople.map((p) => [p.id, p]));
const account = (id: string) => data.accessAccounts.find((a) => a.id === id)!;

describe('demo people generator', () => {
  it('is deterministic for a seed and different across seeds', () => {
    expect(generateDemoData(1)).toEqual(data);
    expect(generateDemoData(2).sourcePeople).not.toEqual(data.sourcePeople);
  });

  it('makes about 300 people of all four types in PMS-like shapes', () => {
    const people = data.sourcePeople;
    expect(people.length).toBeGreaterThanOrEqual(280);
    expect(people.length).toBeLessThanOrEqual(320);
    const count = (t: DemoSourcePerson['type']) => people.filter((p) => p.type === t).length / people.length;
    expect(count('resident')).toBeCloseTo(0.6, 1);
    expect(count('staff')).toBeCloseTo(0.15, 1);
    expect(count('visitor')).toBeCloseTo(0.1, 1);
    expect(count('member')).toBeCloseTo(0.15, 1);
    expect(new Set(people.map((p) => p.id)).size).toBe(people.length);
    for (const p of people) {
      expect(p.id).toMatch(/^[RSVM]-\d{5}$/);
      expect(p.property_code).toBe('HVA01');
    }
    const residentStatuses = new Set(people.filter((p) => p.type === 'resident').map((p) => p.status));
    expect([...residentStatuses].sort()).toEqual(['Applicant', 'Current', 'Future', 'Notice', 'Past']);
    expect(new Set(people.filter((p) => p.type !== 'resident').map((p) => p.status))).toEqual(new Set(['Active', 'Inactive']));
  });

  it('carries real-world mess', () => {
    const people = data.sourcePeople;
    const names = people.map((p) => `${p.first_name} ${p.last_name}`);
    expect(names.some((n) => /[À-ž]/.test(n))).toBe(true); // accents
    expect(people.some((p) => /\S-\S/.test(p.last_name))).toBe(true); // hyphenated
    expect(people.some((p) => / /.test(p.last_name.trim()))).toBe(true); // double / particle surnames
    expect(people.some((p) => p.first_name !== tidy(p.first_name) || p.last_name !== tidy(p.last_name))).toBe(true);
    expect(people.some((p) => p.email && p.email !== p.email.toLowerCase())).toBe(true);
    const phoneShapes = new Set(people.filter((p) => p.phone).map((p) => p.phone!.replace(/\d/g, '9')));
    expect(phoneShapes.size).toBeGreaterThanOrEqual(4);
    expect(phoneShapes).toContain('(999) 999-9999');
    expect(phoneShapes).toContain('999.999.9999');
    expect(data.cases.noEmail.length).toBeGreaterThan(5);
    expect(data.cases.noPhone.length).toBeGreaterThan(5);
    expect(data.cases.noContact).toHaveLength(3);
    for (const id of data.cases.noContact) expect(byId.get(id)).toMatchObject({ email: null, phone: null });
  });

  it('has six groups of people sharing one email, none of them with an account', () => {
    const groups = data.cases.duplicateEmailGroups;
    expect(groups).toHaveLength(6);
    const accountEmails = new Set(data.accessAccounts.map((a) => lower(a.email)));
    for (const group of groups) {
      expect(group.length).toBeGreaterThanOrEqual(2);
      expect(group.length).toBeLessThanOrEqual(3);
      const emails = new Set(group.map((id) => lower(byId.get(id)!.email)));
      expect(emails.size).toBe(1);
      const shared = [...emails][0]!;
      // Nobody outside the group has it.
      expect(data.sourcePeople.filter((p) => lower(p.email) === shared).map((p) => p.id).sort()).toEqual([...group].sort());
      expect(accountEmails.has(shared)).toBe(false);
      expect(data.accessAccounts.some((a) => group.includes(a.external_ref ?? ''))).toBe(false);
    }
  });

  it('has unlinked duplicate accounts with the same identity', () => {
    expect(data.cases.duplicateAccounts).toHaveLength(8);
    for (const { personId, accountId } of data.cases.duplicateAccounts) {
      const p = byId.get(personId)!;
      const a = account(accountId);
      expect(a.external_ref).toBeNull();
      expect(a.first_name).toBe(tidy(p.first_name));
      expect(a.last_name).toBe(tidy(p.last_name));
      expect(a.email).toBe(lower(p.email));
    }
  });

  it('has unlinked accounts whose name is spelled differently', () => {
    expect(data.cases.nameMismatches).toHaveLength(8);
    const accountNames = data.cases.nameMismatches.map((c) => c.accountName);
    expect(accountNames.some((n) => n.startsWith('Jon '))).toBe(true);
    expect(accountNames.some((n) => n.endsWith('Smith Jones'))).toBe(true);
    for (const { personId, accountId, sourceName, accountName } of data.cases.nameMismatches) {
      const p = byId.get(personId)!;
      const a = account(accountId);
      expect(a.external_ref).toBeNull();
      expect(a.email).toBe(lower(p.email));
      expect(`${a.first_name} ${a.last_name}`).toBe(accountName);
      expect(`${tidy(p.first_name)} ${tidy(p.last_name)}`).toBe(sourceName);
      expect(accountName).not.toBe(sourceName);
    }
  });

  it('has linked accounts with the same name but an outdated email', () => {
    expect(data.cases.emailMismatches).toHaveLength(8);
    const sourceEmails = new Set(data.sourcePeople.map((p) => lower(p.email)));
    for (const { personId, accountId, accountEmail } of data.cases.emailMismatches) {
      const p = byId.get(personId)!;
      const a = account(accountId);
      expect(a.external_ref).toBe(personId);
      expect(`${a.first_name} ${a.last_name}`).toBe(`${tidy(p.first_name)} ${tidy(p.last_name)}`);
      expect(a.email).toBe(accountEmail);
      expect(a.email).not.toBe(lower(p.email));
      expect(sourceEmails.has(a.email)).toBe(false);
    }
  });

  it('gives most current residents and staff an account the access system can hold', () => {
    const current = data.sourcePeople.filter(
      (p) => (p.type === 'resident' && ['Current', 'Notice'].includes(p.status)) || (p.type === 'staff' && p.status === 'Active'),
    );
    const withAccount = new Set(data.accessAccounts.map((a) => a.external_ref).filter(Boolean));
    const covered = current.filter((p) => withAccount.has(p.id)).length;
    expect(covered / current.length).toBeGreaterThan(0.5);
    // Every linked account points at a real person; emails are unique (the access system insists).
    for (const a of data.accessAccounts) if (a.external_ref) expect(byId.has(a.external_ref)).toBe(true);
    const emails = data.accessAccounts.map((a) => a.email).filter(Boolean);
    expect(new Set(emails).size).toBe(emails.length);
    expect(new Set(data.accessAccounts.map((a) => a.id)).size).toBe(data.accessAccounts.length);
    // People who left but whose account still opens doors.
    for (const { personId, accountId } of data.cases.leftButActive) {
      expect(['Past', 'Inactive']).toContain(byId.get(personId)!.status);
      expect(account(accountId)).toMatchObject({ suspended: false, external_ref: personId });
    }
    expect(data.cases.accessOnlyAccounts).toHaveLength(3);
  });

  it('keeps the deliberate cases apart from each other', () => {
    const c = data.cases;
    const ids = [
      ...c.duplicateEmailGroups.flat(),
      ...c.duplicateAccounts.map((x) => x.personId),
      ...c.nameMismatches.map((x) => x.personId),
      ...c.emailMismatches.map((x) => x.personId),
      ...c.leftButActive.map((x) => x.personId),
      ...c.noContact,
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
