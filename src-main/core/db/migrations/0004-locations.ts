import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved so parallel work can fill it in without touching the migration list. */
export class Locations1763900000004 implements MigrationInterface {
  name = 'Locations1763900000004';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
