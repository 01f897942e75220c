import { describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../db/open-database';
import { getActivity } from '../activity/activity-queries';
import { explainExternalId, explainPerson } from './explain';
import {
  ArraySource,
  DeltaSource,
  activityOf,
  createConnection,
  createSite,
  eachTestDb,
  entryFor,
  makeEngine,
  people,
  personByExt,
  rec,
} from './test-helpers';

/*
 * Edge cases a demanding user meets: requests that arrive while a pass runs, the guard's
 * arithmetic on a site with a long history, and explanations and log details after time passes.
 */

let db: OpenDatabase;
eachTestDb((d) => (db = d));

function setup(records = [rec('R-1'), rec('R-2')], settings = {}) {
  const siteId = createSite(db, settings);
  const connId = createConnection(db, siteId);
  const source = new DeltaSource(records);
  const h = makeEngine(db, { [connId]: source });
  return { siteId, connId, source, ...h };
}

const runCount = () => Number(db.sqlite.prepare('SELECT count(*) FROM sync_run').pluck().get());

describe('requests that arrive while a pass runs', () => {
  it('Sync now asked during a dry run gets a real pass of its own, which writes', async () => {
    const { siteId, engine, source } = setup();
    let release!: () => void;
    source.gate = new Promise((r) => (release = r));
    const dry = engine.runSite(siteId, { trigger: 'manual', dryRun: true });
    const real = engine.runSite(siteId, { trigger: 'manual' });
    release();
    const [d, r] = await Promise.all([dry, real]);
    expect(d.dryRun).toBe(true);
    expect(r.dryRun).toBe(false);
    expect(r.id).not.toBe(d.id);
    expect(r.status).toBe('complete');
    expect(people(db, siteId)).toHaveLength(2);
  });

  it('a dry run asked during a real pass never reports (or is) a real pass', async () => {
    const { siteId, engine, source } = setup();
    let release!: () => void;
    source.gate = new Promise((r) => (release = r));
    const real = engine.runSite(siteId, { trigger: 'manual' });
    const dry = engine.runSite(siteId, { trigger: 'manual', dryRun: true });
    release();
    const [r, d] = await Promise.all([real, dry]);
    expect(r.dryRun).toBe(false);
    expect(d.dryRun).toBe(true);
    expect(d.preview).not.toBeNull();
  });

  it('Sync now asked during a continuous pass runs a full pass (sources without a feed are read too)', async () => {
    const siteId = createSite(db);
    const feedConn = createConnection(db, siteId, { name: 'Feed PMS' });
    const listConn = createConnection(db, siteId, { name: 'List PMS' });
    const feed = new DeltaSource([rec('F-1')]);
    const list = new ArraySource([rec('L-1')]);
    const { engine } = makeEngine(db, { [feedConn]: feed, [listConn]: list });
    let release!: () => void;
    feed.changes = { records: [rec('F-1')], removedExternalIds: [], nextToken: 't1' };
    const gate = new Promise<void>((r) => (release = r));
    const slowChanges = feed.changesSince.bind(feed);
    feed.changesSince = async (t) => {
      await gate;
      return slowChanges(t);
    };
    const continuous = engine.runSite(siteId, { trigger: 'continuous' });
    const now = engine.runSite(siteId, { trigger: 'manual' });
    release();
    const [c, n] = await Promise.all([continuous, now]);
    expect(c.trigger).toBe('continuous');
    expect(n.trigger).toBe('manual');
    expect(list.listCalls).toBe(1);
    expect(personByExt(db, 'L-1')).toBeTruthy();
  });

  it('approving a held pass while another pass runs still applies the approval', async () => {
    const records = Array.from({ length: 30 }, (_, i) => rec(`R-${i}`));
    const { siteId, engine, source } = setup(records);
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = records.slice(0, 15);
    const held = await engine.runSite(siteId, { trigger: 'schedule' });
    expect(held.status).toBe('held');
    let release!: () => void;
    source.gate = new Promise((r) => (release = r));
    const scheduled = engine.runSite(siteId, { trigger: 'schedule' });
    const approved = engine.runSite(siteId, { trigger: 'manual', approveHeldRunId: held.id });
    release();
    const [s, a] = await Promise.all([scheduled, approved]);
    expect(s.status).toBe('held');
    expect(a.id).toBe(held.id);
    expect(a.status).toBe('complete');
    expect(people(db, siteId).filter((p) => p.access_enabled === 0)).toHaveLength(15);
  });

  it('the same kind of request still joins the running pass', async () => {
    const { siteId, engine, source } = setup();
    let release!: () => void;
    source.gate = new Promise((r) => (release = r));
    const a = engine.runSite(siteId, { trigger: 'manual' });
    const b = engine.runSite(siteId, { trigger: 'schedule' });
    const c = engine.runSite(siteId, { trigger: 'continuous' });
    expect(b).toBe(a);
    expect(c).toBe(a);
    release();
    await Promise.all([a, b, c]);
    expect(runCount()).toBe(1);
  });
});

describe('the mass-change guard', () => {
  it('holds a pass that disables more than 10 % (11 of 105 people is more than 10.5)', async () => {
    const records = Array.from({ length: 105 }, (_, i) => rec(`R-${i}`));
    const { siteId, engine, source } = setup(records);
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = records.slice(11);
    const run = await engine.runSite(siteId, { trigger: 'schedule' });
    expect(run.status).toBe('held');
    expect(people(db, siteId).every((p) => p.access_enabled === 1)).toBe(true);
  });

  it('measures 10 % against people who still have access, not every past resident ever synced', async () => {
    // 200 people synced over the years, 170 of them moved out long ago (access off).
    const records = Array.from({ length: 200 }, (_, i) => rec(`R-${i}`));
    const { siteId, engine, source } = setup(records);
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = records.slice(0, 30);
    const moveOut = await engine.runSite(siteId, { trigger: 'schedule' });
    expect(moveOut.status).toBe('held');
    await engine.runSite(siteId, { trigger: 'manual', approveHeldRunId: moveOut.id });
    expect(people(db, siteId).filter((p) => p.access_enabled === 1)).toHaveLength(30);
    // Now the source hiccups and lists only 15 of the 30 current residents: half the building.
    source.records = records.slice(0, 15);
    const run = await engine.runSite(siteId, { trigger: 'schedule' });
    expect(run.status).toBe('held');
    expect(run.preview!.reason).toMatch(/15 of 30/);
    expect(people(db, siteId).filter((p) => p.access_enabled === 1)).toHaveLength(30);
  });
});

describe('why not synced, after the pass that disabled someone', () => {
  it('a person still missing from the source is not explained as "found in" it', async () => {
    const { siteId, engine, source } = setup();
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [rec('R-2')];
    await engine.runSite(siteId, { trigger: 'manual' });
    const last = await engine.runSite(siteId, { trigger: 'manual' });
    expect(entryFor(db, last.id, 'R-1')).toMatchObject({ outcome: 'processed' });
    const p = personByExt(db, 'R-1')!;
    const why = explainPerson(db, p.id as string);
    expect(why.runId).toBe(last.id);
    expect(why.steps.join('\n')).not.toMatch(/Found in Demo PMS/);
    expect(why.steps.join('\n')).toMatch(/Not in the latest complete read of Demo PMS/);
    expect(explainExternalId(db, siteId, 'R-1').steps).toEqual(why.steps);
  });
});

describe('retention', () => {
  it('a record skipped for months still opens with its full record after the first entry is pruned', async () => {
    let now = new Date('2025-01-01T00:00:00.000Z');
    const siteId = createSite(db, { activityRetentionDays: 90 });
    const connId = createConnection(db, siteId);
    const source = new ArraySource([rec('R-1'), rec('P-1', { status: 'Past' })]);
    const { engine } = makeEngine(db, { [connId]: source }, { now: () => now });
    await engine.runSite(siteId, { trigger: 'manual' });
    now = new Date('2025-03-01T00:00:00.000Z');
    await engine.runSite(siteId, { trigger: 'manual' });
    now = new Date('2025-05-01T00:00:00.000Z');
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    const e = activityOf(db, run.id).find((x) => x.external_id === 'P-1')!;
    expect(e).toMatchObject({ outcome: 'skipped', reason_code: 'excluded_status' });
    const detail = getActivity(db.sqlite, Number(e.id)).detail;
    expect(detail?.record).toMatchObject({ id: 'P-1' });
    expect(explainExternalId(db, siteId, 'P-1').steps.join('\n')).toMatch(/Status Past is not one this site syncs/);
  });
});

describe('a person an admin took over (track source updates off)', () => {
  it('keeps their held badge untouched by later passes, like every other field of theirs', async () => {
    const { siteId, source, engine } = setup([rec('R-1')]);
    await engine.runSite(siteId, { trigger: 'manual' });
    // The source changes the email: the person is held for review.
    source.records = [rec('R-1', { email: 'ana.new@example.com' })];
    await engine.runSite(siteId, { trigger: 'manual' });
    expect(personByExt(db, 'R-1')).toMatchObject({ held_reason: 'email_changed' });
    db.sqlite.prepare(`UPDATE person SET decoupled = 1 WHERE external_id = 'R-1'`).run();
    const before = personByExt(db, 'R-1');
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('complete');
    expect(personByExt(db, 'R-1')).toEqual(before);
  });
});
