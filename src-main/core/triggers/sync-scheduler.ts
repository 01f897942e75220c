import type { SiteSettings, SyncRunDto, SyncTrigger } from '../../contract/dto';
import type { SourceConnector } from '../adapters/types';
import type { OpenDatabase } from '../db/open-database';
import type { SourceConnection } from '../db/entities';
import { toSourceConnection } from '../db/row-mappers';
import { connectionGate } from '../sync/site-state';

export interface SchedulerDeps {
  db: OpenDatabase;
  runSite(siteId: string, opts: { trigger: SyncTrigger }): Promise<SyncRunDto>;
  connectorFor(conn: SourceConnection): SourceConnector;
  settingsOf(siteId: string): SiteSettings;
  now(): Date;
  /** Local hour (0-23) of the nightly full reconciliation. */
  nightlyHour?: number;
  /** How often sources with a changes feed are polled (ms). */
  pollEveryMs?: number;
  onError?(siteId: string, err: unknown): void;
}

/**
 * Decides when passes run without anyone pressing Sync now: the per-site schedule (hourly by
 * default), one nightly full reconciliation of every site, and continuous sync for sources with
 * a changes feed. The scheduler only peeks at the feed; when it moved, it starts a 'continuous'
 * pass, in which the engine reads the changes from the stored position and moves it on. `tick()` is driven by a timer in the host and directly
 * by tests with a fake clock.
 */
export class SyncScheduler {
  private lastPoll = new Map<string, number>();
  private lastNightlyDay: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(private readonly deps: SchedulerDeps) {}

  start(everyMs = 15_000): void {
    this.stop();
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look at the clock; returns the passes it started, for tests. */
  async tick(): Promise<Array<{ siteId: string; trigger: SyncTrigger }>> {
    if (this.ticking) return [];
    this.ticking = true;
    try {
      const started: Array<{ siteId: string; trigger: SyncTrigger }> = [];
      const now = this.deps.now();
      const siteIds = this.deps.db.sqlite.prepare('SELECT id FROM site ORDER BY name').pluck().all() as string[];
      const sitesWithSources = siteIds.filter((id) => this.enabledConnections(id).length > 0);

      const day = localDay(now);
      const nightlyDue = now.getHours() === (this.deps.nightlyHour ?? 3) && this.lastNightlyDay !== day;
      if (nightlyDue) this.lastNightlyDay = day;

      for (const siteId of sitesWithSources) {
        // Poll feeds on every tick, so their position keeps up even when a scheduled pass runs.
        const changed = await this.sourceChanged(siteId, now);
        let trigger: SyncTrigger | null = null;
        if (nightlyDue) trigger = 'nightly';
        else if (this.scheduleDue(siteId, now)) trigger = 'schedule';
        else if (changed && !this.waitingForApproval(siteId)) trigger = 'continuous';
        if (!trigger) continue;
        started.push({ siteId, trigger });
        this.deps.runSite(siteId, { trigger }).catch((err) => this.deps.onError?.(siteId, err));
      }
      return started;
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Connections whose records flow: the connection is on and so is its block (Integrations or
   * CCTV) for the site. A source in a switched-off block is not contacted at all, not even to
   * peek at its feed, and a site whose sources are all off gets no passes.
   */
  private enabledConnections(siteId: string): SourceConnection[] {
    const rows = this.deps.db.sqlite
      .prepare('SELECT * FROM source_connection WHERE site_id = ? AND enabled = 1')
      .all(siteId) as Record<string, unknown>[];
    if (rows.length === 0) return [];
    const settings = this.deps.settingsOf(siteId);
    return rows.map(toSourceConnection).filter((c) => connectionGate(settings, c) === 'on');
  }

  private scheduleDue(siteId: string, now: Date): boolean {
    const minutes = this.deps.settingsOf(siteId).scheduleMinutes;
    if (!minutes || minutes <= 0) return false;
    // Measured from the last full pass: continuous passes read only the changes feeds, and one
    // a minute must not keep pushing back the pass that reads every source completely.
    const last = this.deps.db.sqlite
      .prepare(`SELECT max(started_at) FROM sync_run WHERE site_id = ? AND dry_run = 0 AND trigger <> 'continuous'`)
      .pluck()
      .get(siteId) as string | null;
    return !last || now.getTime() - Date.parse(last) >= minutes * 60_000;
  }

  /**
   * The site's last pass is held by the mass-change guard. A held pass keeps the feed where it
   * was, so the feed still shows changes a minute later: without this, every poll would add one
   * more held pass for the manager to wade through. The scheduled and nightly full passes still
   * run (and go through once whatever tripped the guard is gone).
   */
  private waitingForApproval(siteId: string): boolean {
    const last = this.deps.db.sqlite
      .prepare(`SELECT status FROM sync_run WHERE site_id = ? AND dry_run = 0 ORDER BY started_at DESC, rowid DESC LIMIT 1`)
      .pluck()
      .get(siteId) as string | undefined;
    return last === 'held';
  }

  /** Polls the changes feed of each source that has one; true when anything changed. */
  private async sourceChanged(siteId: string, now: Date): Promise<boolean> {
    let changed = false;
    for (const conn of this.enabledConnections(siteId)) {
      const last = this.lastPoll.get(conn.id) ?? 0;
      if (now.getTime() - last < (this.deps.pollEveryMs ?? 60_000)) continue;
      this.lastPoll.set(conn.id, now.getTime());
      let connector: SourceConnector;
      try {
        connector = this.deps.connectorFor(conn);
      } catch {
        continue;
      }
      if (!connector.changesSince) continue;
      try {
        const changes = await connector.changesSince(conn.deltaToken);
        if (conn.deltaToken === null) {
          // The first poll only learns where the feed is; full passes cover everything before it.
          this.deps.db.sqlite.prepare('UPDATE source_connection SET delta_token = ? WHERE id = ?').run(changes.nextToken, conn.id);
        } else if (changes.records.length > 0 || changes.removedExternalIds.length > 0) {
          // Only a peek: the continuous pass reads the feed from the same position and moves it on.
          changed = true;
        }
      } catch (err) {
        this.deps.onError?.(siteId, err);
      }
    }
    return changed;
  }
}

function localDay(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

