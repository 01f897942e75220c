import type { AlertDto, AlertStatus, AlertType } from '../../contract/dto';
import type { OpenDatabase } from '../db/open-database';
import { ALERT_RESOLUTION_ORDER } from './alert-detail';

/** An alert row as SQLite returns it (decision queries extend it with the latest decision). */
export interface AlertRow {
  id: string;
  site_id: string;
  type: AlertType;
  fingerprint: string;
  status: AlertStatus;
  title: string;
  person_ids: string;
  detail: string;
  opened_at: string;
  updated_at: string;
}

export interface ListAlertsOptions {
  /** 'open' (the default) for the Alerts window; 'all' includes closed and dismissed ones. */
  status?: 'open' | 'all';
}

export interface DismissOptions {
  /**
   * true: stays dismissed until the involved records change. false: only hides it until the
   * next detection, which raises it again if the condition still holds.
   */
  remember: boolean;
}

// Resolution order as SQL, so ordering happens in the query and not in a sort over every row.
const TYPE_RANK = `CASE type ${ALERT_RESOLUTION_ORDER.map((t, i) => `WHEN '${t}' THEN ${i}`).join(' ')} ELSE ${ALERT_RESOLUTION_ORDER.length} END`;

function parse<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toDto(row: AlertRow): AlertDto {
  return {
    id: row.id,
    siteId: row.site_id,
    type: row.type,
    fingerprint: row.fingerprint,
    status: row.status,
    title: row.title,
    personIds: parse<string[]>(row.person_ids, []),
    detail: parse<Record<string, unknown>>(row.detail, {}),
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
  };
}

const COLUMNS = `id, site_id, type, fingerprint, status, title, person_ids, detail, opened_at, updated_at`;

/** Alerts grouped by type in the order they should be resolved; oldest first, then by title, within a type. */
export function listAlerts(db: OpenDatabase, siteId: string, opts: ListAlertsOptions = {}): AlertDto[] {
  const onlyOpen = (opts.status ?? 'open') === 'open';
  const rows = db.sqlite
    .prepare<[string], AlertRow>(
      `SELECT ${COLUMNS} FROM alert
        WHERE site_id = ? ${onlyOpen ? `AND status = 'open'` : ''}
        ORDER BY ${TYPE_RANK}, opened_at, title, fingerprint`,
    )
    .all(siteId);
  return rows.map(toDto);
}

export function getAlert(db: OpenDatabase, alertId: string): AlertDto | null {
  const row = db.sqlite.prepare<[string], AlertRow>(`SELECT ${COLUMNS} FROM alert WHERE id = ?`).get(alertId);
  return row ? toDto(row) : null;
}

/** The number behind the header's alert indicator. */
export function countOpenAlerts(db: OpenDatabase, siteId: string): number {
  return db.sqlite
    .prepare<[string], number>(`SELECT count(*) FROM alert WHERE site_id = ? AND status = 'open'`)
    .pluck()
    .get(siteId) as number;
}

/**
 * Dismisses an open alert. Returns the alert as it now stands, or null when there is no such
 * alert. An alert that is no longer open is returned unchanged: there is nothing to dismiss.
 */
export function dismissAlert(
  db: OpenDatabase,
  alertId: string,
  opts: DismissOptions,
  now: Date = new Date(),
): AlertDto | null {
  const at = now.toISOString();
  // Forgetting the records hash is what lets the next detection raise it again: no real hash
  // equals ''. Remembering keeps the hash the manager saw, which detection compares against.
  db.sqlite
    .prepare(
      `UPDATE alert SET status = 'dismissed', updated_at = @at, closed_at = @at,
              records_hash = CASE WHEN @remember = 1 THEN records_hash ELSE '' END
        WHERE id = @id AND status = 'open'`,
    )
    .run({ id: alertId, at, remember: opts.remember ? 1 : 0 });
  return getAlert(db, alertId);
}
