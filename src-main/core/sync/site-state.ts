import type Database from 'better-sqlite3';
import { toSourceConnection } from '../db/row-mappers';
import type { PersonStatus, PersonType, SiteSettings } from '../../contract/dto';
import type { SourceConnection } from '../db/entities';
import { parseJson } from '../sql-helpers';
import type { FingerprintCache } from './fingerprint-cache';
import type { PassState } from './plan-types';
import { resolveSiteSettings } from './site-defaults';

/** What the engine needs of a site, read once per pass. */
export interface SiteInfo {
  id: string;
  name: string;
  settings: SiteSettings;
}

/**
 * The few person columns a pass compares against, loaded for a whole site with one SELECT.
 * Admin-owned columns other than the access switch are deliberately absent: the pass never
 * reads them, so it cannot write them back by mistake.
 */
export interface PersonState {
  id: string;
  connId: string | null;
  externalId: string | null;
  type: PersonType;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  unit: string | null;
  status: PersonStatus;
  syncedTags: string;
  accessEnabled: boolean;
  disabledBy: 'sync' | 'admin' | null;
  removedAtSource: boolean;
  decoupled: boolean;
  heldReason: string | null;
  sourceHash: string | null;
}

export function loadSite(sqlite: Database.Database, siteId: string): SiteInfo | null {
  const r = sqlite.prepare('SELECT id, name, settings FROM site WHERE id = ?').get(siteId) as Record<string, unknown> | undefined;
  if (!r) return null;
  return { id: r.id as string, name: r.name as string, settings: resolveSiteSettings(parseJson(r.settings, {})) };
}


export function loadConnections(sqlite: Database.Database, siteId: string): SourceConnection[] {
  const rows = sqlite.prepare('SELECT * FROM source_connection WHERE site_id = ? ORDER BY created_at, id').all(siteId) as Record<string, unknown>[];
  return rows.map(toSourceConnection);
}

const PERSON_STATE_COLUMNS = `id, source_connection_id, external_id, type, first_name, last_name, email, phone, unit, status, synced_tags,
  access_enabled, disabled_by, removed_at_source, decoupled, held_reason, source_hash`;

function toPersonState(r: unknown[]): PersonState {
  return {
    id: r[0] as string,
    connId: r[1] as string | null,
    externalId: r[2] as string | null,
    type: r[3] as PersonType,
    firstName: r[4] as string,
    lastName: r[5] as string,
    email: r[6] as string | null,
    phone: r[7] as string | null,
    unit: r[8] as string | null,
    status: r[9] as PersonStatus,
    syncedTags: r[10] as string,
    accessEnabled: r[11] === 1,
    disabledBy: r[12] as 'sync' | 'admin' | null,
    removedAtSource: r[13] === 1,
    decoupled: r[14] === 1,
    heldReason: r[15] as string | null,
    sourceHash: r[16] as string | null,
  };
}

/** The full state of the people linked to these external ids of one source. */
export function loadPeopleByExternalId(sqlite: Database.Database, connId: string, externalIds: string[]): PersonState[] {
  if (externalIds.length === 0) return [];
  const rows = sqlite
    .prepare(`SELECT ${PERSON_STATE_COLUMNS} FROM person WHERE source_connection_id = ? AND external_id IN (SELECT value FROM json_each(?))`)
    .raw(true)
    .all(connId, JSON.stringify(externalIds)) as unknown[][];
  return rows.map(toPersonState);
}

/** People added by hand (no source): the candidates a new source record may be matched to. */
export function loadManualPeople(sqlite: Database.Database, siteId: string): PersonState[] {
  const rows = sqlite
    .prepare(`SELECT ${PERSON_STATE_COLUMNS} FROM person INDEXED BY idx_person_manual WHERE site_id = ? AND source_connection_id IS NULL`)
    .raw(true)
    .all(siteId) as unknown[][];
  return rows.map(toPersonState);
}

/** How many people of the site came from any source: the base of the guard's percentage. */
export function countSyncedPeople(sqlite: Database.Database, connIds: string[]): number {
  const count = sqlite.prepare('SELECT count(*) FROM person WHERE source_connection_id = ?').pluck();
  let n = 0;
  for (const id of connIds) n += Number(count.get(id));
  return n;
}

/** Synced people whose access is on and who follow their source: those a pass could turn off. */
export function countActiveSyncedPeople(sqlite: Database.Database, connIds: string[]): number {
  const count = sqlite.prepare('SELECT count(*) FROM person WHERE source_connection_id = ? AND access_enabled = 1 AND decoupled = 0').pluck();
  let n = 0;
  for (const id of connIds) n += Number(count.get(id));
  return n;
}

/** A source record that was skipped by its own content (status, identifier, site) last time. */
export interface SkipMemo {
  fingerprint: string;
  name: string;
  reasonCode: string;
  reason: string;
  entryId: number;
  /** Set by the planner: the record was in this read / was settled as unchanged. */
  met?: boolean;
  settled?: boolean;
}

/** `minEntryId`: skips whose full entry is below it (retention is about to drop it) are not remembered. */
export function loadSkipMemos(sqlite: Database.Database, connId: string, minEntryId = 0): Map<string, SkipMemo> {
  const rows = sqlite
    .prepare('SELECT external_id, fingerprint, name, reason_code, reason, entry_id FROM source_record WHERE source_connection_id = ? AND entry_id >= ?')
    .raw(true)
    .all(connId, minEntryId) as [string, string, string, string, string, number][];
  const out = new Map<string, SkipMemo>();
  for (const r of rows) out.set(r[0], { fingerprint: r[1], name: r[2], reasonCode: r[3], reason: r[4], entryId: r[5] });
  return out;
}

/** Whether a connection's records should flow this pass, and if not, which switch is off. */
export function connectionGate(settings: SiteSettings, conn: SourceConnection): 'on' | 'source_off' | 'integration_off' {
  const blockOn = conn.block === 'cctv' ? settings.cctvEnabled : settings.integrationsEnabled;
  if (!blockOn) return 'source_off';
  if (!conn.enabled) return 'integration_off';
  return 'on';
}

export { toSourceConnection };

/** The planner's view of the mirror, read from SQLite on demand. */
let passMarks = 0;

export function sqlitePassState(sqlite: Database.Database, siteId: string, connIds: string[], cache: FingerprintCache, minEntryId = 0): PassState {
  const linkedCount = sqlite.prepare('SELECT count(*) FROM person WHERE source_connection_id = ?').pluck();
  cache.beginPass();
  return {
    mark: ++passMarks,
    fingerprints: (connId) => cache.fingerprints(connId),
    skipMemos: (connId) => loadSkipMemos(sqlite, connId, minEntryId),
    peopleByExternalId: (connId, externalIds) => loadPeopleByExternalId(sqlite, connId, externalIds),
    linkedWithEmails: (connId, emails) =>
      emails.length === 0
        ? []
        : (sqlite
            .prepare(
              `SELECT external_id AS externalId, email FROM person
               WHERE source_connection_id = ? AND email IN (SELECT value FROM json_each(?))`,
            )
            .all(connId, JSON.stringify(emails)) as { externalId: string; email: string }[]),
    manualPeople: () => loadManualPeople(sqlite, siteId),
    syncedPeople: () => countSyncedPeople(sqlite, connIds),
    linkedCount: (connId) => Number(linkedCount.get(connId)),
    activeCount: (connId) =>
      Number(
        sqlite
          .prepare('SELECT count(*) FROM person WHERE source_connection_id = ? AND access_enabled = 1 AND decoupled = 0')
          .pluck()
          .get(connId),
      ),
  };
}
