import type Database from 'better-sqlite3';
import type { Decision } from './plan-types';
import { recordJson, reserveActivityIds, UNCHANGED_REASON } from '../activity/activity-batch-format';
import { ChunkedInsert, sqlText } from './chunked-insert';

export interface ActivityContext {
  siteId: string;
  runId: string | null;
  at: string;
}

const COLUMNS = 'id, site_id, run_id, at, outcome, person_id, person_name, external_id, source_connection_id, reason_code, reason, detail';

/**
 * Writes a pass's own activity entries (the ones not in a batch), inside the caller's
 * transaction, many rows per statement (chunked-insert.ts). Their ids are reserved up front, so each entry's id is
 * known as soon as it is written (a remembered skip points at its entry) even though the row
 * itself may wait in the buffer: call flush() before the transaction ends.
 *
 * `detail` keeps the record as the source sent it and the rule chain that "why not synced?"
 * reads back; the ids and the source name are columns already, and readers add them to the
 * detail view (writing them into every detail cost measurable time on a 100k first pass).
 */
export class ActivityWriter {
  private readonly rows: ChunkedInsert;
  private next: number;
  private readonly end: number;

  /** `count`: how many entries this writer will write; their ids are reserved now. */
  constructor(
    sqlite: Database.Database,
    ctx: ActivityContext,
    count: number,
  ) {
    this.next = count > 0 ? reserveActivityIds(sqlite, count) : 1;
    this.end = this.next + count;
    const pass = `${sqlText(ctx.siteId)}, ${sqlText(ctx.runId)}, ${sqlText(ctx.at)}`;
    this.rows = new ChunkedInsert(sqlite, `INSERT INTO activity_entry (${COLUMNS})`, `(?, ${pass}, ?, ?, ?, ?, ?, ?, ?, ?)`, 9);
  }

  /** Returns the new entry's id. */
  write(d: Decision): number {
    if (this.next >= this.end) throw new Error('More activity entries than were reserved for this pass');
    const id = this.next++;
    this.rows.values.push(id, d.outcome, d.personId, d.personName, d.externalId, d.connId, d.reasonCode, d.reason, detailOf(d));
    this.rows.rowAdded();
    return id;
  }

  flush(): void {
    this.rows.flush();
  }
}

function detailOf(d: Decision): string | null {
  // An unchanged record's entry carries no copy of the record: it is the same as in the person's
  // last changing entry, which the detail view shows instead. At 100k people a no-change pass
  // would otherwise rewrite the whole source into the log every hour.
  if (d.outcome === 'processed' && d.reason === UNCHANGED_REASON && !d.held) return null;
  // Built as a string: at 100k entries a pass, skipping the intermediate object is measurable.
  // recordJson: an upstream's BigInt or cycle is logged as text rather than failing the pass.
  let detail = `{"record":${recordJson(d.raw)}`;
  if (d.steps.length) detail += `,"steps":${JSON.stringify(d.steps)}`;
  if (d.held) detail += `,"held":${JSON.stringify({ kind: d.held.kind, candidatePersonIds: d.held.candidates })}`;
  return detail + '}';
}
