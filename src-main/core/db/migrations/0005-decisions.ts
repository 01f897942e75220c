import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Decisions on alerts, the outbox of upstream writes they turn into, the audit trail, and the
 * outbox's own small state (online/offline mode, last push).
 *
 * A decision and its operations are written in one transaction, so a decision is never recorded
 * without its writes or the other way round. `seq` columns give a total order that survives
 * restarts (the pusher sends per person in that order).
 */
export class Decisions1763900000005 implements MigrationInterface {
  name = 'Decisions1763900000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE decision (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      alert_id TEXT REFERENCES alert(id) ON DELETE SET NULL,
      alert_type TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      person_key TEXT NOT NULL,
      person_id TEXT,
      person_name TEXT NOT NULL DEFAULT '',
      resolution TEXT NOT NULL,
      options TEXT NOT NULL DEFAULT '{}',
      actor TEXT NOT NULL,
      decided_at TEXT NOT NULL,
      basis TEXT NOT NULL DEFAULT '[]',
      task TEXT,
      status TEXT NOT NULL,
      error TEXT,
      finished_at TEXT
    )`);
    await q.query(`CREATE INDEX idx_decision_site_status ON decision(site_id, status)`);
    await q.query(`CREATE INDEX idx_decision_alert ON decision(alert_id)`);
    await q.query(`CREATE INDEX idx_decision_person ON decision(person_id)`);

    await q.query(`CREATE TABLE outbox_op (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      decision_id TEXT NOT NULL REFERENCES decision(id) ON DELETE CASCADE,
      op_index INTEGER NOT NULL,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      access_system_id TEXT NOT NULL,
      person_key TEXT NOT NULL,
      kind TEXT NOT NULL,
      remote_id TEXT,
      base_version TEXT,
      payload TEXT NOT NULL DEFAULT '{}',
      idempotency_key TEXT NOT NULL UNIQUE,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT,
      last_error TEXT,
      result TEXT,
      interrupted INTEGER NOT NULL DEFAULT 0,
      sent_at TEXT,
      finished_at TEXT
    )`);
    await q.query(`CREATE UNIQUE INDEX idx_outbox_op_order ON outbox_op(decision_id, op_index)`);
    await q.query(`CREATE INDEX idx_outbox_op_status ON outbox_op(status, site_id)`);

    // No foreign key to site: the audit trail outlives what it describes.
    await q.query(`CREATE TABLE audit_entry (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      site_id TEXT,
      at TEXT NOT NULL,
      actor TEXT NOT NULL,
      kind TEXT NOT NULL,
      action TEXT NOT NULL,
      person_id TEXT,
      person_name TEXT NOT NULL DEFAULT '',
      alert_id TEXT,
      decision_id TEXT,
      op_id TEXT,
      target TEXT,
      result TEXT NOT NULL,
      message TEXT,
      detail TEXT
    )`);
    await q.query(`CREATE INDEX idx_audit_site ON audit_entry(site_id, id)`);
    await q.query(`CREATE INDEX idx_audit_person ON audit_entry(person_id, id)`);

    await q.query(`CREATE TABLE outbox_state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['outbox_state', 'audit_entry', 'outbox_op', 'decision']) await q.query(`DROP TABLE ${t}`);
  }
}
