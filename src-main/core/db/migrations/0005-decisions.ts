import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved so parallel work can fill it in without touching the migration list. */
export class Decisions1763900000005 implements MigrationInterface {
  name = 'Decisions1763900000005';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
