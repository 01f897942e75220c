import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-person delivery state: what the last push of a person to an access system did. One row
 * per (person, access system), replaced on each push. `idempotency_key` holds the key of a push
 * that has not succeeded yet, so retrying it can never make a second account; it is cleared once
 * the push is applied, so the next push is a new request.
 */
export class Connections1763900000003 implements MigrationInterface {
  name = 'Connections1763900000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE person_delivery (
      person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
      access_system_id TEXT NOT NULL REFERENCES access_system(id) ON DELETE CASCADE,
      site_id TEXT NOT NULL REFERENCES site(id) ON DELETE CASCADE,
      state TEXT NOT NULL CHECK (state IN ('pending','applied','failed')),
      reason TEXT,
      at TEXT NOT NULL,
      remote_id TEXT,
      idempotency_key TEXT,
      PRIMARY KEY (person_id, access_system_id)
    )`);
    await q.query(`CREATE INDEX idx_person_delivery_system ON person_delivery(access_system_id, state)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE person_delivery`);
  }
}
