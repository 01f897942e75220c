import { randomUUID } from 'node:crypto';
import type { SyncRunDto, SyncTrigger } from '../../contract/dto';
import { ApiError } from '../../contract/errors';
import type { SourceConnector, SourceRecord } from '../adapters/types';
import type { CoreEvents } from '../core-events';
import type { SourceConnection } from '../db/entities';
import type { OpenDatabase } from '../db/open-database';
import { parseJson } from '../sql-helpers';
import { firstKeptEntryId, pruneActivity } from '../activity/activity-prune';
import { applyPlan } from './apply-pass';
import { planPass } from './correlate';
import { buildPreview, countOutcomes, entryCount, evaluateGuard } from './guard';
import type { GuardApproval, SyncPreview } from './guard';
import type { SourceRead } from './plan-types';
import { FingerprintCache, fingerprintChanges } from './fingerprint-cache';
import { kindOf } from './record-shape';
import { finishRun, getRun, getRunRow, insertRun, lastRunOf } from './run-store';
import { connectionGate, countActiveSyncedPeople, loadConnections, loadSite, sqlitePassState } from './site-state';
import type { SiteInfo } from './site-state';

export interface SyncEngineDeps {
  db: OpenDatabase;
  events: CoreEvents;
  connectorFor(conn: SourceConnection): SourceConnector;
  /** Runs after an applied (not dry, not held) pass: access mirror, alert detection. */
  afterPass?(siteId: string, runId: string): Promise<void> | void;
  now?(): Date;
}

export interface RunSiteOptions {
  trigger: SyncTrigger;
  /** Compute everything, write nothing but the run row; the result carries the preview. */
  dryRun?: boolean;
  /** Re-run a held pass with the guard lifted, for at most what the held preview showed. */
  approveHeldRunId?: string;
  /**
   * The caller just changed what a source will list (a CSV import stored a new file): never join
   * a pass that is already reading, only one still waiting to start.
   */
  fresh?: boolean;
  /**
   * Dry runs only: readers for this pass alone, ahead of connectorFor, and connections that exist
   * only for this pass (a CSV file previewed before any import). Another pass running at the same
   * time never sees them, so a preview cannot leak into a pass that writes.
   */
  dryRunSources?: { connectors: ReadonlyMap<string, SourceConnector>; extraConnections?: SourceConnection[] };
}

/** A run as the contract shows it; `preview` is set for dry runs and held passes. */
export type SyncRunResult = SyncRunDto;

const PROGRESS_EVERY_MS = 100;

/**
 * A page (or changes batch) entry that is not a record: the read is damaged. Dropping the entry
 * would make the person it stood for look removed, so the whole read fails instead. A typeof per
 * record, in the loop that copies the page anyway.
 */
function checkRecords(list: unknown, what: string, where: string): SourceRecord[] {
  if (!Array.isArray(list)) throw new Error(`the source sent ${what} that is not a list of records`);
  for (let i = 0; i < list.length; i++) {
    const r: unknown = list[i];
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new Error(`entry ${i + 1} of ${where} is ${kindOf(r)}, not a record`);
    }
  }
  return list as SourceRecord[];
}

/** Requests of one kind are answered by one pass; see runSite. */
function requestKind(opts: RunSiteOptions): string {
  // A pass with its own readers answers only its own request.
  if (opts.dryRunSources) return `own:${randomUUID()}`;
  if (opts.approveHeldRunId) return `approve:${opts.approveHeldRunId}`;
  if (opts.dryRun) return opts.trigger === 'continuous' ? 'dry-continuous' : 'dry';
  return opts.trigger === 'continuous' ? 'continuous' : 'full';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One pass per site: read every enabled source completely (async, over the network), then decide
 * and apply everything in one synchronous SQLite transaction. Reading first means a source that
 * fails halfway never leaves the mirror half-updated, and the write lock is held only for the
 * short apply phase.
 */
export class SyncEngine {
  /** Per site: the pass running now, then the ones waiting for it, in order. */
  private readonly inflight = new Map<string, Array<{ kind: string; promise: Promise<SyncRunResult> }>>();
  private readonly fingerprints: FingerprintCache;

  constructor(private readonly deps: SyncEngineDeps) {
    this.fingerprints = FingerprintCache.for(deps.db.sqlite);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Starts a pass, or joins the one already running (or queued) for this site when it answers the
   * same request (same promise, same result). A request of another kind waits for it and then runs
   * its own: a Sync now must not come back with a dry run's preview or a continuous pass that read
   * only the changes feeds, a dry run must not come back as a pass that wrote, and an approval
   * must not be swallowed by an hourly pass. Either way one pass per site runs at a time.
   */
  runSite(siteId: string, opts: RunSiteOptions): Promise<SyncRunResult> {
    const kind = requestKind(opts);
    const queue = this.inflight.get(siteId) ?? [];
    // A continuous request may join a full pass: it reads every source completely, and since it
    // leaves the feed position where it was, the next poll still picks up anything it missed.
    const joinable = opts.fresh ? queue.slice(1) : queue;
    const join = joinable.find((q) => q.kind === kind || (kind === 'continuous' && q.kind === 'full'));
    if (join) return join.promise;
    const before = queue.at(-1)?.promise.catch(() => undefined);
    const pass = (before ? before.then(() => this.execute(siteId, opts)) : this.execute(siteId, opts)).finally(() => {
      const left = (this.inflight.get(siteId) ?? []).filter((q) => q.promise !== pass);
      if (left.length) this.inflight.set(siteId, left);
      else this.inflight.delete(siteId);
    });
    this.inflight.set(siteId, [...queue, { kind, promise: pass }]);
    return pass;
  }

  /** Every site, one after another (passes share one SQLite writer, so parallel buys nothing). */
  async runAll(opts: { trigger: SyncTrigger; dryRun?: boolean }): Promise<SyncRunResult[]> {
    const ids = this.deps.db.sqlite.prepare('SELECT id FROM site ORDER BY name COLLATE NOCASE').pluck().all() as string[];
    const out: SyncRunResult[] = [];
    for (const id of ids) {
      try {
        out.push(await this.runSite(id, { trigger: opts.trigger, dryRun: opts.dryRun }));
      } catch (err) {
        // The site vanished between listing and running: nothing to report for it.
        if (!(err instanceof ApiError && err.code === 'not_found')) throw err;
      }
    }
    return out;
  }

  /** Whether a pass for the site is running or waiting to run. */
  isBusy(siteId: string): boolean {
    return (this.inflight.get(siteId)?.length ?? 0) > 0;
  }

  async lastRun(siteId: string): Promise<SyncRunDto | null> {
    return lastRunOf(this.deps.db.sqlite, siteId);
  }

  /** Drops a held pass: nothing it would have done happens. */
  async discardHeld(runId: string): Promise<SyncRunDto> {
    const { sqlite } = this.deps.db;
    const row = getRunRow(sqlite, runId);
    if (!row) throw new ApiError('not_found', 'That sync run no longer exists.');
    if (row.status !== 'held') throw new ApiError('conflict', 'That sync run is not waiting for approval any more.');
    sqlite.prepare(`UPDATE sync_run SET status = 'discarded', finished_at = ? WHERE id = ? AND status = 'held'`).run(this.now().toISOString(), runId);
    const run = getRun(sqlite, runId)!;
    this.deps.events.emit('sync.finished', { siteId: run.siteId, run });
    return run;
  }

  private async execute(siteId: string, opts: RunSiteOptions): Promise<SyncRunResult> {
    const { sqlite } = this.deps.db;
    const events = this.deps.events;
    const site = loadSite(sqlite, siteId);
    if (!site) throw new ApiError('not_found', 'That site does not exist (it may have been removed).');
    if (opts.dryRunSources && !opts.dryRun) throw new ApiError('invalid_input', 'Stand-in sources are for dry runs only.');
    const dryRun = !!opts.dryRun;
    let approval: GuardApproval | null = null;
    let runId: string;
    if (opts.approveHeldRunId) {
      const row = getRunRow(sqlite, opts.approveHeldRunId);
      if (!row || row.site_id !== siteId) throw new ApiError('not_found', 'That held sync run no longer exists.');
      if (row.status !== 'held') throw new ApiError('conflict', 'That sync run is not waiting for approval any more.');
      const preview = parseJson<SyncPreview | null>(row.preview, null);
      approval = { disableIds: preview?.guard.disableIds ?? [], emptySources: preview?.guard.emptySources ?? [] };
      runId = row.id as string;
      sqlite.prepare(`UPDATE sync_run SET status = 'running', finished_at = NULL, error = NULL WHERE id = ?`).run(runId);
    } else {
      runId = randomUUID();
      insertRun(sqlite, { id: runId, siteId, trigger: opts.trigger, dryRun, startedAt: this.now().toISOString() });
    }
    events.emit('sync.progress', { siteId, runId, done: 0, total: 0 });

    let applied: { activity: number; personWrites: number } | null = null;
    try {
      const connections = loadConnections(sqlite, siteId).concat(opts.dryRunSources?.extraConnections ?? []);
      const reads = await this.readSources(site, connections, opts.trigger, runId, opts.dryRunSources?.connectors);
      const at = this.now();
      const atIso = at.toISOString();
      const keptFrom = firstKeptEntryId(sqlite, siteId, site.settings.activityRetentionDays, at);
      const state = sqlitePassState(sqlite, siteId, connections.map((c) => c.id), this.fingerprints, keptFrom);
      const plan = planPass({ site, connections, reads, state });
      const connIds = connections.map((c) => c.id);
      // A preview always shows the guard's base; an applied pass counts it only when it matters.
      if (dryRun) plan.syncedPeople = countActiveSyncedPeople(sqlite, connIds);
      const guard = evaluateGuard(plan, site.settings, approval, () => countActiveSyncedPeople(sqlite, connIds));
      const counts = countOutcomes(plan);
      const total = entryCount(plan);
      if (dryRun || guard.tripped) {
        const preview = buildPreview(plan, guard);
        finishRun(sqlite, runId, {
          status: dryRun ? 'complete' : 'held',
          finishedAt: this.now().toISOString(),
          total,
          done: dryRun ? total : 0,
          counts,
          error: null,
          preview,
        });
      } else {
        let lastEmit = 0;
        const pass = sqlite.transaction(() => {
          this.fingerprints.pauseWatch();
          const result = applyPlan(sqlite, plan, {
            siteId,
            runId,
            at: atIso,
            onProgress: (done, tot) => {
              const t = Date.now();
              if (t - lastEmit >= PROGRESS_EVERY_MS || done === tot) {
                lastEmit = t;
                events.emit('sync.progress', { siteId, runId, done, total: tot });
              }
            },
          });
          const touchConn = sqlite.prepare(
            'UPDATE source_connection SET last_run_at = ?, last_counts = ?, delta_token = coalesce(?, delta_token) WHERE id = ?',
          );
          for (const c of plan.connections) {
            if (c.read) touchConn.run(atIso, JSON.stringify(c.counts), c.read.nextToken, c.conn.id);
          }
          sqlite.prepare('UPDATE site SET last_sync_at = ? WHERE id = ?').run(atIso, siteId);
          finishRun(sqlite, runId, { status: 'complete', finishedAt: this.now().toISOString(), total, done: total, counts, error: null, preview: null });
          applied = { activity: result.activityCount, personWrites: result.personWrites };
        });
        // A checkpoint thread copies the pass's WAL into the file after the commit, whatever its size.
        const checkpointer = this.deps.db.checkpointer;
        if (checkpointer) checkpointer.deferCheckpoint(() => pass());
        else pass();
        this.fingerprints.afterCommit(fingerprintChanges(plan));
      }
    } catch (err) {
      // The transaction rolled back (or never started): the mirror is exactly as before.
      this.fingerprints.reset();
      finishRun(sqlite, runId, { status: 'failed', finishedAt: this.now().toISOString(), total: 0, done: 0, counts: {}, error: messageOf(err) });
      applied = null;
    }

    const done = applied as { activity: number; personWrites: number } | null;
    if (done) {
      // Outside the pass: retention is housekeeping, never a reason for a pass to fail.
      try {
        pruneActivity(sqlite, siteId, site.settings.activityRetentionDays, this.now());
      } catch {
        /* a busy database can prune next time */
      }
      if (done.activity > 0) events.emit('activity.appended', { siteId, count: done.activity });
      if (done.personWrites > 0) events.emit('people.changed', { siteId });
      if (this.deps.afterPass) {
        try {
          await this.deps.afterPass(siteId, runId);
        } catch (err) {
          sqlite.prepare('UPDATE sync_run SET error = ? WHERE id = ?').run(`Synced, but the follow-up step failed: ${messageOf(err)}`, runId);
        }
      }
    }
    const run = getRun(sqlite, runId);
    // The site (and with it this run) was deleted while the pass read its sources.
    if (!run) throw new ApiError('not_found', 'That site was removed while it was syncing.');
    events.emit('sync.finished', { siteId, run });
    return run;
  }

  /**
   * Reads every source that is switched on, completely, before anything is decided. Any failed
   * or malformed page fails the whole pass: deciding removals from half a list is how people
   * get locked out.
   */
  private async readSources(
    site: SiteInfo,
    connections: SourceConnection[],
    trigger: SyncTrigger,
    runId: string,
    own?: ReadonlyMap<string, SourceConnector>,
  ): Promise<Map<string, SourceRead>> {
    const reads = new Map<string, SourceRead>();
    let seen = 0;
    let lastEmit = 0;
    for (const conn of connections) {
      if (connectionGate(site.settings, conn) !== 'on') continue;
      try {
        const connector = own?.get(conn.id) ?? this.deps.connectorFor(conn);
        if (trigger === 'continuous') {
          // Continuous passes only poll sources with a changes feed; the others wait for full passes.
          if (!connector.changesSince) continue;
          const cs = await connector.changesSince(conn.deltaToken);
          // A malformed batch fails the pass, so its token is not stored and the changes are asked for again.
          if (cs === null || typeof cs !== 'object') throw new Error('the source sent a changes batch that is not an object');
          const removed: unknown = cs.removedExternalIds ?? [];
          if (!Array.isArray(removed)) throw new Error('the source sent removed ids that are not a list');
          // Removal is the one thing a changes batch asks for outright: an id that is not text names nobody for sure.
          const odd = removed.findIndex((x) => typeof x !== 'string' && typeof x !== 'number');
          if (odd >= 0) throw new Error(`removed id ${odd + 1} of the changes batch is ${kindOf(removed[odd])}, not text`);
          reads.set(conn.id, { conn, records: checkRecords(cs.records, 'the changes batch', 'the changes batch'), removedExternalIds: removed as string[], complete: false, nextToken: cs.nextToken ?? null });
          continue;
        }
        const records: SourceRecord[] = [];
        let pageNo = 0;
        for await (const page of connector.list()) {
          pageNo++;
          for (const rec of checkRecords(page, 'a page', `page ${pageNo}`)) records.push(rec);
          seen += page.length;
          const t = Date.now();
          if (t - lastEmit >= PROGRESS_EVERY_MS) {
            lastEmit = t;
            this.deps.events.emit('sync.progress', { siteId: site.id, runId, done: 0, total: seen });
          }
        }
        reads.set(conn.id, { conn, records, removedExternalIds: [], complete: true, nextToken: null });
      } catch (err) {
        throw new Error(`Could not read ${conn.name}: ${messageOf(err)}`);
      }
    }
    return reads;
  }
}
