import type Database from 'better-sqlite3';
import type { DeliveryDto, DeliveryState } from '../../contract/calls/connections';
import { ApiError } from '../../contract/errors';

/** The last push of one person to one access system (table person_delivery, migration 0003). */
export interface DeliveryRow {
  personId: string;
  accessSystemId: string;
  siteId: string;
  state: DeliveryState;
  reason: string | null;
  at: string;
  remoteId: string | null;
  /** Set while a push has not succeeded: its retry reuses it. */
  idempotencyKey: string | null;
}

export function readDelivery(sqlite: Database.Database, personId: string, accessSystemId: string): DeliveryRow | null {
  const r = sqlite.prepare('SELECT * FROM person_delivery WHERE person_id = ? AND access_system_id = ?').get(personId, accessSystemId) as
    | Record<string, unknown>
    | undefined;
  if (!r) return null;
  return {
    personId: r.person_id as string,
    accessSystemId: r.access_system_id as string,
    siteId: r.site_id as string,
    state: r.state as DeliveryState,
    reason: (r.reason as string | null) ?? null,
    at: r.at as string,
    remoteId: (r.remote_id as string | null) ?? null,
    idempotencyKey: (r.idempotency_key as string | null) ?? null,
  };
}

export function writeDelivery(sqlite: Database.Database, d: DeliveryRow): void {
  sqlite
    .prepare(
      `INSERT INTO person_delivery (person_id, access_system_id, site_id, state, reason, at, remote_id, idempotency_key)
       VALUES (@personId, @accessSystemId, @siteId, @state, @reason, @at, @remoteId, @idempotencyKey)
       ON CONFLICT (person_id, access_system_id) DO UPDATE SET
         state = excluded.state, reason = excluded.reason, at = excluded.at,
         remote_id = excluded.remote_id, idempotency_key = excluded.idempotency_key`,
    )
    .run(d);
}

/**
 * One line per access system of the person's site: how the last push went, or state null when
 * Rollcall never pushed this person there by hand. The linked account, if the mirror knows one,
 * fills in the remote id.
 */
export function listDeliveries(sqlite: Database.Database, personId: string): DeliveryDto[] {
  const siteId = sqlite.prepare('SELECT site_id FROM person WHERE id = ?').pluck().get(personId) as string | undefined;
  if (!siteId) throw new ApiError('not_found', 'That person no longer exists.');
  const rows = sqlite
    .prepare(
      `SELECT s.id, s.name, s.kind, d.state, d.reason, d.at, d.remote_id,
              (SELECT a.remote_id FROM access_account a WHERE a.access_system_id = s.id AND a.person_id = ? LIMIT 1) AS linked_remote_id
       FROM access_system s LEFT JOIN person_delivery d ON d.access_system_id = s.id AND d.person_id = ?
       WHERE s.site_id = ? ORDER BY s.created_at, s.name`,
    )
    .all(personId, personId, siteId) as Record<string, unknown>[];
  return rows.map((r) => ({
    accessSystemId: r.id as string,
    accessSystemName: r.name as string,
    kind: r.kind as string,
    state: (r.state as DeliveryState | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    at: (r.at as string | null) ?? null,
    remoteId: (r.remote_id as string | null) ?? (r.linked_remote_id as string | null) ?? null,
  }));
}
