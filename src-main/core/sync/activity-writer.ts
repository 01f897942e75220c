import type Database from 'better-sqlite3';
import type { Decision } from './plan-types';
import { UNCHANGED_REASON } from '../activity/activity-batch-format';

export interface ActivityContext {
  siteId: string;
  runId: string | null;
  at: string;
}

/**
 * Writes activity entries with one prepared statement, inside the caller's transaction: the
 * log is append-only and the pass already holds the write lock, so batching is just a loop.
 * `detail` keeps the record as the source sent it and the rule chain that "why not synced?"
 * reads back; the ids and the source name are columns already, and readers add them to the
 * detail view (writing them into every detail cost measurable time on a 100k first pass).
 */
export class ActivityWriter {
  private readonly insert: Database.Statement;

  constructor(sqlite: Database.Database) {
    this.insert = sqlite.prepare(
      `INSERT INTO activity_entry (site_id, run_id, at, outcome, person_id, person_name, external_id, source_connection_id, reason_code, reason, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Returns the new entry's id. */
  write(ctx: ActivityContext, d: Decision): number {
    // An unchanged record's entry carries no copy of the record: it is the same as in the person's
    // last changing entry, which the detail view shows instead. At 100k people a no-change pass
    // would otherwise rewrite the whole source into the log every hour.
    if (d.outcome === 'processed' && d.reason === UNCHANGED_REASON && !d.held) {
      return Number(this.insert.run(ctx.siteId, ctx.runId, ctx.at, d.outcome, d.personId, d.personName, d.externalId, d.connId, d.reasonCode, d.reason, null).lastInsertRowid);
    }
    // Built as a string: at 100k entries a pass, skipping the intermediate object is measurable.
    let detail = `{"record":${JSON.stringify(d.raw)}`;
    if (d.steps.length) detail += `,"steps":${JSON.stringify(d.steps)}`;
    if (d.held) detail += `,"held":${JSON.stringify({ kind: d.held.kind, candidatePersonIds: d.held.candidates })}`;
    detail += '}';
    const info = this.insert.run(
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
    return Number(info.lastInsertRowid);
  }
}
