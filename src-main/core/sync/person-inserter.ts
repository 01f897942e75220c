import type Database from 'better-sqlite3';
import type { NormalizedRecord } from './normalize';
import type { PersonType } from '../../contract/dto';
import { ChunkedInsert, sqlText } from './chunked-insert';

const COLUMNS = `id, site_id, type, first_name, last_name, email, phone, unit, status, source_connection_id, external_id,
  access_enabled, synced_tags, source_hash, last_synced_at, created_at, updated_at`;

/**
 * Inserts the people a pass creates, many rows per statement. No provenance is written: every
 * source field of a new person was set by their source when they were created, which is what
 * readers assume for a field the provenance does not mention (people-queries.ts); spelling it
 * out cost ~400 bytes per person on a 100k first pass. Call flush() before the transaction ends.
 */
export class PersonInserter {
  private readonly rows: ChunkedInsert;

  constructor(
    sqlite: Database.Database,
    siteId: string,
    at: string,
  ) {
    const site = sqlText(siteId);
    const time = sqlText(at);
    this.rows = new ChunkedInsert(sqlite, `INSERT INTO person (${COLUMNS})`, `(?, ${site}, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ${time}, ${time}, ${time})`, 12);
  }

  add(personId: string, type: PersonType, r: NormalizedRecord, connId: string | null, hash: string): void {
    this.rows.values.push(
      personId, type, r.firstName, r.lastName, r.email, r.phone, r.unit, r.status, connId, r.externalId,
      r.tags.length ? JSON.stringify(r.tags) : '[]', hash,
    );
    this.rows.rowAdded();
  }

  flush(): void {
    this.rows.flush();
  }
}
