import Database from 'better-sqlite3';
import type { SourceRecord } from '../src-main/core/adapters/types';
import { SAFETY_NET_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES } from '../src-main/core/db/wal-checkpointer';

/*
 * The yardstick every pass is compared with: what better-sqlite3 alone needs to upsert the same
 * rows — one prepared INSERT ... ON CONFLICT DO UPDATE, one transaction, a plain table with the
 * person table's source columns and its correlation index, the same pragmas the app uses. No
 * normalisation, no decisions, no activity log: the floor the engine's time is measured against.
 *
 * "The same pragmas" includes the core's checkpoint settings (db/wal-checkpointer.ts): the core's
 * COMMIT no longer copies the WAL into the file (a thread does, later), so neither does this one,
 * or the ratio would flatter the engine by a checkpoint only the baseline still paid for. No
 * background thread is needed here: nothing is timed after the commit.
 */

export function rawUpsertMs(file: string, records: SourceRecord[]): number {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_AUTOCHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.exec(`CREATE TABLE raw_person (
      id INTEGER PRIMARY KEY,
      source_connection_id TEXT NOT NULL,
      external_id TEXT NOT NULL,
      type TEXT,
      first_name TEXT NOT NULL DEFAULT '',
      last_name TEXT NOT NULL DEFAULT '',
      email TEXT,
      phone TEXT,
      unit TEXT,
      status TEXT,
      synced_tags TEXT NOT NULL DEFAULT '[]',
      updated_at TEXT NOT NULL
    )`);
    db.exec('CREATE UNIQUE INDEX raw_person_key ON raw_person(source_connection_id, external_id)');
    const t0 = performance.now();
    const upsert = db.prepare(
      `INSERT INTO raw_person (source_connection_id, external_id, type, first_name, last_name, email, phone, unit, status, synced_tags, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (source_connection_id, external_id) DO UPDATE SET
         type = excluded.type, first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,
         phone = excluded.phone, unit = excluded.unit, status = excluded.status, synced_tags = excluded.synced_tags,
         updated_at = excluded.updated_at`,
    );
    const at = new Date().toISOString();
    db.transaction(() => {
      for (const r of records) {
        upsert.run(
          'bench',
          r.externalId,
          r.type ?? 'resident',
          r.firstName ?? '',
          r.lastName ?? '',
          r.email ?? null,
          r.phone ?? null,
          r.unit ?? null,
          r.status ?? null,
          r.tags?.length ? JSON.stringify(r.tags) : '[]',
          at,
        );
      }
    })();
    return performance.now() - t0;
  } finally {
    db.close();
  }
}
