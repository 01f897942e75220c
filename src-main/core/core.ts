import { join } from 'node:path';
import { ApiError } from '../contract/errors';
import type { Role } from '../contract/define';
import type { Handlers } from '../contract/rpc';
import type { AppInfo } from '../contract/calls/app';
import { databaseFile } from './app-paths';
import { CoreEvents } from './core-events';
import { openDatabase } from './db/open-database';
import type { OpenDatabase } from './db/open-database';
import type { AccessSystem } from './db/entities';
import { Upstreams } from './upstreams';
import { SyncEngine } from './sync/sync-engine';
import { mirrorAccessAccounts } from './access/access-mirror';
import { detectAlerts } from './alerts/detect-alerts';
import { listAlerts } from './alerts/alert-queries';
import { listPeople, getPerson } from './people/people-queries';
import { listActivity, getActivity } from './activity/activity-queries';
import { listSites } from './sites/site-queries';
import { createDemoSite, deleteDemoSites, findDemoSiteId } from './sites/demo-site';
import { resetDemoState, startDemoUpstreams } from './demo/demo-upstreams';
import { parseJson } from './sql-helpers';

export interface CoreOptions {
  dataDir: string;
  host: AppInfo['host'];
  version?: string;
  role?: Role;
  /** Create and sync the embedded demo when the database has no site at all (default true). */
  seedDemoWhenEmpty?: boolean;
  now?: () => Date;
}

export interface Core {
  handlers: Handlers;
  events: CoreEvents;
  db: OpenDatabase;
  engine: SyncEngine;
  upstreams: Upstreams;
  close(): Promise<void>;
}

/**
 * Builds the platform-free core: the database, the adapters, the sync engine and the handler
 * for every API call. Hosts (Electron, browser, CLI, tests) only carry messages to it.
 */
export async function createCore(opts: CoreOptions): Promise<Core> {
  const now = opts.now ?? (() => new Date());
  const db = await openDatabase(databaseFile(opts.dataDir));
  const events = new CoreEvents();
  const upstreams = new Upstreams();
  const demoStateDir = join(opts.dataDir, 'demo');

  const afterPass = async (siteId: string, runId: string) => {
    const systems = db.sqlite
      .prepare('SELECT * FROM access_system WHERE site_id = ? AND enabled = 1')
      .all(siteId) as Record<string, unknown>[];
    for (const row of systems) {
      const system = toAccessSystem(row);
      try {
        await mirrorAccessAccounts(db, system, upstreams.panelFor(system), now());
      } catch (err) {
        // The access system could not be read: keep the old mirror and say so in the log.
        db.sqlite
          .prepare(
            `INSERT INTO activity_entry (site_id, run_id, at, outcome, person_name, reason_code, reason, detail)
             VALUES (?, ?, ?, 'error', ?, 'access_read_failed', ?, ?)`,
          )
          .run(siteId, runId, now().toISOString(), system.name, `Could not read ${system.name}: ${(err as Error).message}`, JSON.stringify({ accessSystemId: system.id }));
        events.emit('activity.appended', { siteId, count: 1 });
      }
    }
    const result = detectAlerts(db, siteId, now());
    events.emit('alerts.changed', { siteId, open: result.open });
  };

  const engine = new SyncEngine({ db, events, connectorFor: (c) => upstreams.sourceFor(c), afterPass, now });

  async function startDemo(): Promise<void> {
    if (!upstreams.demo) upstreams.demo = await startDemoUpstreams({ stateDir: demoStateDir });
  }

  async function seedDemo(): Promise<string> {
    await startDemo();
    const siteId = createDemoSite(db, upstreams.demo!, now());
    events.emit('sites.changed', {});
    await engine.runSite(siteId, { trigger: 'demo' });
    return siteId;
  }

  const siteCount = Number(db.sqlite.prepare('SELECT count(*) FROM site').pluck().get());
  if (findDemoSiteId(db)) await startDemo();
  else if (siteCount === 0 && opts.seedDemoWhenEmpty !== false) await seedDemo();

  const role: Role = opts.role ?? 'manager';

  const handlers: Handlers = {
    'app.info': () => ({
      version: opts.version ?? '0.0.0',
      host: opts.host,
      dataDir: opts.dataDir,
      databaseFile: databaseFile(opts.dataDir),
      role,
    }),
    'sites.list': () => listSites(db.sqlite),
    'people.list': (input) => {
      requireSite(db, input.siteId);
      return listPeople(db.sqlite, input);
    },
    'people.get': (input) => getPerson(db.sqlite, input.id),
    'sync.runNow': async (input) => {
      if (input.siteId) {
        requireSite(db, input.siteId);
        return [await engine.runSite(input.siteId, { trigger: 'manual', dryRun: input.dryRun })];
      }
      return engine.runAll({ trigger: 'manual', dryRun: input.dryRun });
    },
    'sync.lastRun': (input) => {
      requireSite(db, input.siteId);
      return engine.lastRun(input.siteId);
    },
    'activity.list': (input) => {
      requireSite(db, input.siteId);
      return listActivity(db.sqlite, input);
    },
    'activity.get': (input) => getActivity(db.sqlite, input.id),
    'alerts.list': (input) => {
      requireSite(db, input.siteId);
      return listAlerts(db, input.siteId, { status: 'open' });
    },
    'demo.reset': async () => {
      deleteDemoSites(db);
      await upstreams.demo?.close();
      upstreams.demo = null;
      resetDemoState(demoStateDir);
      const siteId = await seedDemo();
      const site = listSites(db.sqlite).find((s) => s.id === siteId);
      if (!site) throw new ApiError('internal', 'The demo site was not created.');
      return site;
    },
    'demo.remove': async () => {
      const removed = deleteDemoSites(db) > 0;
      await upstreams.demo?.close();
      upstreams.demo = null;
      resetDemoState(demoStateDir);
      events.emit('sites.changed', {});
      return { removed };
    },
  };

  return {
    handlers,
    events,
    db,
    engine,
    upstreams,
    async close() {
      await upstreams.demo?.close();
      upstreams.demo = null;
      await db.close();
    },
  };
}

function requireSite(db: OpenDatabase, siteId: string): void {
  const found = db.sqlite.prepare('SELECT 1 FROM site WHERE id = ?').get(siteId);
  if (!found) throw new ApiError('not_found', 'That site does not exist (it may have been removed).');
}

function toAccessSystem(r: Record<string, unknown>): AccessSystem {
  return {
    id: r.id as string,
    siteId: r.site_id as string,
    kind: r.kind as AccessSystem['kind'],
    name: r.name as string,
    enabled: r.enabled === 1,
    config: parseJson(r.config, {}),
    secretRef: (r.secret_ref as string | null) ?? null,
    createdAt: r.created_at as string,
  };
}
