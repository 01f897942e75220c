import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved so parallel work can fill it in without touching the migration list. */
export class SyncSpeed1763900000002 implements MigrationInterface {
  name = 'SyncSpeed1763900000002';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
