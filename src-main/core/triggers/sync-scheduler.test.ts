import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open-database';
import type { OpenDatabase } from '../db/open-database';
import type { ChangeSet, SourceConnector } from '../adapters/types';
import type { SiteSettings, SyncRunDto, SyncTrigger } from '../../contract/dto';
import { SyncScheduler } from './sync-scheduler';

let dir: string;
let db: OpenDatabase;
let clock: Date;
let runs: Array<{ siteId: string; trigger: SyncTrigger }>;
let feed: ChangeSet[];
let settings: SiteSettings;

function recordRun(siteId: string, opts: { trigger: SyncTrigger }): Promise<SyncRunDto> {
  if (opts.trigger === 'continuous') {
    // What a continuous pass does: read the changes from the stored position and move it on.
    const next = feed.shift();
    if (next) db.sqlite.prepare(`UPDATE source_connection SET delta_token = ? WHERE site_id = ?`).run(next.nextToken, siteId);
  }
  runs.push({ siteId, trigger: opts.trigger });
  // What the engine leaves behind: a run row the schedule measures from.
  db.sqlite
    .prepare(`INSERT INTO sync_run (id, site_id, trigger, status, started_at, counts) VALUES (?, ?, ?, 'complete', ?, '{}')`)
    .run(`run-${runs.length}`, siteId, opts.trigger, clock.toISOString());
  return Promise.resolve({} as SyncRunDto);
}

function scheduler(connector: SourceConnector) {
  return new SyncScheduler({
    db,
    runSite: recordRun,
    connectorFor: () => connector,
    settingsOf: () => settings,
    now: () => clock,
    nightlyHour: 3,
    pollEveryMs: 60_000,
  });
}

const feedConnector: SourceConnector = {
  kind: 'test',
  test: async () => ({ ok: true, message: 'ok' }),
  async *list() {},
  changesSince: async (token) => feed.shift() ?? { records: [], removedExternalIds: [], nextToken: token ?? 't0' },
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollcall-sched-'));
  db = await openDatabase(join(dir, 'r.db'));
  runs = [];
  feed = [];
  settings = { scheduleMinutes: 60, integrationsEnabled: true, cctvEnabled: true } as SiteSettings;
  clock = new Date(2026, 10, 23, 10, 0, 0);
  const at = clock.toISOString();
  db.sqlite.prepare(`INSERT INTO site (id, name, settings, created_at) VALUES ('s1', 'One', '{}', ?), ('s2', 'No sources', '{}', ?)`).run(at, at);
  db.sqlite.prepare(`INSERT INTO source_connection (id, site_id, kind, name, created_at) VALUES ('c1', 's1', 'demo', 'PMS', ?)`).run(at);
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

describe('SyncScheduler', () => {
  it('runs a never-synced site at once, then hourly, and never a site with no source enabled', async () => {
    const s = scheduler({ ...feedConnector, changesSince: undefined });
    expect(await s.tick()).toEqual([{ siteId: 's1', trigger: 'schedule' }]);
    advance(30 * 60_000);
    expect(await s.tick()).toEqual([]);
    advance(30 * 60_000);
    expect(await s.tick()).toEqual([{ siteId: 's1', trigger: 'schedule' }]);
  });

  it('runs the nightly reconciliation once, in its hour', async () => {
    const s = scheduler({ ...feedConnector, changesSince: undefined });
    await s.tick();
    clock = new Date(2026, 10, 24, 3, 5, 0);
    expect(await s.tick()).toEqual([{ siteId: 's1', trigger: 'nightly' }]);
    advance(20 * 60_000);
    expect(runs.filter((r) => r.trigger === 'nightly')).toHaveLength(1);
    expect(await s.tick()).toEqual([]);
  });

  it('polls a changes feed and starts a pass as soon as the source changed', async () => {
    const s = scheduler(feedConnector);
    await s.tick(); // scheduled first pass; learns the feed position
    expect(db.sqlite.prepare(`SELECT delta_token FROM source_connection WHERE id='c1'`).pluck().get()).toBe('t0');
    advance(61_000);
    expect(await s.tick()).toEqual([]); // feed quiet
    feed.push({ records: [{ externalId: 'R-1', raw: {} }], removedExternalIds: [], nextToken: 't1' });
    advance(61_000);
    expect(await s.tick()).toEqual([{ siteId: 's1', trigger: 'continuous' }]);
    // The pass, not the peek, moves the feed position on.
    expect(db.sqlite.prepare(`SELECT delta_token FROM source_connection WHERE id='c1'`).pluck().get()).toBe('t0');
  });

  it('keeps polling after a feed error, and a disabled source is not polled', async () => {
    let calls = 0;
    const s = scheduler({
      ...feedConnector,
      changesSince: async () => {
        calls++;
        throw new Error('feed down');
      },
    });
    await s.tick();
    advance(61_000);
    await s.tick();
    expect(calls).toBe(2);
    db.sqlite.prepare(`UPDATE source_connection SET enabled = 0`).run();
    advance(61_000);
    expect(await s.tick()).toEqual([]);
    expect(calls).toBe(2);
  });

  it('never contacts or runs a source whose block is switched off for the site', async () => {
    let calls = 0;
    const s = scheduler({
      ...feedConnector,
      changesSince: async (token) => {
        calls++;
        return { records: [], removedExternalIds: [], nextToken: token ?? 't0' };
      },
    });
    settings = { ...settings, integrationsEnabled: false };
    expect(await s.tick()).toEqual([]);
    advance(61 * 60_000);
    expect(await s.tick()).toEqual([]);
    expect(calls).toBe(0);
    // A CCTV source on a site whose CCTV block is on still runs.
    db.sqlite.prepare(`UPDATE source_connection SET block = 'cctv'`).run();
    expect(await s.tick()).toEqual([{ siteId: 's1', trigger: 'schedule' }]);
  });

  it('does not pile up held passes: no continuous pass while the last one waits for a manager', async () => {
    const s = scheduler(feedConnector);
    await s.tick(); // scheduled first pass; learns the feed position
    db.sqlite.prepare(`UPDATE sync_run SET status = 'held'`).run();
    // The held pass left the feed where it was: every poll still sees the same change.
    for (let minute = 1; minute <= 5; minute++) {
      feed.push({ records: [{ externalId: 'R-1', raw: {} }], removedExternalIds: [], nextToken: 't1' });
      advance(61_000);
      expect(await s.tick()).toEqual([]);
    }
    // Once the manager has decided (approved or discarded), changes flow again.
    db.sqlite.prepare(`UPDATE sync_run SET status = 'discarded'`).run();
    feed.push({ records: [{ externalId: 'R-1', raw: {} }], removedExternalIds: [], nextToken: 't1' });
    advance(61_000);
    expect(await s.tick()).toEqual([{ siteId: 's1', trigger: 'continuous' }]);
  });

  it('continuous passes every minute do not push the hourly full pass back', async () => {
    const s = scheduler(feedConnector);
    expect(await s.tick()).toEqual([{ siteId: 's1', trigger: 'schedule' }]);
    const started: SyncTrigger[] = [];
    for (let minute = 1; minute <= 61; minute++) {
      feed.push({ records: [{ externalId: `R-${minute}`, raw: {} }], removedExternalIds: [], nextToken: `t${minute}` });
      advance(60_000);
      for (const r of await s.tick()) started.push(r.trigger);
    }
    expect(started).toContain('continuous');
    expect(started).toContain('schedule');
  });
});
