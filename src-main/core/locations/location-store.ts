import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type {
  LocationAction,
  LocationDto,
  LocationEventDto,
  LocationEventResult,
  PartitionDto,
} from '../../contract/calls/locations';
import type { WireLocation, WireUser } from '../adapters/alarm-panel/wire';
import { parseJson } from '../sql-helpers';

/** SQL for the location tables (migration 0004). Plain statements: this is all small data. */

export interface LocationRow {
  id: string;
  site_id: string;
  access_system_id: string;
  remote_id: string;
  name: string;
  address: string | null;
  connection: 'online' | 'offline' | 'unknown';
  partitions: string;
  max_user_slots: number;
  last_contact_at: string | null;
  refreshed_at: string | null;
  panel_reported_at: string | null;
  last_user_sync_at: string | null;
  last_user_sync_result: LocationEventResult | null;
  last_user_sync_summary: string | null;
  access_system_name?: string;
}

export interface StoredUser {
  slot: number;
  name: string;
  code: string;
  partitions: number[];
  externalRef: string | null;
}

export type Side = 'service' | 'panel';

export function getLocation(sqlite: Database.Database, id: string): LocationRow | null {
  return (
    (sqlite
      .prepare(`SELECT l.*, a.name AS access_system_name FROM alarm_location l JOIN access_system a ON a.id = l.access_system_id WHERE l.id = ?`)
      .get(id) as LocationRow | undefined) ?? null
  );
}

export function siteLocations(sqlite: Database.Database, siteId: string): LocationRow[] {
  return sqlite
    .prepare(
      `SELECT l.*, a.name AS access_system_name FROM alarm_location l JOIN access_system a ON a.id = l.access_system_id
       WHERE l.site_id = ? AND a.enabled = 1 ORDER BY l.name COLLATE NOCASE, l.remote_id`,
    )
    .all(siteId) as LocationRow[];
}

export function partitionsOf(row: LocationRow): PartitionDto[] {
  return parseJson<PartitionDto[]>(row.partitions, []);
}

/** Inserts or updates a location from the service's description of it. */
export function upsertLocation(sqlite: Database.Database, siteId: string, accessSystemId: string, w: WireLocation, at: string): string {
  const existing = sqlite.prepare('SELECT id FROM alarm_location WHERE access_system_id = ? AND remote_id = ?').pluck().get(accessSystemId, w.locationId) as
    | string
    | undefined;
  const id = existing ?? randomUUID();
  const partitions: PartitionDto[] = w.panel.partitions.map((p) => ({ id: p.partitionId, name: p.name, armingState: p.armingState }));
  sqlite
    .prepare(
      `INSERT INTO alarm_location (id, site_id, access_system_id, remote_id, name, address, connection, partitions, max_user_slots, last_contact_at, refreshed_at, created_at)
       VALUES (@id, @siteId, @systemId, @remoteId, @name, @address, @connection, @partitions, @slots, @lastContact, @at, @at)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, connection = excluded.connection,
         partitions = excluded.partitions, max_user_slots = excluded.max_user_slots, last_contact_at = excluded.last_contact_at,
         refreshed_at = excluded.refreshed_at`,
    )
    .run({
      id,
      siteId,
      systemId: accessSystemId,
      remoteId: w.locationId,
      name: w.name || w.locationId,
      address: w.address ?? null,
      connection: w.panel.connectionStatus,
      partitions: JSON.stringify(partitions),
      slots: w.panel.maxUserSlots,
      lastContact: w.panel.lastContactAt,
      at,
    });
  return id;
}

/** How the user tables reach the sealed codes (AlarmCodes): never a clear code in a row. */
export interface CodeSealing {
  seal(code: string): string;
  unseal(stored: string, what: string): string;
}

/** One side's users, with their codes unsealed (codes compare only once unsealed). */
export function readUsers(sqlite: Database.Database, locationId: string, side: Side, codes: Pick<CodeSealing, 'unseal'>): StoredUser[] {
  const rows = sqlite
    .prepare('SELECT slot, name, code, partitions, external_ref FROM alarm_user WHERE location_id = ? AND side = ? ORDER BY slot')
    .all(locationId, side) as Array<{ slot: number; name: string; code: string; partitions: string; external_ref: string | null }>;
  const where = side === 'service' ? "in the service's list" : 'as the panel reported it';
  return rows.map((r) => ({
    slot: r.slot,
    name: r.name,
    code: codes.unseal(r.code, `the stored code of slot ${r.slot} ${where}`),
    partitions: parseJson<number[]>(r.partitions, []),
    externalRef: r.external_ref,
  }));
}

/** Replaces one side's users with what the service answered, their codes sealed. */
export function replaceUsers(sqlite: Database.Database, locationId: string, side: Side, users: WireUser[], at: string, codes: Pick<CodeSealing, 'seal'>): void {
  // Sealed before anything is deleted: a seal that fails leaves the old rows as they were.
  const sealed = users.map((u) => codes.seal(u.code));
  sqlite.transaction(() => {
    sqlite.prepare('DELETE FROM alarm_user WHERE location_id = ? AND side = ?').run(locationId, side);
    const insert = sqlite.prepare(
      'INSERT INTO alarm_user (location_id, side, slot, name, code, partitions, external_ref, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    users.forEach((u, i) => insert.run(locationId, side, u.slot, u.name, sealed[i], JSON.stringify(u.partitions), u.externalRef ?? null, at));
  })();
}

export function appendEvent(
  sqlite: Database.Database,
  loc: Pick<LocationRow, 'id' | 'site_id'>,
  e: { at: string; type: string; result: LocationEventResult; summary: string; origin?: 'rollcall' | 'service'; remoteEventId?: string; jobId?: string | null; detail?: unknown },
): number | null {
  const info = sqlite
    .prepare(
      `INSERT INTO alarm_location_event (location_id, site_id, at, type, result, summary, origin, remote_event_id, job_id, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    )
    .run(
      loc.id,
      loc.site_id,
      e.at,
      e.type,
      e.result,
      e.summary,
      e.origin ?? 'rollcall',
      e.remoteEventId ?? null,
      e.jobId ?? null,
      e.detail === undefined ? null : JSON.stringify(e.detail),
    );
  return info.changes ? Number(info.lastInsertRowid) : null;
}

export function listEvents(sqlite: Database.Database, locationId: string, limit: number, before?: number): { rows: LocationEventDto[]; hasMore: boolean } {
  const rows = sqlite
    .prepare(
      `SELECT * FROM alarm_location_event WHERE location_id = ? AND (? IS NULL OR id < ?) ORDER BY at DESC, id DESC LIMIT ?`,
    )
    .all(locationId, before ?? null, before ?? null, limit + 1) as Array<Record<string, unknown>>;
  return {
    hasMore: rows.length > limit,
    rows: rows.slice(0, limit).map((r) => ({
      id: r.id as number,
      locationId: r.location_id as string,
      at: r.at as string,
      type: r.type as string,
      result: r.result as LocationEventResult,
      summary: r.summary as string,
      origin: r.origin as 'rollcall' | 'service',
      detail: parseJson<Record<string, unknown> | null>(r.detail, null),
    })),
  };
}

export function jobIdsOf(sqlite: Database.Database, locationId: string): Set<string> {
  return new Set(
    sqlite.prepare(`SELECT job_id FROM alarm_location_event WHERE location_id = ? AND job_id IS NOT NULL AND origin = 'rollcall'`).pluck().all(locationId) as string[],
  );
}

export function toLocationDto(row: LocationRow, extra: { serviceUsers: number; differences: number | null; busy: LocationAction | null }): LocationDto {
  return {
    id: row.id,
    siteId: row.site_id,
    accessSystemId: row.access_system_id,
    accessSystemName: row.access_system_name ?? '',
    remoteId: row.remote_id,
    name: row.name,
    address: row.address,
    connection: row.connection,
    partitions: partitionsOf(row),
    lastContactAt: row.last_contact_at,
    refreshedAt: row.refreshed_at,
    panelReportedAt: row.panel_reported_at,
    lastUserSync:
      row.last_user_sync_at && row.last_user_sync_result
        ? { at: row.last_user_sync_at, result: row.last_user_sync_result, summary: row.last_user_sync_summary ?? '' }
        : null,
    serviceUsers: extra.serviceUsers,
    differences: extra.differences,
    busy: extra.busy,
  };
}
