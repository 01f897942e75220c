import type Database from 'better-sqlite3';
import { toSourceConnection } from '../db/row-mappers';
import type { PersonStatus, PersonType, SiteSettings } from '../../contract/dto';
import type { SourceConnection } from '../db/entities';
import { parseJson } from '../sql-helpers';
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

export function loadPeople(sqlite: Database.Database, siteId: string): PersonState[] {
  // raw() rows are arrays: noticeably cheaper than objects at 100k rows. NOT INDEXED: a straight
  // table scan beats walking an index and fetching every row by rowid in random order.
  const rows = sqlite
    .prepare(
      `SELECT id, source_connection_id, external_id, type, first_name, last_name, email, phone, unit, status, synced_tags,
              access_enabled, disabled_by, removed_at_source, decoupled, held_reason, source_hash
       FROM person NOT INDEXED WHERE site_id = ?`,
    )
    .raw(true)
    .all(siteId) as unknown[][];
  const out = new Array<PersonState>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    out[i] = {
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
