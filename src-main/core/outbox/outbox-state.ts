import type Database from 'better-sqlite3';
import type { OutboxMode, OutboxStatus } from '../../contract/calls/decisions';

/*
 * The outbox's small persistent state: online / offline (by hand or detected), why, and when the
 * last push ran. Kept in SQLite so "work offline" survives a restart of the app.
 */

export function readState(sqlite: Database.Database, key: string): string | null {
  return (sqlite.prepare('SELECT value FROM outbox_state WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
}

export function writeState(sqlite: Database.Database, key: string, value: string | null): void {
  if (value === null) sqlite.prepare('DELETE FROM outbox_state WHERE key = ?').run(key);
  else sqlite.prepare('INSERT INTO outbox_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function readMode(sqlite: Database.Database): OutboxMode {
  const v = readState(sqlite, 'mode');
  return v === 'offline-manual' || v === 'offline-auto' ? v : 'online';
}

export function setMode(sqlite: Database.Database, mode: OutboxMode, reason: string | null): void {
  writeState(sqlite, 'mode', mode);
  writeState(sqlite, 'reason', reason);
}

export function outboxStatus(sqlite: Database.Database, siteId?: string): OutboxStatus {
  const site = siteId ? 'AND site_id = ?' : '';
  const p = siteId ? [siteId] : [];
  const pending = sqlite.prepare(`SELECT count(*) FROM outbox_op WHERE status IN ('pending', 'sending') ${site}`).pluck().get(...p) as number;
  // Failures and conflicts count while they are the latest word on their alert: deciding the
  // reopened alert again clears them from the status line (the audit keeps them).
  const unresolved = (status: string) =>
    sqlite
      .prepare(
        `SELECT count(*) FROM decision d WHERE d.status = ? ${siteId ? 'AND d.site_id = ?' : ''}
           AND NOT EXISTS (SELECT 1 FROM decision later WHERE later.alert_id = d.alert_id AND later.seq > d.seq)`,
      )
      .pluck()
      .get(status, ...p) as number;
  const pendingDecisions = sqlite.prepare(`SELECT count(*) FROM decision WHERE status = 'pending' ${site}`).pluck().get(...p) as number;
  const nextAttemptAt =
    (sqlite.prepare(`SELECT min(next_attempt_at) FROM outbox_op WHERE status = 'pending' AND next_attempt_at IS NOT NULL ${site}`).pluck().get(...p) as
      | string
      | null) ?? null;
  return {
    mode: readMode(sqlite),
    reason: readState(sqlite, 'reason'),
    pending,
    failed: unresolved('failed'),
    conflicts: unresolved('conflict'),
    pendingDecisions,
    nextAttemptAt,
    lastPushAt: readState(sqlite, 'lastPushAt'),
  };
}

/**
 * Who is sending an operation right now: the process, and the pusher in it. Kept beside the
 * 'sending' mark (same transaction) so that a second core opened on the same data folder — the
 * CLI next to the window — can tell a write still in flight from one whose process died.
 */
export interface SendOwner {
  pid: number;
  owner: string;
}

const ownerKey = (opId: string) => `sending:${opId}`;

/** Pushers of this process that are still open, by owner id: the same pid is not enough here. */
const liveOwners = new Map<string, () => boolean>();

export function registerOwner(owner: string, alive: () => boolean): void {
  liveOwners.set(owner, alive);
}

export function setSendOwner(sqlite: Database.Database, opId: string, owner: SendOwner): void {
  writeState(sqlite, ownerKey(opId), JSON.stringify(owner));
}

export function clearSendOwner(sqlite: Database.Database, opId: string): void {
  writeState(sqlite, ownerKey(opId), null);
}

/** A write in flight is orphaned once the pusher that claimed it is gone (or unknown). */
function ownerAlive(text: string | null): boolean {
  if (!text) return false;
  let o: Partial<SendOwner>;
  try {
    o = JSON.parse(text) as Partial<SendOwner>;
  } catch {
    return false;
  }
  if (typeof o.pid !== 'number' || typeof o.owner !== 'string') return false;
  if (o.pid === process.pid) return liveOwners.get(o.owner)?.() ?? false;
  try {
    process.kill(o.pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, it just is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A claim older than this is orphaned whoever seems to hold it. One send (the adapter's retries and
 * timeouts included) ends within a few minutes; a process id, though, is reused by the system
 * (after a reboot, quickly on Windows), and an unrelated process holding it would otherwise keep
 * the write 'sending' for ever.
 */
export const CLAIM_STALE_MS = 30 * 60_000;

/**
 * After a crash: an operation marked 'sending' may or may not have reached the upstream. It goes
 * back in the queue flagged as interrupted, and is sent again with the same idempotency key, so
 * the upstream applies it at most once. An operation whose pusher is still running (another core
 * on this data folder) is left to it, unless its claim is older than CLAIM_STALE_MS.
 */
export function recoverInterrupted(sqlite: Database.Database, now: Date = new Date()): { id: string; site_id: string; decision_id: string }[] {
  const staleBefore = new Date(now.getTime() - CLAIM_STALE_MS).toISOString();
  return sqlite.transaction(() => {
    const rows = sqlite
      .prepare<[], { id: string; site_id: string; decision_id: string; sent_at: string | null }>(
        `SELECT id, site_id, decision_id, sent_at FROM outbox_op WHERE status = 'sending'`,
      )
      .all()
      .filter((r) => r.sent_at === null || r.sent_at < staleBefore || !ownerAlive(readState(sqlite, ownerKey(r.id))))
      .map(({ id, site_id, decision_id }) => ({ id, site_id, decision_id }));
    const requeue = sqlite.prepare(`UPDATE outbox_op SET status = 'pending', interrupted = 1, next_attempt_at = NULL WHERE id = ? AND status = 'sending'`);
    for (const r of rows) {
      requeue.run(r.id);
      clearSendOwner(sqlite, r.id);
    }
    return rows;
  })();
}
