import type Database from 'better-sqlite3';
import type { NormalizedRecord } from './normalize';
import type { PersonType } from '../../contract/dto';

const COLUMNS = `id, site_id, type, first_name, last_name, email, phone, unit, status, source_connection_id, external_id,
  access_enabled, synced_tags, source_hash, last_synced_at, created_at, updated_at`;
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)';
const PER_ROW = 16;
/** Rows per statement: one call binding 64 rows costs far less than 64 calls (SQLite allows 32766 variables). */
const CHUNK = 64;

/**
 * Inserts the people a pass creates, many rows per statement. No provenance is written: every
 * source field of a new person was set by their source when they were created, which is what
 * readers assume for a field the provenance does not mention (people-queries.ts); spelling it
 * out cost ~400 bytes per person on a 100k first pass. Call flush() before the transaction ends.
 */
export class PersonInserter {
  private readonly many: Database.Statement;
  private readonly one: Database.Statement;
  private readonly buf: unknown[] = [];

  constructor(
    sqlite: Database.Database,
    private readonly siteId: string,
    private readonly at: string,
  ) {
    this.many = sqlite.prepare(`INSERT INTO person (${COLUMNS}) VALUES ${Array(CHUNK).fill(ROW).join(', ')}`);
    this.one = sqlite.prepare(`INSERT INTO person (${COLUMNS}) VALUES ${ROW}`);
  }

  add(personId: string, type: PersonType, r: NormalizedRecord, connId: string | null, hash: string): void {
    const at = this.at;
    this.buf.push(
      personId, this.siteId, type, r.firstName, r.lastName, r.email, r.phone, r.unit, r.status, connId, r.externalId,
      r.tags.length ? JSON.stringify(r.tags) : '[]', hash, at, at, at,
    );
    if (this.buf.length === CHUNK * PER_ROW) {
      this.many.run(this.buf);
      this.buf.length = 0;
    }
  }

  flush(): void {
    for (let i = 0; i < this.buf.length; i += PER_ROW) this.one.run(this.buf.slice(i, i + PER_ROW));
    this.buf.length = 0;
  }
}
