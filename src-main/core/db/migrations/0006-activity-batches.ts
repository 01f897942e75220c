import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A pass over 100k people where almost nothing changed used to write 100k log rows. Now the
 * records that are exactly as last time are kept as one `activity_batch` row per pass and source:
 * a JSON list of their external ids (or, for records skipped again for the same reason, a short
 * tuple), which owns a reserved range of activity ids so the log still reads as one entry per
 * record (see src-main/core/activity/activity-batch-format.ts).
 *
 * People a pass adds are kept the same way (kind 'added': the records as their source sent them
 * in one JSON array, the rule chains as indexes into the batch's distinct step texts): a first
 * pass over 100k people otherwise wrote ~50 MB of log rows.
 *
 * `source_record` remembers, per source record that did not become a person, the fingerprint and
 * reason of its last skip, so an unchanged skipped record is recognised without re-running the
 * rules.
 *
 * Two person indexes go, because every person a first pass inserts paid for them and no query
 * used them: `idx_person_site_type_name` (its BINARY order cannot serve the people list, which is
 * sorted case-insensitively) and `idx_person_site_email` (email matching happens in memory). The
 * hand-added people the engine matches new records against get a small partial index instead.
 */
export class ActivityBatches1763900000006 implements MigrationInterface {
  name = 'ActivityBatches1763900000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE activity_batch (
      first_id INTEGER PRIMARY KEY,
      count INTEGER NOT NULL,
      skipped INTEGER NOT NULL DEFAULT 0,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      run_id TEXT,
      at TEXT NOT NULL,
      source_connection_id TEXT,
      kind TEXT NOT NULL DEFAULT 'unchanged' CHECK (kind IN ('unchanged','added')),
      source_name TEXT,
      entries TEXT NOT NULL,
      step_texts TEXT,
      records TEXT
    )`);
    await q.query(`CREATE INDEX idx_activity_batch_site ON activity_batch(site_id, first_id)`);
    await q.query(`CREATE TABLE source_record (
      source_connection_id TEXT NOT NULL REFERENCES source_connection(id) ON DELETE CASCADE,
      external_id TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      name TEXT NOT NULL DEFAULT '',
      reason_code TEXT NOT NULL,
      reason TEXT NOT NULL,
      entry_id INTEGER NOT NULL,
      PRIMARY KEY (source_connection_id, external_id)
    ) WITHOUT ROWID`);
    await q.query(`DROP INDEX IF EXISTS idx_person_site_type_name`);
    await q.query(`DROP INDEX IF EXISTS idx_person_site_email`);
    await q.query(`CREATE INDEX idx_person_manual ON person(site_id) WHERE source_connection_id IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_person_manual`);
    await q.query(`CREATE INDEX idx_person_site_email ON person(site_id, email)`);
    await q.query(`CREATE INDEX idx_person_site_type_name ON person(site_id, type, last_name, first_name)`);
    await q.query(`DROP TABLE source_record`);
    await q.query(`DROP TABLE activity_batch`);
  }
}
