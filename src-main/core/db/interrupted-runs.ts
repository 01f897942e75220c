import type Database from 'better-sqlite3';

export const INTERRUPTED_RUN_ERROR =
  'Interrupted: Rollcall stopped before this pass finished, so nothing it read was applied. The next pass starts afresh.';

/**
 * A pass writes its run row as 'running' first and marks it finished in the same transaction that
 * applies it, so a process killed mid-pass (crash, power cut, kill -9) leaves a 'running' row and
 * an untouched mirror. Left as it is, the header would show that site as syncing for ever and keep
 * Sync now disabled. A long-lived core calls this when it starts, before any pass of its own.
 *
 * A CLI pass in another process at that very moment is also marked, but it overwrites the mark
 * with its real outcome when it finishes (finishRun updates by id), so the label is briefly wrong
 * at worst; the CLI itself never calls this, so it cannot touch the app's pass in progress.
 */
export function failInterruptedRuns(sqlite: Database.Database, now: Date): number {
  return sqlite
    .prepare(`UPDATE sync_run SET status = 'failed', finished_at = ?, error = ? WHERE status = 'running'`)
    .run(now.toISOString(), INTERRUPTED_RUN_ERROR).changes;
}
