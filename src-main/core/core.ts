import type { Role } from '../contract/define';
import type { Handlers } from '../contract/rpc';
import type { AppInfo } from '../contract/calls/app';
import { databaseFile } from './app-paths';
import { CoreEvents } from './core-events';
import { openDatabase } from './db/open-database';
import { failInterruptedRuns } from './db/interrupted-runs';
import type { OpenDatabase } from './db/open-database';
import { Upstreams } from './upstreams';
import { alarmPanelDemoFor, attachAlarmPanelDemo } from './adapters/alarm-panel';
import { SyncEngine } from './sync/sync-engine';
import { SyncScheduler } from './triggers/sync-scheduler';
import { DatabaseBackups } from './db/backups';
import { resolveSiteSettings } from './sync/site-defaults';
import { afterPassSteps } from './after-pass';
import { importCsv } from './csv-import';
import type { CsvImportInput, CsvImportResult } from './csv-import';
import type { CoreContext } from './handlers/core-context';
import { DemoControl } from './handlers/demo-handlers';
import { sitesHandlers } from './handlers/sites-handlers';
import { peopleHandlers } from './handlers/people-handlers';
import { syncHandlers } from './handlers/sync-handlers';
import { activityHandlers } from './handlers/activity-handlers';
import { settingsHandlers } from './handlers/settings-handlers';
import { connectionsHandlers } from './handlers/connections-handlers';
import { locationsHandlers } from './handlers/locations-handlers';
import { decisionsHandlers } from './handlers/decisions-handlers';
import { csvHandlers } from './handlers/csv-handlers';
import { parseJson } from './sql-helpers';
import type { SecretStore } from './secrets/secret-store';
import { ConnectionSecrets } from './secrets/connection-secrets';
import { createFileSecretStore } from './secrets/file-secret-store';
import { allSecretRefs } from './connections/connection-store';
import { openAlarmCodes } from './locations/alarm-codes';

export interface CoreOptions {
  dataDir: string;
  host: AppInfo['host'];
  version?: string;
  role?: Role;
  /** Create and sync the embedded demo when the database has no site at all (default true). */
  seedDemoWhenEmpty?: boolean;
  /** Run scheduled, nightly and continuous passes (the long-running hosts do; the CLI does not). */
  schedule?: boolean;
  /** Push decisions on a timer while online (default: the Electron and browser hosts do). */
  backgroundPush?: boolean;
  now?: () => Date;
  /** Where connection secrets live (the desktop host passes its keychain-backed one); an encrypted file in dataDir otherwise. */
  secretStore?: SecretStore;
}

export interface Core {
  handlers: Handlers;
  events: CoreEvents;
  db: OpenDatabase;
  engine: SyncEngine;
  upstreams: Upstreams;
  importCsv(input: CsvImportInput): Promise<CsvImportResult>;
  close(): Promise<void>;
}

/**
 * Builds the platform-free core: the database, the adapters, the sync engine and the handler
 * for every API call. Hosts (Electron, browser, CLI, tests) only carry messages to it.
 */
export async function createCore(opts: CoreOptions): Promise<Core> {
  const opened = new OpenedParts();
  try {
    return await startCore(opts, opened);
  } catch (err) {
    // A step after the database opened failed (a demo server, the secret store, a pass...): close
    // what was opened, newest first, so no connection, lock, checkpoint thread or server outlives
    // the failed start. The first error is the one to report; a second from the clean-up is not.
    await opened.closeAll().catch(() => undefined);
    throw err;
  }
}

/**
 * What start-up has opened so far. Closed in reverse order by close(), or at once when a later
 * start-up step fails.
 */
class OpenedParts {
  private readonly closers: Array<() => unknown> = [];

  add(close: () => unknown): void {
    this.closers.push(close);
  }

  /** Closes every part, newest first, even when one fails; then throws the first failure. */
  async closeAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const close of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length) throw failures[0];
  }
}

async function startCore(opts: CoreOptions, opened: OpenedParts): Promise<Core> {
  const now = opts.now ?? (() => new Date());
  // The Electron and browser cores live long and must answer calls while a big pass commits: WAL
  // checkpoints run on a thread of their own. A CLI command exits right after (its close checkpoints).
  const db = await openDatabase(databaseFile(opts.dataDir), { backgroundCheckpoints: opts.host !== 'cli' });
  opened.add(() => db.close());
  // A pass of a process that was killed stays 'running' in the file; the CLI leaves those alone (see db/interrupted-runs.ts).
  if (opts.host !== 'cli') failInterruptedRuns(db.sqlite, now());
  const events = new CoreEvents();
  const secrets = new ConnectionSecrets(opts.secretStore ?? createFileSecretStore({ dataDir: opts.dataDir }));
  // Adapters are built synchronously, so the secrets they need are read once here (see connection-secrets.ts).
  await secrets.preload(allSecretRefs(db.sqlite));
  // Alarm user codes are sealed under a key in the same store; read once here so sealing is synchronous.
  await openAlarmCodes(db, secrets.store);
  const upstreams = new Upstreams(opts.dataDir, { secrets });
  // The demo's servers start later (now or from a handler); whichever are running at close go.
  opened.add(async () => {
    await upstreams.demo?.close();
    upstreams.demo = null;
    await alarmPanelDemoFor(upstreams)?.close();
    attachAlarmPanelDemo(upstreams, null);
  });
  const engine = new SyncEngine({
    db,
    events,
    connectorFor: (c) => upstreams.sourceFor(c),
    afterPass: afterPassSteps({ db, events, upstreams, now }),
    now,
  });
  const ctx: CoreContext = {
    db,
    events,
    engine,
    upstreams,
    dataDir: opts.dataDir,
    host: opts.host,
    version: opts.version ?? '0.0.0',
    role: opts.role ?? 'manager',
    backgroundPush: opts.backgroundPush ?? (opts.host === 'electron' || opts.host === 'browser'),
    now,
  };
  const demo = new DemoControl(ctx);

  await demo.startIfPresent();
  const siteCount = Number(db.sqlite.prepare('SELECT count(*) FROM site').pluck().get());
  if (siteCount === 0 && opts.seedDemoWhenEmpty !== false) await demo.seed();

  const scheduler = opts.schedule
    ? new SyncScheduler({
        db,
        runSite: (siteId, o) => engine.runSite(siteId, o),
        connectorFor: (c) => upstreams.sourceFor(c),
        settingsOf: (siteId) => resolveSiteSettings(parseJson(db.sqlite.prepare('SELECT settings FROM site WHERE id = ?').pluck().get(siteId), {})),
        now,
      })
    : null;
  scheduler?.start();
  if (scheduler) opened.add(() => scheduler.stop());

  // Long-running cores back up daily (and on start when the newest backup is a day old); any core backs up when asked.
  const backups = new DatabaseBackups({ sqlite: db.sqlite, dataDir: opts.dataDir, now, events, log: (m) => console.warn(`[rollcall core] ${m}`) });
  if (opts.schedule) backups.start();
  opened.add(() => backups.stop());

  // Every call in the contract, from one module per domain. Leaving one out does not compile.
  const handlers: Handlers = {
    ...sitesHandlers(ctx, backups),
    ...peopleHandlers(ctx),
    ...syncHandlers(ctx),
    ...activityHandlers(ctx),
    ...settingsHandlers(ctx),
    ...connectionsHandlers(ctx),
    ...locationsHandlers(ctx),
    ...decisionsHandlers(ctx),
    ...csvHandlers(ctx),
    ...demo.handlers(),
  };

  return {
    handlers,
    events,
    db,
    engine,
    upstreams,
    importCsv: (input) => importCsv(ctx, input),
    close: () => opened.closeAll(),
  };
}
