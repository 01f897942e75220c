import type Database from 'better-sqlite3';
import type { OutcomeCounts, SyncRunDto, SyncRunStatus, SyncTrigger } from '../../contract/dto';
import { bool, parseJson } from '../sql-helpers';
import type { SyncPreview } from './guard';

type Raw = Record<string, unknown>;

export function toRunDto(r: Raw): SyncRunDto {
  return {
    id: r.id as string,
    siteId: r.site_id as string,
    trigger: r.trigger as SyncTrigger,
    dryRun: bool(r.dry_run),
    status: r.status as SyncRunStatus,
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    total: Number(r.total ?? 0),
    done: Number(r.done ?? 0),
    counts: parseJson<OutcomeCounts>(r.counts, {}),
    error: (r.error as string | null) ?? null,
    preview: parseJson<SyncPreview | null>(r.preview, null),
  };
}

export function getRunRow(sqlite: Database.Database, runId: string): Raw | null {
  return (sqlite.prepare('SELECT * FROM sync_run WHERE id = ?').get(runId) as Raw | undefined) ?? null;
}

export function getRun(sqlite: Database.Database, runId: string): SyncRunDto | null {
  const r = getRunRow(sqlite, runId);
  return r ? toRunDto(r) : null;
}

/** The stored preview of a dry run or a held pass (null for passes that were applied). */
export function getRunPreview(sqlite: Database.Database, runId: string): SyncPreview | null {
  const r = getRunRow(sqlite, runId);
  return r ? parseJson<SyncPreview | null>(r.preview, null) : null;
}

export function insertRun(
  sqlite: Database.Database,
  run: { id: string; siteId: string; trigger: SyncTrigger; dryRun: boolean; startedAt: string },
): void {
  sqlite
    .prepare(`INSERT INTO sync_run (id, site_id, trigger, dry_run, status, started_at, counts) VALUES (?, ?, ?, ?, 'running', ?, '{}')`)
    .run(run.id, run.siteId, run.trigger, run.dryRun ? 1 : 0, run.startedAt);
}

export function finishRun(
  sqlite: Database.Database,
  runId: string,
  fields: { status: SyncRunStatus; finishedAt: string; total: number; done: number; counts: OutcomeCounts; error: string | null; preview?: SyncPreview | null },
): void {
  sqlite
    .prepare(
      `UPDATE sync_run SET status = ?, finished_at = ?, total = ?, done = ?, counts = ?, error = ?,
         preview = CASE WHEN ? = 1 THEN ? ELSE preview END
       WHERE id = ?`,
    )
    .run(
      fields.status,
      fields.finishedAt,
      fields.total,
      fields.done,
      JSON.stringify(fields.counts),
      fields.error,
      fields.preview === undefined ? 0 : 1,
      fields.preview == null ? null : JSON.stringify(fields.preview),
      runId,
    );
}

export function lastRunOf(sqlite: Database.Database, siteId: string): SyncRunDto | null {
  const r = sqlite
    .prepare('SELECT * FROM sync_run WHERE site_id = ? AND dry_run = 0 ORDER BY started_at DESC, rowid DESC LIMIT 1')
    .get(siteId) as Raw | undefined;
  return r ? toRunDto(r) : null;
}
