import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema. Written as SQL so it states exactly what SQLite gets: foreign keys that
 * cascade from a site to everything under it, and the indexes the people list, the activity
 * log and the sync engine's lookups need.
 */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE site (
      id TEXT PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      is_demo INTEGER NOT NULL DEFAULT 0,
      timezone TEXT NOT NULL DEFAULT 'UTC',
      settings TEXT NOT NULL,
      last_sync_at TEXT,
      created_at TEXT NOT NULL
    )`);
    await q.query(`CREATE TABLE source_connection (
      id TEXT PRIMARY KEY NOT NULL,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      block TEXT NOT NULL DEFAULT 'integrations',
      name TEXT NOT NULL,
      enabled INTEGER NOT NULL DEFAULT 1,
      config TEXT NOT NULL DEFAULT '{}',
      secret_ref TEXT,
      last_run_at TEXT,
      last_counts TEXT,
      delta_token TEXT,
      created_at TEXT NOT NULL
    )`);
    await q.query(`CREATE INDEX idx_source_connection_site ON source_connection(site_id)`);
    await q.query(`CREATE TABLE access_system (
      id TEXT PRIMARY KEY NOT NULL,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      name TEXT NOT NULL,
      enabled INTEGER NOT NULL DEFAULT 1,
      config TEXT NOT NULL DEFAULT '{}',
      secret_ref TEXT,
      created_at TEXT NOT NULL
    )`);
    await q.query(`CREATE INDEX idx_access_system_site ON access_system(site_id)`);
    await q.query(`CREATE TABLE person (
      id TEXT PRIMARY KEY NOT NULL,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      type TEXT NOT NULL CHECK (type IN ('resident','staff','visitor','member')),
      first_name TEXT NOT NULL DEFAULT '',
      last_name TEXT NOT NULL DEFAULT '',
      email TEXT,
      phone TEXT,
      unit TEXT,
      status TEXT NOT NULL DEFAULT 'unknown',
      source_connection_id TEXT REFERENCES source_connection(id) ON DELETE SET NULL,
      external_id TEXT,
      access_enabled INTEGER NOT NULL DEFAULT 1,
      disabled_by TEXT CHECK (disabled_by IN ('sync','admin')),
      disabled_at TEXT,
      removed_at_source INTEGER NOT NULL DEFAULT 0,
      decoupled INTEGER NOT NULL DEFAULT 0,
      held_reason TEXT,
      synced_tags TEXT NOT NULL DEFAULT '[]',
      custom_tags TEXT NOT NULL DEFAULT '[]',
      grants TEXT NOT NULL DEFAULT '[]',
      notes TEXT NOT NULL DEFAULT '',
      app_message TEXT NOT NULL DEFAULT '',
      provenance TEXT NOT NULL DEFAULT '{}',
      source_hash TEXT,
      last_synced_at TEXT,
      search_text TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`);
    // One person per (source, external id): the correlation key of the sync engine.
    await q.query(
      `CREATE UNIQUE INDEX idx_person_source_external ON person(source_connection_id, external_id) WHERE source_connection_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX idx_person_site_type_name ON person(site_id, type, last_name, first_name)`);
    await q.query(`CREATE INDEX idx_person_site_email ON person(site_id, email)`);
    await q.query(`CREATE TABLE access_account (
      id TEXT PRIMARY KEY NOT NULL,
      access_system_id TEXT NOT NULL REFERENCES access_system(id) ON DELETE CASCADE,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      person_id TEXT REFERENCES person(id) ON DELETE SET NULL,
      remote_id TEXT NOT NULL,
      first_name TEXT NOT NULL DEFAULT '',
      last_name TEXT NOT NULL DEFAULT '',
      email TEXT,
      phone TEXT,
      suspended INTEGER NOT NULL DEFAULT 0,
      version TEXT,
      last_seen_at TEXT NOT NULL
    )`);
    await q.query(`CREATE UNIQUE INDEX idx_access_account_remote ON access_account(access_system_id, remote_id)`);
    await q.query(`CREATE INDEX idx_access_account_person ON access_account(person_id)`);
    await q.query(`CREATE INDEX idx_access_account_email ON access_account(site_id, email)`);
    await q.query(`CREATE TABLE sync_run (
      id TEXT PRIMARY KEY NOT NULL,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      trigger TEXT NOT NULL,
      dry_run INTEGER NOT NULL DEFAULT 0,
      status TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      total INTEGER NOT NULL DEFAULT 0,
      done INTEGER NOT NULL DEFAULT 0,
      counts TEXT NOT NULL DEFAULT '{}',
      error TEXT,
      preview TEXT
    )`);
    await q.query(`CREATE INDEX idx_sync_run_site_started ON sync_run(site_id, started_at)`);
    await q.query(`CREATE TABLE activity_entry (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      run_id TEXT,
      at TEXT NOT NULL,
      outcome TEXT NOT NULL,
      person_id TEXT,
      person_name TEXT NOT NULL DEFAULT '',
      external_id TEXT,
      source_connection_id TEXT,
      reason_code TEXT,
      reason TEXT,
      detail TEXT
    )`);
    await q.query(`CREATE INDEX idx_activity_site_id ON activity_entry(site_id, id)`);
    await q.query(`CREATE INDEX idx_activity_person ON activity_entry(person_id)`);
    await q.query(`CREATE INDEX idx_activity_at ON activity_entry(at)`);
    // Source records the last pass held back instead of syncing (duplicate email, name differs
    // from the matching person, several candidates...). Replaced per source connection on each
    // pass; the alert detectors read it.
    await q.query(`CREATE TABLE held_record (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      source_connection_id TEXT NOT NULL REFERENCES source_connection(id) ON DELETE CASCADE,
      external_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      run_id TEXT,
      record TEXT NOT NULL,
      candidate_person_ids TEXT NOT NULL DEFAULT '[]',
      held_at TEXT NOT NULL
    )`);
    await q.query(`CREATE UNIQUE INDEX idx_held_record_key ON held_record(source_connection_id, external_id)`);
    await q.query(`CREATE INDEX idx_held_record_site ON held_record(site_id, kind)`);
    await q.query(`CREATE TABLE alert (
      id TEXT PRIMARY KEY NOT NULL,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      type TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      status TEXT NOT NULL,
      title TEXT NOT NULL,
      person_ids TEXT NOT NULL DEFAULT '[]',
      detail TEXT NOT NULL DEFAULT '{}',
      records_hash TEXT NOT NULL DEFAULT '',
      opened_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      closed_at TEXT
    )`);
    await q.query(`CREATE UNIQUE INDEX idx_alert_fingerprint ON alert(site_id, fingerprint)`);
    await q.query(`CREATE INDEX idx_alert_site_status ON alert(site_id, status, type)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['alert', 'held_record', 'activity_entry', 'sync_run', 'access_account', 'person', 'access_system', 'source_connection', 'site']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
