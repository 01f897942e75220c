import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { RemoteAccount } from '../adapters/types';

/**
 * Writes our copy of one access-system account as the system just described it. Shared by the
 * full mirror and a single person's re-sync, so both keep the copy the same way.
 */
export type AccessAccountUpsert = (
  system: { id: string; siteId: string },
  account: RemoteAccount,
  personId: string | null,
  at: string,
  /** Our row id, when the account is already mirrored (a conflict keeps the existing id anyway). */
  id?: string,
) => void;

export function accessAccountUpsert(sqlite: Database.Database): AccessAccountUpsert {
  const stmt = sqlite.prepare(
    `INSERT INTO access_account
       (id, access_system_id, site_id, person_id, remote_id, first_name, last_name, email, phone, suspended, version, last_seen_at)
     VALUES (@id, @systemId, @siteId, @personId, @remoteId, @firstName, @lastName, @email, @phone, @suspended, @version, @at)
     ON CONFLICT (access_system_id, remote_id) DO UPDATE SET
       person_id = excluded.person_id, first_name = excluded.first_name, last_name = excluded.last_name,
       email = excluded.email, phone = excluded.phone, suspended = excluded.suspended,
       version = excluded.version, last_seen_at = excluded.last_seen_at`,
  );
  return (system, account, personId, at, id) => {
    stmt.run({
      id: id ?? randomUUID(),
      systemId: system.id,
      siteId: system.siteId,
      personId,
      remoteId: account.remoteId,
      firstName: account.firstName ?? '',
      lastName: account.lastName ?? '',
      email: account.email ?? null,
      phone: account.phone ?? null,
      suspended: account.suspended ? 1 : 0,
      version: account.version ?? null,
      at,
    });
  };
}
