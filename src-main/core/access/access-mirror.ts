import type { AccessPanel, ListOptions, RemoteAccount } from '../adapters/types';
import { accessAccountUpsert } from './access-account-upsert';
import type { AccessSystem } from '../db/entities';
import type { OpenDatabase } from '../db/open-database';

export interface MirrorResult {
  /** Accounts the access system listed. */
  seen: number;
  /** Of those, how many are linked to one of our people after the mirror. */
  linked: number;
}

interface ExistingRow {
  id: string;
  remote_id: string;
  person_id: string | null;
}

interface PersonKeyRow {
  id: string;
  external_id: string | null;
}

/**
 * Refreshes our copy of an access system's accounts, so alert detection can compare both sides
 * without calling the vendor. Every page is read before anything is written: a read that fails
 * halfway must not be mistaken for "those accounts were deleted".
 */
export async function mirrorAccessAccounts(
  db: OpenDatabase,
  accessSystem: AccessSystem,
  panel: AccessPanel,
  now: Date,
  opts: ListOptions = {},
): Promise<MirrorResult> {
  const listed = new Map<string, RemoteAccount>();
  for await (const page of panel.list(opts)) {
    for (const account of page) {
      if (!account || typeof account.remoteId !== 'string' || account.remoteId === '') {
        throw new Error(`${accessSystem.name} returned an account without an id`);
      }
      // A vendor that repeats an account across pages: the later copy is the fresher one.
      listed.set(account.remoteId, account);
    }
  }
  return writeMirror(db, accessSystem, [...listed.values()], now.toISOString());
}

function writeMirror(db: OpenDatabase, system: AccessSystem, accounts: RemoteAccount[], at: string): MirrorResult {
  const sqlite = db.sqlite;
  const existingStmt = sqlite.prepare<[string], ExistingRow>(
    `SELECT id, remote_id, person_id FROM access_account WHERE access_system_id = ?`,
  );
  const peopleStmt = sqlite.prepare<[string], PersonKeyRow>(`SELECT id, external_id FROM person WHERE site_id = ?`);
  const upsert = accessAccountUpsert(sqlite);
  const remove = sqlite.prepare(`DELETE FROM access_account WHERE id = ?`);

  const run = sqlite.transaction((): MirrorResult => {
    const existing = new Map<string, ExistingRow>();
    for (const row of existingStmt.iterate(system.id)) existing.set(row.remote_id, row);

    // Links are resolved against this site's people only: an account in one building never
    // belongs to a person of another.
    const personIds = new Set<string>();
    const byExternalId = new Map<string, string | null>();
    for (const p of peopleStmt.iterate(system.siteId)) {
      personIds.add(p.id);
      if (p.external_id) {
        // Two sources of one site can reuse an external id; then it identifies nobody.
        byExternalId.set(p.external_id, byExternalId.has(p.external_id) ? null : p.id);
      }
    }
    const resolve = (ref: string | null): string | null => {
      if (!ref) return null;
      if (personIds.has(ref)) return ref;
      return byExternalId.get(ref) ?? null;
    };

    let linked = 0;
    for (const account of accounts) {
      const prior = existing.get(account.remoteId);
      const personId = resolve(account.externalRef) ?? prior?.person_id ?? null;
      if (personId) linked++;
      upsert(system, account, personId, at, prior?.id);
      existing.delete(account.remoteId);
    }
    // What is left was not listed: the account is gone from the access system. Only our mirror
    // row goes; the person stays (the sync engine decides what their missing account means).
    for (const row of existing.values()) remove.run(row.id);
    return { seen: accounts.length, linked };
  });
  return run();
}
