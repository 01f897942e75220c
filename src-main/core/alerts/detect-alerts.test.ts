import { afterEach, describe, expect, it } from 'vitest';
import type { AlertDto } from '../../contract/dto';
import type { DuplicateEmailDetail, PairDetail } from './alert-detail';
import { countOpenAlerts, dismissAlert, listAlerts } from './alert-queries';
import { detectAlerts } from './detect-alerts';
import { createSiteDb, type TestDb } from './test-fixtures';

const T1 = new Date('2025-03-01T10:00:00.000Z');
const T2 = new Date('2025-03-01T11:00:00.000Z');
const T3 = new Date('2025-03-01T12:00:00.000Z');

let t: TestDb;
afterEach(async () => {
  await t?.close();
});

const summary = (alerts: AlertDto[]) => alerts.map((a) => `${a.type} ${a.fingerprint}`);
const pair = (a: AlertDto) => a.detail as unknown as PairDetail;

describe('duplicate accounts', () => {
  it('flags a source person with no account when an unlinked account has the same identity', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'José', lastName: 'López-García', email: 'Jose.Lopez@Example.com', externalId: 'R-100' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-9', firstName: 'jose', lastName: 'Lopez Garcia', email: ' jose.lopez@example.com' });

    const result = detectAlerts(t.db, 'site-1', T1);
    expect(result).toEqual({ open: 1, opened: 1, updated: 0, closed: 0 });
    const [alert] = listAlerts(t.db, 'site-1');
    expect(alert.type).toBe('duplicate_accounts');
    expect(alert.fingerprint).toBe('duplicate_accounts:p1:as-1:u-9');
    expect(alert.title).toBe('José López-García is in the access system twice');
    expect(alert.personIds).toEqual(['p1']);
    const detail = pair(alert);
    expect(detail.source).toMatchObject({ personId: 'p1', externalId: 'R-100', sourceName: 'Demo PMS', email: 'Jose.Lopez@Example.com' });
    expect(detail.account).toMatchObject({ remoteId: 'u-9', accessSystemName: 'Demo Access', version: 'v1' });
    // The identities match, but the side-by-side still shows that the spelling differs nowhere that matters.
    expect(detail.differing).toEqual([]);
  });

  it('does not treat a plus-addressed or dotted email as the same person', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'ana@gmail.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-1', firstName: 'Ana', lastName: 'Lopez', email: 'ana+door@gmail.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-2', firstName: 'Ana', lastName: 'Lopez', email: 'a.na@gmail.com' });

    detectAlerts(t.db, 'site-1', T1);
    expect(listAlerts(t.db, 'site-1')).toEqual([]);
  });

  it('ignores people that already have an account, and people added by hand', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'ana@x.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-1', personId: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'ana@x.com' });
    t.person({ id: 'm1', firstName: 'Max', lastName: 'Mustermann', email: 'max@x.com', sourceConnectionId: null, externalId: null });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-2', firstName: 'Max', lastName: 'Mustermann', email: 'max@x.com' });

    detectAlerts(t.db, 'site-1', T1);
    expect(listAlerts(t.db, 'site-1')).toEqual([]);
  });
});

describe('name mismatch', () => {
  it('flags a linked account whose name differs, but not one that differs only in accents, case or spacing', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Jon', lastName: 'Smith', email: 'jon@x.com', externalId: 'R-1' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-1', personId: 'p1', firstName: 'John', lastName: 'Smith', email: 'jon@x.com' });
    t.person({ id: 'p2', firstName: '  ANA  maria ', lastName: 'Núñez', email: 'ana@x.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-2', personId: 'p2', firstName: 'Ana Maria', lastName: 'Nunez', email: 'ana@x.com' });

    detectAlerts(t.db, 'site-1', T1);
    const alerts = listAlerts(t.db, 'site-1');
    expect(summary(alerts)).toEqual(['name_mismatch name_mismatch:p1:as-1:u-1']);
    expect(alerts[0].title).toBe('Name differs: Demo PMS “Jon Smith” vs Demo Access “John Smith”');
    const detail = pair(alerts[0]);
    expect(detail.differing).toEqual(['firstName']);
    expect(detail.source.externalId).toBe('R-1');
    expect(detail.account?.remoteId).toBe('u-1');
    expect(detail.fields.find((f) => f.field === 'firstName')).toEqual({ field: 'firstName', source: 'Jon', account: 'John', equal: false });
  });

  it('flags an unlinked account with the same email and a different name (a nickname is a different name)', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Robert', lastName: 'Brown', email: 'rb@x.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-1', firstName: 'Bob', lastName: 'Brown', email: 'RB@x.com' });

    detectAlerts(t.db, 'site-1', T1);
    expect(summary(listAlerts(t.db, 'site-1'))).toEqual(['name_mismatch name_mismatch:p1:as-1:u-1']);
  });

  it('flags a held name_mismatch record against the account of the person it matched', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Liz', lastName: 'Taylor', email: 'liz@x.com', externalId: 'R-1' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-1', personId: 'p1', firstName: 'Liz', lastName: 'Taylor', email: 'liz@x.com' });
    // A new source record that matched p1 by email but carries another name.
    t.held({ sourceConnectionId: 'src-1', externalId: 'R-2', kind: 'name_mismatch', firstName: 'Elizabeth', lastName: 'Taylor', email: 'liz@x.com', candidatePersonIds: ['p1'] });

    detectAlerts(t.db, 'site-1', T1);
    const alerts = listAlerts(t.db, 'site-1');
    expect(summary(alerts)).toEqual(['name_mismatch name_mismatch:held:src-1:R-2:as-1:u-1']);
    expect(alerts[0].personIds).toEqual(['p1']);
    expect(pair(alerts[0]).source).toMatchObject({ held: true, externalId: 'R-2', firstName: 'Elizabeth', personId: null });
  });

  it('compares a held rename of a person without an account against the person we store', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Sam', lastName: 'Lee', email: 'sam@x.com', externalId: 'R-1' });
    t.held({ sourceConnectionId: 'src-1', externalId: 'R-1', kind: 'name_mismatch', firstName: 'Samantha', lastName: 'Lee', email: 'sam@x.com', candidatePersonIds: ['p1'] });

    detectAlerts(t.db, 'site-1', T1);
    const alerts = listAlerts(t.db, 'site-1');
    expect(summary(alerts)).toEqual(['name_mismatch name_mismatch:p1:person:p1']);
    expect(alerts[0].title).toBe('Name differs: Demo PMS “Samantha Lee” vs Rollcall “Sam Lee”');
    expect(pair(alerts[0]).account).toBeNull();
    expect(pair(alerts[0]).person).toMatchObject({ personId: 'p1', firstName: 'Sam' });
  });
});

describe('email mismatch', () => {
  it('flags a linked account whose email differs, including dots and plus-addressing, but not case', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'ana@gmail.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-1', personId: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'a.na@gmail.com' });
    t.person({ id: 'p2', firstName: 'Ben', lastName: 'Ode', email: 'ben@x.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-2', personId: 'p2', firstName: 'Ben', lastName: 'Ode', email: 'ben+1@x.com' });
    t.person({ id: 'p3', firstName: 'Cy', lastName: 'Ng', email: 'CY@X.COM' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-3', personId: 'p3', firstName: 'Cy', lastName: 'Ng', email: 'cy@x.com' });
    // No email on one side is something for sync to fill in, not a conflict.
    t.person({ id: 'p4', firstName: 'Di', lastName: 'Ma', email: null });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-4', personId: 'p4', firstName: 'Di', lastName: 'Ma', email: 'di@x.com' });

    detectAlerts(t.db, 'site-1', T1);
    const alerts = listAlerts(t.db, 'site-1');
    expect(summary(alerts)).toEqual(['email_mismatch email_mismatch:p1:as-1:u-1', 'email_mismatch email_mismatch:p2:as-1:u-2']);
    expect(alerts[0].title).toBe('Email differs for Ana Lopez: Demo PMS “ana@gmail.com” vs Demo Access “a.na@gmail.com”');
    expect(pair(alerts[0]).differing).toEqual(['email']);
  });

  it('flags a held email change against the account, using the newer held record', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'ana@old.com', externalId: 'R-1' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-1', personId: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'ana@old.com' });
    t.held({ sourceConnectionId: 'src-1', externalId: 'R-1', kind: 'email_changed', firstName: 'Ana', lastName: 'Lopez', email: 'ana@new.com', candidatePersonIds: ['p1'] });

    detectAlerts(t.db, 'site-1', T1);
    const alerts = listAlerts(t.db, 'site-1');
    expect(summary(alerts)).toEqual(['email_mismatch email_mismatch:p1:as-1:u-1']);
    expect(pair(alerts[0]).source).toMatchObject({ held: true, email: 'ana@new.com', personId: 'p1' });
    expect(pair(alerts[0]).account?.email).toBe('ana@old.com');
  });
  it('ignores a suspended account of a person who has an active one in the same system, but not their only account', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'ana@new.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-new', personId: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'ana@new.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-old', personId: 'p1', firstName: 'Anna', lastName: 'Lopes', email: 'ana@old.com' });
    t.person({ id: 'p2', firstName: 'Ben', lastName: 'Ode', email: 'ben@new.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-ben', personId: 'p2', firstName: 'Ben', lastName: 'Ode', email: 'ben@old.com' });
    t.sql(`UPDATE access_account SET suspended = 1 WHERE remote_id IN ('u-old', 'u-ben')`);

    detectAlerts(t.db, 'site-1', T1);
    expect(summary(listAlerts(t.db, 'site-1'))).toEqual(['email_mismatch email_mismatch:p2:as-1:u-ben']);
  });
});

describe('duplicate emails', () => {
  it('raises one alert per shared email listing every source record with its ids', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Ana', lastName: 'Lopez', email: 'family@x.com', externalId: 'R-1' });
    t.held({ sourceConnectionId: 'src-1', externalId: 'R-2', kind: 'duplicate_email', firstName: 'Luis', lastName: 'Lopez', email: 'Family@x.com' });
    t.held({ sourceConnectionId: 'src-1', externalId: 'R-3', kind: 'duplicate_email', firstName: 'Eva', lastName: 'Lopez', email: 'family@x.com ' });
    // Plus-addressed: a different address, not part of the group.
    t.held({ sourceConnectionId: 'src-1', externalId: 'R-4', kind: 'duplicate_email', firstName: 'Kim', lastName: 'Ho', email: 'kim+a@x.com' });
    t.held({ sourceConnectionId: 'src-1', externalId: 'R-5', kind: 'duplicate_email', firstName: 'Kat', lastName: 'Ho', email: 'kim+b@x.com' });

    detectAlerts(t.db, 'site-1', T1);
    const alerts = listAlerts(t.db, 'site-1');
    expect(summary(alerts)).toEqual([
      // Same age: ordered by title ("3 people share…", "Kat Ho…", "Kim Ho…").
      'duplicate_emails duplicate_emails:family@x.com',
      'duplicate_emails duplicate_emails:kim+b@x.com',
      'duplicate_emails duplicate_emails:kim+a@x.com',
    ]);
    const family = alerts[0];
    expect(family.title).toBe('3 people share the email family@x.com');
    expect(family.personIds).toEqual(['p1']);
    const detail = family.detail as unknown as DuplicateEmailDetail;
    expect(detail.records.map((r) => [r.externalId, r.personId, r.held])).toEqual([
      ['R-1', 'p1', false],
      ['R-2', null, true],
      ['R-3', null, true],
    ]);
    expect(detail.records.every((r) => r.sourceName === 'Demo PMS')).toBe(true);
  });
});

describe('alert lifecycle', () => {
  async function scenario() {
    t = await createSiteDb();
    t.person({ id: 'p1', firstName: 'Jon', lastName: 'Smith', email: 'jon@x.com' });
    t.account({ id: 'a1', accessSystemId: 'as-1', remoteId: 'u-1', personId: 'p1', firstName: 'John', lastName: 'Smith', email: 'jon@x.com' });
  }

  it('keeps one alert per condition across passes, refreshing it in place', async () => {
    await scenario();
    detectAlerts(t.db, 'site-1', T1);
    const [first] = listAlerts(t.db, 'site-1');
    const again = detectAlerts(t.db, 'site-1', T2);
    expect(again).toEqual({ open: 1, opened: 0, updated: 1, closed: 0 });
    const all = listAlerts(t.db, 'site-1', { status: 'all' });
    expect(all).toHaveLength(1);
    expect(all[0].id).toBe(first.id);
    expect(all[0].openedAt).toBe(T1.toISOString());
    expect(all[0].updatedAt).toBe(T2.toISOString());
  });

  it('fingerprints do not depend on the order rows were written', async () => {
    await scenario();
    detectAlerts(t.db, 'site-1', T1);
    const before = listAlerts(t.db, 'site-1')[0];
    // Re-create the same data in another order: same fingerprint, same alert.
    t.sql(`DELETE FROM access_account`);
    t.account({ id: 'a-other', accessSystemId: 'as-1', remoteId: 'u-1', personId: 'p1', firstName: 'John', lastName: 'Smith', email: 'jon@x.com' });
    detectAlerts(t.db, 'site-1', T2);
    const after = listAlerts(t.db, 'site-1', { status: 'all' });
    expect(after.map((a) => a.id)).toEqual([before.id]);
    expect(after[0].status).toBe('open');
  });

  it('closes the alert as resolved at source once the data agrees', async () => {
    await scenario();
    detectAlerts(t.db, 'site-1', T1);
    expect(countOpenAlerts(t.db, 'site-1')).toBe(1);
    t.sql(`UPDATE person SET first_name = 'John' WHERE id = 'p1'`);
    expect(detectAlerts(t.db, 'site-1', T2)).toEqual({ open: 0, opened: 0, updated: 0, closed: 1 });
    expect(countOpenAlerts(t.db, 'site-1')).toBe(0);
    const [closed] = listAlerts(t.db, 'site-1', { status: 'all' });
    expect(closed.status).toBe('resolved_at_source');
    expect(t.db.sqlite.prepare(`SELECT closed_at FROM alert`).pluck().get()).toBe(T2.toISOString());
    // If the source breaks it again, the same alert comes back open.
    t.sql(`UPDATE person SET first_name = 'Jon' WHERE id = 'p1'`);
    expect(detectAlerts(t.db, 'site-1', T3).opened).toBe(1);
    const reopened = listAlerts(t.db, 'site-1');
    expect(reopened.map((a) => [a.id, a.status])).toEqual([[closed.id, 'open']]);
  });

  it('a remembered dismissal holds until the records change, then the alert reopens', async () => {
    await scenario();
    detectAlerts(t.db, 'site-1', T1);
    const [alert] = listAlerts(t.db, 'site-1');
    expect(dismissAlert(t.db, alert.id, { remember: true }, T1)?.status).toBe('dismissed');
    expect(countOpenAlerts(t.db, 'site-1')).toBe(0);

    expect(detectAlerts(t.db, 'site-1', T2)).toEqual({ open: 0, opened: 0, updated: 0, closed: 0 });
    expect(listAlerts(t.db, 'site-1')).toEqual([]);

    // A change that does not touch the names keeps it dismissed.
    t.sql(`UPDATE person SET phone = '555 0100' WHERE id = 'p1'`);
    detectAlerts(t.db, 'site-1', T2);
    expect(countOpenAlerts(t.db, 'site-1')).toBe(0);

    t.sql(`UPDATE access_account SET first_name = 'Johnny' WHERE id = 'a1'`);
    expect(detectAlerts(t.db, 'site-1', T3).opened).toBe(1);
    const [back] = listAlerts(t.db, 'site-1');
    expect(back.id).toBe(alert.id);
    expect(back.status).toBe('open');
    expect(back.title).toContain('“Johnny Smith”');
  });

  it('a dismissal without remember comes back on the next detection', async () => {
    await scenario();
    detectAlerts(t.db, 'site-1', T1);
    const [alert] = listAlerts(t.db, 'site-1');
    dismissAlert(t.db, alert.id, { remember: false }, T1);
    expect(countOpenAlerts(t.db, 'site-1')).toBe(0);
    detectAlerts(t.db, 'site-1', T2);
    expect(listAlerts(t.db, 'site-1').map((a) => a.id)).toEqual([alert.id]);
  });

  it('an alert resolved by a decision is not raised again while its records are unchanged', async () => {
    await scenario();
    detectAlerts(t.db, 'site-1', T1);
    t.sql(`UPDATE alert SET status = 'resolved', closed_at = ?`, T1.toISOString());
    detectAlerts(t.db, 'site-1', T2);
    expect(listAlerts(t.db, 'site-1', { status: 'all' }).map((a) => a.status)).toEqual(['resolved']);
    t.sql(`UPDATE person SET last_name = 'Smyth' WHERE id = 'p1'`);
    detectAlerts(t.db, 'site-1', T3);
    expect(listAlerts(t.db, 'site-1').map((a) => a.status)).toEqual(['open']);
  });

  it('dismissing an unknown or closed alert changes nothing', async () => {
    await scenario();
    expect(dismissAlert(t.db, 'nope', { remember: true })).toBeNull();
    detectAlerts(t.db, 'site-1', T1);
    t.sql(`UPDATE person SET first_name = 'John'`);
    detectAlerts(t.db, 'site-1', T2);
    const [closed] = listAlerts(t.db, 'site-1', { status: 'all' });
    expect(dismissAlert(t.db, closed.id, { remember: true })?.status).toBe('resolved_at_source');
  });
});

describe('all four detectors together', () => {
  it('raise exactly the expected alerts, listed in resolution order, and leave other sites alone', async () => {
    t = await createSiteDb();
    t.site('site-2', 'Other Building');
    t.source('site-2', 'src-2');
    t.accessSystem('site-2', 'as-2');
    t.person({ id: 'q1', siteId: 'site-2', sourceConnectionId: 'src-2', firstName: 'Jon', lastName: 'X', email: 'q@x.com' });
    t.account({ siteId: 'site-2', accessSystemId: 'as-2', remoteId: 'z', personId: 'q1', firstName: 'John', lastName: 'X', email: 'q@x.com' });

    t.held({ sourceConnectionId: 'src-1', externalId: 'R-8', kind: 'duplicate_email', firstName: 'A', lastName: 'B', email: 'shared@x.com' });
    t.held({ sourceConnectionId: 'src-1', externalId: 'R-9', kind: 'duplicate_email', firstName: 'C', lastName: 'D', email: 'shared@x.com' });
    t.person({ id: 'p3', firstName: 'Eve', lastName: 'Ray', email: 'eve@x.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-3', personId: 'p3', firstName: 'Eve', lastName: 'Ray', email: 'eve.ray@x.com' });
    t.person({ id: 'p2', firstName: 'Bob', lastName: 'Ray', email: 'bob@x.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-2', personId: 'p2', firstName: 'Robert', lastName: 'Ray', email: 'bob@x.com' });
    t.person({ id: 'p1', firstName: 'Ana', lastName: 'Ray', email: 'ana@x.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-1', firstName: 'ANA', lastName: 'ray', email: 'ana@x.com' });
    // Fine: linked and equal after folding.
    t.person({ id: 'p4', firstName: 'Zoë', lastName: 'Smith-Jones', email: 'zoe@x.com' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u-4', personId: 'p4', firstName: 'Zoe', lastName: 'Smith Jones', email: 'ZOE@x.com' });

    expect(detectAlerts(t.db, 'site-1', T1)).toEqual({ open: 4, opened: 4, updated: 0, closed: 0 });
    expect(summary(listAlerts(t.db, 'site-1'))).toEqual([
      'duplicate_accounts duplicate_accounts:p1:as-1:u-1',
      'name_mismatch name_mismatch:p2:as-1:u-2',
      'email_mismatch email_mismatch:p3:as-1:u-3',
      'duplicate_emails duplicate_emails:shared@x.com',
    ]);
    expect(countOpenAlerts(t.db, 'site-2')).toBe(0);
    detectAlerts(t.db, 'site-2', T1);
    expect(countOpenAlerts(t.db, 'site-2')).toBe(1);
    // Detecting site-1 again does not close site-2's alert.
    detectAlerts(t.db, 'site-1', T2);
    expect(countOpenAlerts(t.db, 'site-2')).toBe(1);
  });
});

describe('scale', () => {
  it('runs over 5,000 people with accounts, twice', async () => {
    t = await createSiteDb();
    const insert = t.db.sqlite.transaction(() => {
      for (let i = 0; i < 5000; i++) {
        const id = `p${i}`;
        t.person({ id, firstName: i % 50 === 0 ? 'Jon' : 'John', lastName: `Person${i}`, email: `person${i}@x.com` });
        if (i % 10 !== 0) {
          t.account({ accessSystemId: 'as-1', remoteId: `u${i}`, personId: id, firstName: 'John', lastName: `Person${i}`, email: `person${i}@x.com` });
        } else if (i % 20 === 0) {
          t.account({ accessSystemId: 'as-1', remoteId: `u${i}`, firstName: 'John', lastName: `Person${i}`, email: `person${i}@x.com` });
        }
      }
    });
    insert();
    const first = detectAlerts(t.db, 'site-1', T1);
    expect(first.open).toBeGreaterThan(0);
    const second = detectAlerts(t.db, 'site-1', T2);
    expect(second.open).toBe(first.open);
    expect(second.opened).toBe(0);
  });
});
