import type Database from 'better-sqlite3';
import type { Decision } from './plan-types';
import { UNCHANGED } from './correlate';

export interface ActivityContext {
  siteId: string;
  runId: string | null;
  at: string;
}

/**
 * Writes activity entries with one prepared statement, inside the caller's transaction: the
 * log is append-only and the pass already holds the write lock, so batching is just a loop.
 * `detail` keeps the record as the source sent it, the ids support needs, and the rule chain
 * that "why not synced?" reads back.
 */
export class ActivityWriter {
  private readonly insert: Database.Statement;
  count = 0;

  constructor(sqlite: Database.Database) {
    this.insert = sqlite.prepare(
      `INSERT INTO activity_entry (site_id, run_id, at, outcome, person_id, person_name, external_id, source_connection_id, reason_code, reason, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  write(ctx: ActivityContext, d: Decision): void {
    // An unchanged record's entry carries no copy of the record: it is the same as in the person's
    // last changing entry, which the detail view shows instead. At 100k people a no-change pass
    // would otherwise rewrite the whole source into the log every hour.
    if (d.outcome === 'processed' && d.reason === UNCHANGED && !d.held) {
      this.insert.run(ctx.siteId, ctx.runId, ctx.at, d.outcome, d.personId, d.personName, d.externalId, d.connId, d.reasonCode, d.reason, null);
      this.count++;
      return;
    }
    // Built as a string: at 100k entries a pass, skipping the intermediate object is measurable.
    let detail = `{"record":${JSON.stringify(d.raw)},"source":${JSON.stringify(d.connName)},"ids":${JSON.stringify({
      personId: d.personId,
      sourceConnectionId: d.connId,
      externalId: d.externalId,
    })}`;
    if (d.steps.length) detail += `,"steps":${JSON.stringify(d.steps)}`;
    if (d.held) detail += `,"held":${JSON.stringify({ kind: d.held.kind, candidatePersonIds: d.held.candidates })}`;
    detail += '}';
    this.insert.run(
      ctx.siteId,
      ctx.runId,
      ctx.at,
      d.outcome,
      d.personId,
      d.personName,
      d.externalId,
      d.connId,
      d.reasonCode,
      d.reason,
      detail,
    );
    this.count++;
  }
}

/**
 * Drops entries past the retention period, outside any pass. Ids grow with time, so the cut is
 * the first id still inside the period, found by walking the (site, id) index from the oldest:
 * the walk costs as many rows as it deletes, and no index on the timestamp is kept up per insert.
 */
export function pruneActivity(sqlite: Database.Database, siteId: string, retentionDays: number, now: Date): number {
  if (!(retentionDays > 0)) return 0;
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const oldest = sqlite.prepare('SELECT at FROM activity_entry WHERE site_id = ? ORDER BY id LIMIT 1').pluck().get(siteId) as string | undefined;
  if (!oldest || oldest >= cutoff) return 0;
  const keepFrom = sqlite
    .prepare('SELECT id FROM activity_entry WHERE site_id = ? AND at >= ? ORDER BY id LIMIT 1')
    .pluck()
    .get(siteId, cutoff) as number | undefined;
  const stmt = keepFrom === undefined
    ? sqlite.prepare('DELETE FROM activity_entry WHERE site_id = ?').bind(siteId)
    : sqlite.prepare('DELETE FROM activity_entry WHERE site_id = ? AND id < ?').bind(siteId, keepFrom);
  return stmt.run().changes;
}
