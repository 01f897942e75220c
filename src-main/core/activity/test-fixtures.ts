import { randomUUID } from 'node:crypto';
import type { ActivityEntryDto } from '../../contract/dto';
import type { OpenDatabase } from '../db/open-database';
import { insertActivityBatch, insertAddedBatch } from './activity-batch-format';
import type { AddedEntry, BatchEntry } from './activity-batch-format';
import { listActivity } from './activity-queries';

/*
 * Rows for the activity-log tests, written with plain SQL or the batch writers the engine uses.
 * Takes a getter because each test opens its own database file.
 */

export const AT1 = '2025-03-01T10:00:00.000Z';
export const AT2 = '2025-03-01T11:00:00.000Z';

export interface EntryFields {
  runId?: string | null;
  at?: string;
  outcome: string;
  personId?: string | null;
  personName?: string;
  externalId?: string | null;
  connId?: string | null;
  reasonCode?: string | null;
  reason?: string | null;
  detail?: unknown;
}

export interface AddedFields {
  runId?: string | null;
  at?: string;
  sourceName?: string;
  stepTexts?: string[];
}

export function range(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

export function logFixtures(getDb: () => OpenDatabase) {
  const sqlite = () => getDb().sqlite;

  /** A real activity_entry row; returns its id. */
  function entry(siteId: string, f: EntryFields): number {
    const r = sqlite()
      .prepare(
        `INSERT INTO activity_entry (site_id, run_id, at, outcome, person_id, person_name, external_id, source_connection_id, reason_code, reason, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        siteId,
        f.runId ?? null,
        f.at ?? AT1,
        f.outcome,
        f.personId ?? null,
        f.personName ?? '',
        f.externalId ?? null,
        f.connId ?? null,
        f.reasonCode ?? null,
        f.reason ?? null,
        f.detail === undefined ? null : JSON.stringify(f.detail),
      );
    return Number(r.lastInsertRowid);
  }

  /** An 'unchanged' batch, inside a transaction as the engine writes it; returns its first id. */
  function batch(siteId: string, connId: string | null, entries: BatchEntry[], opts: { runId?: string | null; at?: string } = {}): number {
    const db = sqlite();
    return db.transaction(() =>
      insertActivityBatch(db, { siteId, runId: opts.runId ?? null, at: opts.at ?? AT2, sourceConnectionId: connId, entries }),
    )() as number;
  }

  /** An 'added' batch; `people` pairs each entry with the record its source sent. */
  function addedBatch(siteId: string, connId: string | null, people: Array<{ entry: AddedEntry; record: unknown }>, opts: AddedFields = {}): number {
    const db = sqlite();
    return db.transaction(() =>
      insertAddedBatch(db, {
        siteId,
        runId: opts.runId ?? null,
        at: opts.at ?? AT1,
        sourceConnectionId: connId,
        sourceName: opts.sourceName ?? 'Demo PMS',
        entries: people.map((p) => p.entry),
        records: people.map((p) => p.record),
        stepTexts: opts.stepTexts ?? [],
      }),
    )() as number;
  }

  /** A person linked to (connId, externalId), created at `createdAt` (AT1 unless told). */
  function person(siteId: string, connId: string | null, externalId: string | null, first: string, last: string, createdAt = AT1): string {
    const id = randomUUID();
    sqlite()
      .prepare(
        `INSERT INTO person (id, site_id, type, first_name, last_name, source_connection_id, external_id, created_at, updated_at)
         VALUES (?, ?, 'resident', ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, siteId, first, last, connId, externalId, createdAt, createdAt);
    return id;
  }

  /** A complete applied sync run. */
  function run(siteId: string, at: string, total: number): string {
    const id = randomUUID();
    sqlite()
      .prepare(`INSERT INTO sync_run (id, site_id, trigger, dry_run, status, started_at, finished_at, total, done) VALUES (?, ?, 'manual', 0, 'complete', ?, ?, ?, ?)`)
      .run(id, siteId, at, at, total, total);
    return id;
  }

  /** Every page of the list, following its keyset, with each page's total. */
  function allPages(input: Parameters<typeof listActivity>[1]): { totals: number[]; rows: ActivityEntryDto[] } {
    const totals: number[] = [];
    const rows: ActivityEntryDto[] = [];
    let beforeId: number | undefined;
    for (let guard = 0; guard < 1000; guard++) {
      const page = listActivity(sqlite(), { ...input, beforeId });
      totals.push(page.total);
      rows.push(...page.rows);
      if (page.rows.length < input.limit) break;
      beforeId = page.rows.at(-1)!.id;
    }
    return { totals, rows };
  }

  return { entry, batch, addedBatch, person, run, allPages };
}
