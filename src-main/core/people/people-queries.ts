import type Database from 'better-sqlite3';
import { ApiError } from '../../contract/errors';
import { PERSON_TYPES } from '../../contract/dto';
import type { PersonDetail, PersonRow, PersonType } from '../../contract/dto';
import type { PeoplePage } from '../../contract/calls/people';
import { bool, likePattern, parseJson } from '../sql-helpers';
import { SOURCE_FIELDS } from '../sync/correlate';

const ROW_COLUMNS = `
  p.id, p.site_id, p.type, p.first_name, p.last_name, p.email, p.phone, p.unit, p.status,
  p.external_id, p.source_connection_id, coalesce(sc.name, 'Manual') AS source_name,
  p.access_enabled, p.removed_at_source, p.decoupled, p.held_reason, p.last_synced_at,
  (SELECT count(*) FROM alert a, json_each(a.person_ids) j
     WHERE a.site_id = p.site_id AND a.status = 'open' AND j.value = p.id) AS open_alerts`;

type Raw = Record<string, unknown>;

function toRow(r: Raw): PersonRow {
  return {
    id: r.id as string,
    siteId: r.site_id as string,
    type: r.type as PersonType,
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    email: (r.email as string | null) ?? null,
    phone: (r.phone as string | null) ?? null,
    unit: (r.unit as string | null) ?? null,
    status: r.status as PersonRow['status'],
    externalId: (r.external_id as string | null) ?? null,
    sourceConnectionId: (r.source_connection_id as string | null) ?? null,
    sourceName: r.source_name as string,
    accessEnabled: bool(r.access_enabled),
    removedAtSource: bool(r.removed_at_source),
    decoupled: bool(r.decoupled),
    heldReason: (r.held_reason as string | null) ?? null,
    lastSyncedAt: (r.last_synced_at as string | null) ?? null,
    openAlerts: Number(r.open_alerts ?? 0),
  };
}

/**
 * The search a front-desk person expects: any part of the name (either order of first/last),
 * email, unit, external id, or the digits of a phone number however they type it.
 */
function searchClause(query: string | undefined): { sql: string; params: string[] } {
  const q = (query ?? '').trim().toLowerCase();
  if (!q) return { sql: '', params: [] };
  const like = likePattern(q);
  const parts = [
    `lower(p.first_name || ' ' || p.last_name) LIKE ? ESCAPE '\\'`,
    `lower(p.last_name || ' ' || p.first_name) LIKE ? ESCAPE '\\'`,
    `lower(coalesce(p.email, '')) LIKE ? ESCAPE '\\'`,
    `lower(coalesce(p.unit, '')) LIKE ? ESCAPE '\\'`,
    `lower(coalesce(p.external_id, '')) LIKE ? ESCAPE '\\'`,
  ];
  const params = [like, like, like, like, like];
  const digits = q.replace(/\D/g, '');
  // Only treat it as a phone search when the input is written like a number: "(415) 555-0123".
  if (digits.length >= 3 && /^[\d\s()+.\-]+$/.test(q)) {
    parts.push(`coalesce(p.phone, '') LIKE ?`);
    params.push(`%${digits}%`);
  }
  return { sql: ` AND (${parts.join(' OR ')})`, params };
}

export function listPeople(
  sqlite: Database.Database,
  input: { siteId: string; type?: PersonType; query?: string; offset: number; limit: number },
): PeoplePage {
  const search = searchClause(input.query);
  const base = `FROM person p LEFT JOIN source_connection sc ON sc.id = p.source_connection_id WHERE p.site_id = ?${search.sql}`;
  const baseParams = [input.siteId, ...search.params];
  const countsByType = Object.fromEntries(PERSON_TYPES.map((t) => [t, 0])) as Record<PersonType, number>;
  for (const r of sqlite.prepare(`SELECT p.type AS type, count(*) AS n ${base} GROUP BY p.type`).all(...baseParams) as Raw[]) {
    countsByType[r.type as PersonType] = Number(r.n);
  }
  const typeSql = input.type ? ' AND p.type = ?' : '';
  const typeParams = input.type ? [input.type] : [];
  const total = input.type ? countsByType[input.type] : Object.values(countsByType).reduce((a, b) => a + b, 0);
  const rows = sqlite
    .prepare(
      `SELECT ${ROW_COLUMNS} ${base}${typeSql}
       ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.id LIMIT ? OFFSET ?`,
    )
    .all(...baseParams, ...typeParams, input.limit, input.offset) as Raw[];
  return { total, rows: rows.map(toRow), countsByType };
}

export function getPerson(sqlite: Database.Database, id: string): PersonDetail {
  const r = sqlite
    .prepare(
      `SELECT ${ROW_COLUMNS}, p.notes, p.app_message, p.custom_tags, p.synced_tags, p.grants, p.disabled_by,
              p.disabled_at, p.provenance, p.created_at, p.updated_at
       FROM person p LEFT JOIN source_connection sc ON sc.id = p.source_connection_id WHERE p.id = ?`,
    )
    .get(id) as Raw | undefined;
  if (!r) throw new ApiError('not_found', 'That person no longer exists.');
  return {
    ...toRow(r),
    notes: (r.notes as string) ?? '',
    appMessage: (r.app_message as string) ?? '',
    customTags: parseJson(r.custom_tags, []),
    syncedTags: parseJson(r.synced_tags, []),
    grants: parseJson(r.grants, []),
    disabledBy: (r.disabled_by as PersonDetail['disabledBy']) ?? null,
    disabledAt: (r.disabled_at as string | null) ?? null,
    provenance: withSourceProvenance(parseJson(r.provenance, {}), r),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

/**
 * A pass does not write provenance for the people it creates (at 100k people that was ~40 MB):
 * a source-owned field nobody has written since was set by the person's source when they were
 * created. Later writes, by a pass or an admin, are recorded per field and win.
 */
function withSourceProvenance(stored: PersonDetail['provenance'], r: Raw): PersonDetail['provenance'] {
  if (!r.source_connection_id) return stored;
  const out = { ...stored };
  for (const f of SOURCE_FIELDS) out[f] ??= { by: r.source_name as string, at: r.created_at as string };
  return out;
}
