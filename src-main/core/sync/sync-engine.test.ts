import { getActivity } from '../activity/activity-queries';
import { getPerson } from '../people/people-queries';
import { describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../db/open-database';
import { ADDED_BATCH_SIZE } from './added-log';
import { explainExternalId, explainPerson } from './explain';
import {
  ArraySource,
  DeltaSource,
  activityOf,
  createConnection,
  createManualPerson,
  createSite,
  entryFor,
  makeEngine,
  people,
  personByExt,
  personById,
  rec,
  setSettings,
  eachTestDb,
} from './test-helpers';

let db: OpenDatabase;
eachTestDb((d) => (db = d));

function setup(records = [rec('R-1'), rec('R-2')], settings = {}, connOpts = {}) {
  const siteId = createSite(db, settings);
  const connId = createConnection(db, siteId, connOpts);
  const source = new ArraySource(records);
  const h = makeEngine(db, { [connId]: source });
  return { siteId, connId, source, ...h };
}

describe('first pass and outcomes', () => {
  it('adds people with normalised fields, provenance and one activity entry per record', async () => {
    const { siteId, engine, source } = setup([
      rec('R-1', { firstName: '  Zoë ', lastName: ' Núñez  Díaz', email: ' Zoe@Example.COM', phone: '(415) 555-0123', status: 'Current', tags: ['Gym', ' Gym '] }),
      rec('R-2', { email: null, phone: '415 555 0199', status: 'Notice' }),
    ]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('complete');
    expect(run.counts).toEqual({ added: 2 });
    const p = personByExt(db, 'R-1')!;
    expect(p).toMatchObject({ first_name: 'Zoë', last_name: 'Núñez Díaz', email: 'zoe@example.com', phone: '+14155550123', status: 'current', access_enabled: 1 });
    expect(JSON.parse(p.synced_tags as string)).toEqual(['Gym']);
    // Read as the person panel reads it: a new person's fields were all set by their source.
    const prov = getPerson(db.sqlite, p.id as string).provenance;
    expect(prov.email).toEqual({ by: 'Demo PMS', at: expect.any(String) });
    const log = activityOf(db, run.id);
    expect(log.map((e) => [e.external_id, e.outcome])).toEqual([
      ['R-1', 'added'],
      ['R-2', 'added'],
    ]);
    const detail = getActivity(db.sqlite, Number(log[0].id)).detail!;
    expect(detail.record).toMatchObject({ id: 'R-1' });
    expect(detail.ids).toMatchObject({ personId: p.id, externalId: 'R-1' });
    expect(source.listCalls).toBe(1);
    const site = db.sqlite.prepare('SELECT last_sync_at FROM site WHERE id = ?').get(siteId) as { last_sync_at: string };
    expect(site.last_sync_at).toBeTruthy();
    const conn = db.sqlite.prepare('SELECT last_run_at, last_counts FROM source_connection').get() as Record<string, string>;
    expect(JSON.parse(conn.last_counts)).toEqual({ added: 2 });
  });

  it('a first pass bigger than one added batch logs every person, each entry opening on its own record', async () => {
    const n = ADDED_BATCH_SIZE * 2 + 3;
    const records = Array.from({ length: n }, (_, i) => rec(`R-${i}`, { email: `p${i}@example.com`, firstName: `P${i}` }));
    const { siteId, engine } = setup(records);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.counts).toEqual({ added: n });
    const batches = db.sqlite.prepare(`SELECT first_id, count FROM activity_batch WHERE kind = 'added' ORDER BY first_id`).all() as { first_id: number; count: number }[];
    expect(batches.map((b) => b.count)).toEqual([ADDED_BATCH_SIZE, ADDED_BATCH_SIZE, 3]);
    // The ranges are back to back, in the order the source listed the records.
    expect(batches[1].first_id).toBe(batches[0].first_id + ADDED_BATCH_SIZE);
    expect(batches[2].first_id).toBe(batches[1].first_id + ADDED_BATCH_SIZE);
    const log = activityOf(db, run.id);
    expect(log).toHaveLength(n);
    expect(new Set(log.map((e) => e.id)).size).toBe(n);
    for (const i of [0, ADDED_BATCH_SIZE, n - 1]) {
      const e = entryFor(db, run.id, `R-${i}`)!;
      const detail = getActivity(db.sqlite, Number(e.id)).detail!;
      expect(detail.record).toMatchObject({ id: `R-${i}` });
      expect(detail.ids).toMatchObject({ personId: personByExt(db, `R-${i}`)!.id, externalId: `R-${i}` });
    }
  });

  it('a second pass over the same records writes no person row and logs Processed', async () => {
    const { siteId, engine } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    const before = people(db, siteId);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.counts).toEqual({ processed: 2 });
    expect(people(db, siteId)).toEqual(before);
  });

  it('a changed record is Updated: only changed fields get new provenance', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    const prov0 = getPerson(db.sqlite, personByExt(db, 'R-1')!.id as string).provenance;
    source.records = [rec('R-1', { unit: '202' }), rec('R-2')];
    const run = await engine.runSite(siteId, { trigger: 'schedule' });
    expect(run.counts).toEqual({ updated: 1, processed: 1 });
    expect(personByExt(db, 'R-1')!.unit).toBe('202');
    expect(entryFor(db, run.id, 'R-1')!.reason).toMatch(/unit/);
    const prov1 = getPerson(db.sqlite, personByExt(db, 'R-1')!.id as string).provenance;
    expect(prov1.firstName).toEqual(prov0.firstName);
  });
});

describe('policies', () => {
  it('require identifier: records without the required contact are skipped as missing_identifier', async () => {
    const { siteId, engine } = setup([rec('R-1', { email: null, phone: null }), rec('R-2', { email: 'bad@', phone: null }), rec('R-3', { email: null, phone: '4155550100' })], {
      requireIdentifier: 'email',
    });
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, run.id, 'R-1')).toMatchObject({ outcome: 'skipped', reason_code: 'missing_identifier' });
    expect(entryFor(db, run.id, 'R-2')!.reason).toMatch(/bad@.*not a valid address/);
    expect(entryFor(db, run.id, 'R-3')).toMatchObject({ outcome: 'skipped', reason_code: 'missing_identifier' });
    expect(people(db, siteId)).toHaveLength(0);
  });

  it('excluded statuses are skipped; only future/current/notice/active sync by default', async () => {
    const { siteId, engine } = setup([rec('R-1', { status: 'Applicant' }), rec('R-2', { status: 'Moved Out' }), rec('R-3', { status: 'Approved' }), rec('R-4', { status: 'Martian' })]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, run.id, 'R-1')).toMatchObject({ outcome: 'skipped', reason_code: 'excluded_status' });
    expect(entryFor(db, run.id, 'R-2')).toMatchObject({ outcome: 'skipped', reason_code: 'excluded_status' });
    expect(entryFor(db, run.id, 'R-3')!.outcome).toBe('added');
    expect(entryFor(db, run.id, 'R-4')).toMatchObject({ outcome: 'skipped', reason_code: 'excluded_status' });
  });

  it('a linked person whose status becomes excluded loses access (disabled by sync) and regains it when included again', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [rec('R-1', { status: 'Past' }), rec('R-2')];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, run.id, 'R-1')).toMatchObject({ outcome: 'disabled', reason_code: 'excluded_status' });
    expect(personByExt(db, 'R-1')).toMatchObject({ access_enabled: 0, disabled_by: 'sync', status: 'past' });
    source.records = [rec('R-1'), rec('R-2')];
    const back = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, back.id, 'R-1')).toMatchObject({ outcome: 'updated', reason_code: 'reenabled' });
    expect(personByExt(db, 'R-1')).toMatchObject({ access_enabled: 1, disabled_by: null, status: 'current' });
  });

  it('site mapping: no site on the record, or another property, is skipped as no_site', async () => {
    const { siteId, engine } = setup([rec('R-1', { siteKey: null }), rec('R-2', { siteKey: 'ELSEWHERE' }), rec('R-3', { siteKey: 'hv1' })], {}, { config: { propertyCodes: ['HV1'] } });
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, run.id, 'R-1')).toMatchObject({ outcome: 'skipped', reason_code: 'no_site' });
    expect(entryFor(db, run.id, 'R-2')).toMatchObject({ outcome: 'skipped', reason_code: 'no_site' });
    expect(entryFor(db, run.id, 'R-3')!.outcome).toBe('added');
  });

  it('a source block turned off: nothing is read or mirrored, synced people stay, one source_off entry', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    const before = people(db, siteId);
    setSettings(db, siteId, { integrationsEnabled: false });
    source.records = [];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('complete');
    expect(source.listCalls).toBe(1);
    expect(people(db, siteId)).toEqual(before);
    expect(activityOf(db, run.id).map((e) => [e.outcome, e.reason_code])).toEqual([['skipped', 'source_off']]);
  });

  it('an integration turned off: same, with integration_off', async () => {
    const { siteId, connId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    db.sqlite.prepare('UPDATE source_connection SET enabled = 0 WHERE id = ?').run(connId);
    source.records = [];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(activityOf(db, run.id).map((e) => e.reason_code)).toEqual(['integration_off']);
    expect(people(db, siteId).every((p) => p.access_enabled === 1)).toBe(true);
  });

  it('a record with no external id is skipped as invalid_record, a repeated one too', async () => {
    const { siteId, engine } = setup([rec(''), rec('R-1'), rec('R-1', { firstName: 'Other' })]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    const log = activityOf(db, run.id);
    // One entry per record; within a pass, plain adds are logged as one batch ahead of the rest.
    expect(log.map((e) => [e.outcome, e.reason_code])).toEqual([
      ['added', null],
      ['skipped', 'invalid_record'],
      ['skipped', 'invalid_record'],
    ]);
    expect(log.filter((e) => e.reason_code === 'invalid_record')).toHaveLength(2);
    expect(people(db, siteId)).toHaveLength(1);
  });
});

describe('correlation', () => {
  it('links an unlinked record to the one hand-added person with the same email and name', async () => {
    const siteId = createSite(db);
    const manual = createManualPerson(db, siteId, { firstName: 'José', lastName: 'Núñez', email: 'JOSE@example.com' });
    const connId = createConnection(db, siteId);
    const { engine } = makeEngine(db, { [connId]: new ArraySource([rec('R-9', { firstName: 'Jose', lastName: 'NUNEZ', email: 'jose@example.com' })]) });
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, run.id, 'R-9')).toMatchObject({ outcome: 'updated', reason_code: 'linked', person_id: manual });
    expect(people(db, siteId)).toHaveLength(1);
    expect(personById(db, manual)).toMatchObject({ source_connection_id: connId, external_id: 'R-9', first_name: 'Jose' });
  });

  it('same email but a different name is held as name_mismatch, no second person', async () => {
    const siteId = createSite(db);
    const manual = createManualPerson(db, siteId, { firstName: 'Ana', lastName: 'Ruiz', email: 'ana@example.com' });
    const connId = createConnection(db, siteId);
    const { engine } = makeEngine(db, { [connId]: new ArraySource([rec('R-1', { firstName: 'Anna', lastName: 'Ruiz', email: 'ana@example.com' })]) });
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, run.id, 'R-1')).toMatchObject({ outcome: 'skipped', reason_code: 'held_for_review' });
    expect(people(db, siteId)).toHaveLength(1);
    const held = db.sqlite.prepare('SELECT * FROM held_record').all() as Record<string, string>[];
    expect(held).toHaveLength(1);
    expect(held[0].kind).toBe('name_mismatch');
    expect(JSON.parse(held[0].candidate_person_ids)).toEqual([manual]);
    expect(explainPerson(db, manual).steps.join(' ')).toMatch(/different name/);
  });

  it('several hand-added candidates → held as disputed', async () => {
    const siteId = createSite(db);
    createManualPerson(db, siteId, { firstName: 'Ana', lastName: 'Ruiz', email: 'ana@example.com' });
    createManualPerson(db, siteId, { firstName: 'Ana', lastName: 'Ruiz', email: 'ana@example.com' });
    const connId = createConnection(db, siteId);
    const { engine } = makeEngine(db, { [connId]: new ArraySource([rec('R-1', { firstName: 'Ana', lastName: 'Ruiz', email: 'ana@example.com' })]) });
    await engine.runSite(siteId, { trigger: 'manual' });
    expect(people(db, siteId)).toHaveLength(2);
    expect(db.sqlite.prepare('SELECT kind FROM held_record').pluck().all()).toEqual(['disputed']);
  });

  it('a linked person whose email changed at the source is held as email_changed, not updated', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [rec('R-1', { email: 'new@example.com', unit: '999' }), rec('R-2')];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, run.id, 'R-1')).toMatchObject({ outcome: 'skipped', reason_code: 'held_for_review' });
    expect(personByExt(db, 'R-1')).toMatchObject({ email: 'r-1@example.com', unit: '101', held_reason: 'email_changed' });
    expect(db.sqlite.prepare('SELECT kind FROM held_record').pluck().all()).toEqual(['email_changed']);
    // The source goes back to the known email: the hold clears.
    source.records = [rec('R-1'), rec('R-2')];
    const after = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, after.id, 'R-1')!.outcome).toBe('updated');
    expect(personByExt(db, 'R-1')!.held_reason).toBeNull();
    expect(db.sqlite.prepare('SELECT count(*) FROM held_record').pluck().get()).toBe(0);
  });

  it('several records sharing one email: none synced, held as duplicate_email, cleared when fixed', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [rec('R-1'), rec('R-2', { email: 'r-1@example.com' }), rec('R-3', { email: 'R-1@example.com' })];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    for (const ext of ['R-1', 'R-2', 'R-3']) expect(entryFor(db, run.id, ext)).toMatchObject({ outcome: 'skipped', reason_code: 'duplicate_email' });
    expect(personByExt(db, 'R-3')).toBeUndefined();
    expect(personByExt(db, 'R-1')!.held_reason).toBe('duplicate_email');
    expect(personByExt(db, 'R-2')).toMatchObject({ held_reason: 'duplicate_email', email: 'r-2@example.com' });
    expect(db.sqlite.prepare(`SELECT count(*) FROM held_record WHERE kind = 'duplicate_email'`).pluck().get()).toBe(3);
    expect(explainExternalId(db, siteId, 'R-3').steps.at(-1)).toMatch(/Email shared with 2 other records → held as duplicate email/);
    source.records = [rec('R-1'), rec('R-2'), rec('R-3')];
    await engine.runSite(siteId, { trigger: 'manual' });
    expect(people(db, siteId).map((p) => p.held_reason)).toEqual([null, null, null]);
    expect(db.sqlite.prepare('SELECT count(*) FROM held_record').pluck().get()).toBe(0);
  });
});

describe('field ownership', () => {
  it('never touches admin-owned fields, and an admin disable survives a pass', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    db.sqlite
      .prepare(`UPDATE person SET grants = '["gym"]', custom_tags = '["vip"]', notes = 'dog', app_message = 'hi', access_enabled = 0, disabled_by = 'admin' WHERE external_id = 'R-1'`)
      .run();
    source.records = [rec('R-1', { firstName: 'Renamed' }), rec('R-2')];
    await engine.runSite(siteId, { trigger: 'manual' });
    expect(personByExt(db, 'R-1')).toMatchObject({ first_name: 'Renamed', grants: '["gym"]', custom_tags: '["vip"]', notes: 'dog', app_message: 'hi', access_enabled: 0, disabled_by: 'admin' });
  });

  it('a decoupled person is skipped entirely, with the reason', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    db.sqlite.prepare(`UPDATE person SET decoupled = 1, first_name = 'Edited' WHERE external_id = 'R-1'`).run();
    source.records = [rec('R-1', { firstName: 'Source' }), rec('R-2')];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, run.id, 'R-1')).toMatchObject({ outcome: 'skipped', reason_code: 'decoupled' });
    expect(personByExt(db, 'R-1')!.first_name).toBe('Edited');
    // Removal at the source does not disable a decoupled person either.
    source.records = [rec('R-2')];
    await engine.runSite(siteId, { trigger: 'manual' });
    expect(personByExt(db, 'R-1')!.access_enabled).toBe(1);
  });
});

describe('removal', () => {
  it('a person missing from a complete read is disabled by sync, never deleted', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [rec('R-2')];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, run.id, 'R-1')).toMatchObject({ outcome: 'disabled', reason_code: 'removed_at_source' });
    expect(personByExt(db, 'R-1')).toMatchObject({ access_enabled: 0, disabled_by: 'sync', removed_at_source: 1 });
    expect(people(db, siteId)).toHaveLength(2);
  });

  it('a returning person is re-enabled only when sync disabled them', async () => {
    const { siteId, engine, source } = setup([rec('R-1'), rec('R-2'), rec('R-3')]);
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [rec('R-3')];
    await engine.runSite(siteId, { trigger: 'manual' });
    // An admin also turns R-2 off by hand while it is gone.
    db.sqlite.prepare(`UPDATE person SET disabled_by = 'admin' WHERE external_id = 'R-2'`).run();
    source.records = [rec('R-1'), rec('R-2'), rec('R-3')];
    await engine.runSite(siteId, { trigger: 'manual' });
    expect(personByExt(db, 'R-1')).toMatchObject({ access_enabled: 1, disabled_by: null, removed_at_source: 0 });
    expect(personByExt(db, 'R-2')).toMatchObject({ access_enabled: 0, disabled_by: 'admin', removed_at_source: 0 });
  });

  it('a changes feed: removals disable, a removal for an unknown person is no_match, nobody else is touched', async () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId);
    const source = new DeltaSource([rec('R-1'), rec('R-2'), rec('R-3')]);
    const { engine } = makeEngine(db, { [connId]: source });
    await engine.runSite(siteId, { trigger: 'manual' });
    source.changes = { records: [rec('R-2', { unit: '7' }), rec('R-4')], removedExternalIds: ['R-3', 'R-404'], nextToken: 'tok-2' };
    const run = await engine.runSite(siteId, { trigger: 'continuous' });
    expect(activityOf(db, run.id).map((e) => [e.external_id, e.outcome, e.reason_code])).toEqual([
      ['R-4', 'added', null],
      ['R-2', 'updated', null],
      ['R-3', 'disabled', 'removed_at_source'],
      ['R-404', 'skipped', 'no_match'],
    ]);
    expect(personByExt(db, 'R-1')!.access_enabled).toBe(1);
    expect(db.sqlite.prepare('SELECT delta_token FROM source_connection').pluck().get()).toBe('tok-2');
  });
});

describe('safety', () => {
  it('a failure mid-read leaves the mirror unchanged and marks the run failed', async () => {
    const { siteId, engine, source, events } = setup([rec('R-1'), rec('R-2'), rec('R-3'), rec('R-4')]);
    await engine.runSite(siteId, { trigger: 'manual' });
    const before = people(db, siteId);
    // Page 0 arrives (with a change and without ), then page 1 fails.
    source.records = [rec('R-1', { firstName: 'X' }), rec('R-2')];
    source.pageSize = 1;
    source.failOnPage = 1;
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/Could not read Demo PMS: upstream answered 502/);
    expect(people(db, siteId)).toEqual(before);
    expect(activityOf(db, run.id)).toHaveLength(0);
    expect(events.filter((e) => e.name === 'sync.finished').at(-1)!.payload).toMatchObject({ run: { status: 'failed' } });
  });

  it('a failure while applying rolls everything back', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    const before = people(db, siteId);
    // A trigger stands in for a disk or constraint failure halfway through the writes.
    db.sqlite.exec(`CREATE TRIGGER boom BEFORE INSERT ON person WHEN NEW.external_id = 'R-3' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    source.records = [rec('R-1', { unit: '5' }), rec('R-3')];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/disk full/);
    expect(people(db, siteId)).toEqual(before);
  });

  it('the guard holds a mass removal; approving applies it, discarding drops it', async () => {
    const records = Array.from({ length: 30 }, (_, i) => rec(`R-${i}`));
    const { siteId, engine, source } = setup(records);
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = records.slice(0, 15);
    const held = await engine.runSite(siteId, { trigger: 'schedule' });
    expect(held.status).toBe('held');
    expect(held.counts.disabled).toBe(15);
    expect(held.preview!.reason).toMatch(/15 of 30/);
    expect(held.preview!.people.filter((p) => p.outcome === 'disabled')).toHaveLength(15);
    expect(people(db, siteId).every((p) => p.access_enabled === 1)).toBe(true);
    expect(activityOf(db, held.id)).toHaveLength(0);

    const approved = await engine.runSite(siteId, { trigger: 'manual', approveHeldRunId: held.id });
    expect(approved.id).toBe(held.id);
    expect(approved.status).toBe('complete');
    expect(people(db, siteId).filter((p) => p.access_enabled === 0)).toHaveLength(15);

    source.records = records.slice(0, 2);
    const again = await engine.runSite(siteId, { trigger: 'manual' });
    expect(again.status).toBe('held');
    const discarded = await engine.discardHeld(again.id);
    expect(discarded.status).toBe('discarded');
    expect(people(db, siteId).filter((p) => p.access_enabled === 0)).toHaveLength(15);
  });

  it('the guard holds a source that suddenly returns nobody', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('held');
    expect(run.preview!.reason).toMatch(/Demo PMS returned nobody/);
    expect(people(db, siteId).every((p) => p.access_enabled === 1)).toBe(true);
  });

  it('a dry run computes the preview and writes nothing to people or activity', async () => {
    const { siteId, engine } = setup();
    const run = await engine.runSite(siteId, { trigger: 'manual', dryRun: true });
    expect(run).toMatchObject({ status: 'complete', dryRun: true, counts: { added: 2 } });
    expect(run.preview!.people.map((p) => p.outcome)).toEqual(['added', 'added']);
    expect(people(db, siteId)).toHaveLength(0);
    expect(db.sqlite.prepare('SELECT count(*) FROM activity_entry').pluck().get()).toBe(0);
    expect(await engine.lastRun(siteId)).toBeNull();
  });

  it('concurrent runSite calls for one site join one pass', async () => {
    const { siteId, engine, source } = setup();
    let release!: () => void;
    source.gate = new Promise((r) => (release = r));
    const a = engine.runSite(siteId, { trigger: 'manual' });
    const b = engine.runSite(siteId, { trigger: 'schedule' });
    expect(b).toBe(a);
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.id).toBe(rb.id);
    expect(source.listCalls).toBe(1);
    expect(db.sqlite.prepare('SELECT count(*) FROM sync_run').pluck().get()).toBe(1);
    // Once finished, the next request starts a new pass.
    const c = await engine.runSite(siteId, { trigger: 'manual' });
    expect(c.id).not.toBe(ra.id);
  });

  it('emits progress and finished events, and calls afterPass for applied passes only', async () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId);
    const calls: string[] = [];
    const h = makeEngine(db, { [connId]: new ArraySource([rec('R-1')]) }, { afterPass: (_s, runId) => void calls.push(runId) });
    const run = await h.engine.runSite(siteId, { trigger: 'manual' });
    await h.engine.runSite(siteId, { trigger: 'manual', dryRun: true });
    expect(calls).toEqual([run.id]);
    const names = h.events.map((e) => e.name);
    expect(names).toContain('sync.progress');
    expect(names).toContain('activity.appended');
    expect(names).toContain('people.changed');
    expect(h.events.find((e) => e.name === 'sync.progress' && (e.payload as { done: number }).done === 1)).toBeTruthy();
  });

  it('prunes activity older than the retention period', async () => {
    const { siteId, engine } = setup();
    db.sqlite.prepare(`INSERT INTO activity_entry (site_id, at, outcome) VALUES (?, '2000-01-01T00:00:00.000Z', 'processed')`).run(siteId);
    await engine.runSite(siteId, { trigger: 'manual' });
    expect(db.sqlite.prepare(`SELECT count(*) FROM activity_entry WHERE at < '2001'`).pluck().get()).toBe(0);
  });
});

describe('why not synced', () => {
  it('explains a skipped record by external id and a synced person by id, in plain words', async () => {
    const { siteId, engine } = setup([rec('R-10023', { status: 'Past' }), rec('R-2')]);
    await engine.runSite(siteId, { trigger: 'manual' });
    const why = explainExternalId(db, siteId, 'r-10023');
    expect(why.outcome).toBe('skipped');
    expect(why.steps[0]).toBe('Found in Demo PMS as R-10023');
    expect(why.steps.join('\n')).toMatch(/Status Past is not one this site syncs/);
    const p = personByExt(db, 'R-2')!;
    const ok = explainPerson(db, p.id as string);
    expect(ok.steps).toEqual(expect.arrayContaining(['Found in Demo PMS as R-2', 'Status Current is included', 'Has email']));
    // After an unchanged pass the chain is rebuilt, not lost.
    await engine.runSite(siteId, { trigger: 'manual' });
    const again = explainPerson(db, p.id as string);
    expect(again.outcome).toBe('processed');
    expect(again.steps).toEqual(expect.arrayContaining(['Found in Demo PMS as R-2', 'Status Current is included', 'Has email']));
    expect(explainExternalId(db, siteId, 'nope').steps[0]).toMatch(/No source sent/);
  });
});
