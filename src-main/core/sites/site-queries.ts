import type Database from 'better-sqlite3';
import type { SiteDto, SyncRunStatus } from '../../contract/dto';
import { bool, parseJson } from '../sql-helpers';
import { defaultSiteSettings } from '../sync/site-defaults';

type Raw = Record<string, unknown>;

export function listSites(sqlite: Database.Database): SiteDto[] {
  const rows = sqlite
    .prepare(
      `SELECT s.*,
         (SELECT count(*) FROM person p WHERE p.site_id = s.id) AS people_count,
         (SELECT count(*) FROM alert a WHERE a.site_id = s.id AND a.status = 'open') AS open_alerts,
         (SELECT r.status FROM sync_run r WHERE r.site_id = s.id AND r.dry_run = 0 ORDER BY r.started_at DESC LIMIT 1) AS last_status
       FROM site s ORDER BY s.is_demo, s.name COLLATE NOCASE`,
    )
    .all() as Raw[];
  return rows.map((r) => ({
    id: r.id as string,
    name: r.name as string,
    isDemo: bool(r.is_demo),
    timezone: r.timezone as string,
    // Settings saved by an older version may lack newer keys: fill them from the defaults.
    settings: { ...defaultSiteSettings(), ...parseJson(r.settings, {}) },
    lastSyncAt: (r.last_sync_at as string | null) ?? null,
    lastSyncStatus: (r.last_status as SyncRunStatus | null) ?? null,
    peopleCount: Number(r.people_count),
    openAlerts: Number(r.open_alerts),
  }));
}
