import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alarm-panel locations. A location is a panel at an address, found through an alarm-panel
 * access system (one service account can hold several). Its users are kept twice — as the
 * service knows them and as the panel last reported them — because the difference between the
 * two is what a manager needs to see. Every action on a location lands in its event log.
 */
export class Locations1763900000004 implements MigrationInterface {
  name = 'Locations1763900000004';

  async up(q: QueryRunner): Promise<void> {
    // When an account's locations were last listed at the service (null: never, list them on first look).
    await q.query(`CREATE TABLE alarm_account (
      access_system_id TEXT PRIMARY KEY NOT NULL REFERENCES access_system(id) ON DELETE CASCADE,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      discovered_at TEXT,
      last_error TEXT
    )`);
    await q.query(`CREATE TABLE alarm_location (
      id TEXT PRIMARY KEY NOT NULL,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      access_system_id TEXT NOT NULL REFERENCES access_system(id) ON DELETE CASCADE,
      remote_id TEXT NOT NULL,
      name TEXT NOT NULL,
      address TEXT,
      connection TEXT NOT NULL DEFAULT 'unknown' CHECK (connection IN ('online','offline','unknown')),
      partitions TEXT NOT NULL DEFAULT '[]',
      max_user_slots INTEGER NOT NULL DEFAULT 48,
      last_contact_at TEXT,
      refreshed_at TEXT,
      panel_reported_at TEXT,
      last_user_sync_at TEXT,
      last_user_sync_result TEXT,
      last_user_sync_summary TEXT,
      created_at TEXT NOT NULL
    )`);
    await q.query(`CREATE UNIQUE INDEX idx_alarm_location_remote ON alarm_location(access_system_id, remote_id)`);
    await q.query(`CREATE INDEX idx_alarm_location_site ON alarm_location(site_id, name)`);
    // side 'service': the user list the alarm service holds; side 'panel': what the panel reported.
    await q.query(`CREATE TABLE alarm_user (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      location_id TEXT NOT NULL REFERENCES alarm_location(id) ON DELETE CASCADE,
      side TEXT NOT NULL CHECK (side IN ('service','panel')),
      slot INTEGER NOT NULL,
      name TEXT NOT NULL DEFAULT '',
      code TEXT NOT NULL,
      partitions TEXT NOT NULL DEFAULT '[]',
      external_ref TEXT,
      updated_at TEXT NOT NULL
    )`);
    await q.query(`CREATE UNIQUE INDEX idx_alarm_user_slot ON alarm_user(location_id, side, slot)`);
    // The code Rollcall gave (or adopted for) a person, shared by every location of one account.
    await q.query(`CREATE TABLE alarm_user_code (
      access_system_id TEXT NOT NULL REFERENCES access_system(id) ON DELETE CASCADE,
      person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
      code TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (access_system_id, person_id)
    )`);
    await q.query(`CREATE TABLE alarm_location_event (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      location_id TEXT NOT NULL REFERENCES alarm_location(id) ON DELETE CASCADE,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      at TEXT NOT NULL,
      type TEXT NOT NULL,
      result TEXT NOT NULL CHECK (result IN ('success','partial','failed','info')),
      summary TEXT NOT NULL,
      origin TEXT NOT NULL DEFAULT 'rollcall' CHECK (origin IN ('rollcall','service')),
      remote_event_id TEXT,
      job_id TEXT,
      detail TEXT
    )`);
    await q.query(`CREATE INDEX idx_alarm_event_location ON alarm_location_event(location_id, id)`);
    await q.query(
      `CREATE UNIQUE INDEX idx_alarm_event_remote ON alarm_location_event(location_id, remote_event_id) WHERE remote_event_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['alarm_location_event', 'alarm_user_code', 'alarm_user', 'alarm_location', 'alarm_account']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
