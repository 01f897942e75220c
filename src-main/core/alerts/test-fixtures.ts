import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type OpenDatabase } from '../db/open-database';

/*
 * Test-only helpers: a real SQLite file in a temp dir, and rows inserted with plain SQL so the
 * tests describe the data exactly as the sync engine and the access mirror would leave it.
 */

const CREATED = '2025-01-01T00:00:00.000Z';

export interface TestDb {
  db: OpenDatabase;
  site(id?: string, name?: string): string;
  source(siteId: string, id: string, name?: string): string;
  accessSystem(siteId: string, id: string, name?: string): string;
  person(p: {
    id: string;
    siteId?: string;
    firstName?: string;
    lastName?: string;
    email?: string | null;
    phone?: string | null;
    sourceConnectionId?: string | null;
    externalId?: string | null;
  }): string;
  account(a: {
    id?: string;
    accessSystemId: string;
    siteId?: string;
    remoteId: string;
    personId?: string | null;
    firstName?: string;
    lastName?: string;
    email?: string | null;
    phone?: string | null;
    version?: string | null;
  }): string;
  held(h: {
    siteId?: string;
    sourceConnectionId: string;
    externalId: string;
    kind: 'duplicate_email' | 'name_mismatch' | 'email_changed' | 'disputed';
    firstName?: string;
    lastName?: string;
    email?: string | null;
    candidatePersonIds?: string[];
  }): void;
  sql(statement: string, ...params: unknown[]): void;
  close(): Promise<void>;
}

export async function createTestDb(): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-alerts-'));
  const db = await openDatabase(join(dir, 'rollcall.db'));
  const run = (statement: string, params: unknown[]) => db.sqlite.prepare(statement).run(...params);
  let n = 0;
  return {
    db,
    site(id = 'site-1', name = 'Maple Court') {
      run(`INSERT INTO site (id, name, settings, created_at) VALUES (?, ?, '{}', ?)`, [id, name, CREATED]);
      return id;
    },
    source(siteId, id, name = 'Demo PMS') {
      run(`INSERT INTO source_connection (id, site_id, kind, name, created_at) VALUES (?, ?, 'demo', ?, ?)`, [
        id,
        siteId,
        name,
        CREATED,
      ]);
      return id;
    },
    accessSystem(siteId, id, name = 'Demo Access') {
      run(`INSERT INTO access_system (id, site_id, kind, name, created_at) VALUES (?, ?, 'demo', ?, ?)`, [
        id,
        siteId,
        name,
        CREATED,
      ]);
      return id;
    },
    person(p) {
      run(
        `INSERT INTO person (id, site_id, type, first_name, last_name, email, phone, source_connection_id, external_id, created_at, updated_at)
         VALUES (?, ?, 'resident', ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          p.id,
          p.siteId ?? 'site-1',
          p.firstName ?? '',
          p.lastName ?? '',
          p.email ?? null,
          p.phone ?? null,
          p.sourceConnectionId === undefined ? 'src-1' : p.sourceConnectionId,
          p.externalId === undefined ? `ext-${p.id}` : p.externalId,
          CREATED,
          CREATED,
        ],
      );
      return p.id;
    },
    account(a) {
      const id = a.id ?? `acct-${++n}`;
      run(
        `INSERT INTO access_account (id, access_system_id, site_id, person_id, remote_id, first_name, last_name, email, phone, version, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          a.accessSystemId,
          a.siteId ?? 'site-1',
          a.personId ?? null,
          a.remoteId,
          a.firstName ?? '',
          a.lastName ?? '',
          a.email ?? null,
          a.phone ?? null,
          a.version ?? 'v1',
          CREATED,
        ],
      );
      return id;
    },
    held(h) {
      const record = {
        externalId: h.externalId,
        firstName: h.firstName ?? '',
        lastName: h.lastName ?? '',
        email: h.email ?? null,
        phone: null,
        unit: null,
        status: 'current',
        type: 'resident',
        raw: {},
      };
      run(
        `INSERT INTO held_record (site_id, source_connection_id, external_id, kind, record, candidate_person_ids, held_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          h.siteId ?? 'site-1',
          h.sourceConnectionId,
          h.externalId,
          h.kind,
          JSON.stringify(record),
          JSON.stringify(h.candidatePersonIds ?? []),
          CREATED,
        ],
      );
    },
    sql(statement, ...params) {
      run(statement, params);
    },
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A site with one source ("Demo PMS", src-1) and one access system ("Demo Access", as-1). */
export async function createSiteDb(): Promise<TestDb> {
  const t = await createTestDb();
  t.site('site-1');
  t.source('site-1', 'src-1');
  t.accessSystem('site-1', 'as-1');
  return t;
}
