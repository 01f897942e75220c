import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved so parallel work can fill it in without touching the migration list. */
export class Connections1763900000003 implements MigrationInterface {
  name = 'Connections1763900000003';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
