import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleting a person makes SQLite find the rows that point at them (foreign keys, ON DELETE). The
 * alarm-code table's key starts with the access system, so finding a person's codes read the
 * whole table, once per deleted person: a bulk delete of many synced people went quadratic.
 */
export class PersonDeleteIndexes1763900000007 implements MigrationInterface {
  name = 'PersonDeleteIndexes1763900000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS idx_alarm_user_code_person ON alarm_user_code(person_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_alarm_user_code_person`);
  }
}
