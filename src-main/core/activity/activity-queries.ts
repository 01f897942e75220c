import type Database from 'better-sqlite3';
import { ApiError } from '../../contract/errors';
import type { ActivityEntryDto, Outcome, Page } from '../../contract/dto';
import { likePattern, parseJson } from '../sql-helpers';

type Raw = Record<string, unknown>;

const COLUMNS = `e.id, e.site_id, e.run_id, e.at, e.outcome, e.person_id, e.person_name, e.external_id,
  e.source_connection_id, sc.name AS source_name, e.reason_code, e.reason`;

function toDto(r: Raw, withDetail: boolean): ActivityEntryDto {
  return {
    id: Number(r.id),
    siteId: r.site_id as string,
    runId: (r.run_id as string | null) ?? null,
    at: r.at as string,
    outcome: r.outcome as Outcome,
    personId: (r.person_id as string | null) ?? null,
    personName: (r.person_name as string) ?? '',
    externalId: (r.external_id as string | null) ?? null,
    sourceConnectionId: (r.source_connection_id as string | null) ?? null,
    sourceName: (r.source_name as string | null) ?? null,
    reasonCode: (r.reason_code as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    detail: withDetail ? parseJson(r.detail, null) : null,
  };
}

/** The WHERE clause both the list and the CSV export use: site, free text, outcome. */
export function activityFilter(input: { siteId: string; query?: string; outcome?: Outcome }): { sql: string; params: unknown[] } {
  const where = ['e.site_id = ?'];
  const params: unknown[] = [input.siteId];
  const q = (input.query ?? '').trim().toLowerCase();
  if (q) {
    const like = likePattern(q);
    where.push(
      `(lower(e.person_name) LIKE ? ESCAPE '\\' OR lower(coalesce(e.external_id,'')) LIKE ? ESCAPE '\\' OR lower(coalesce(e.reason,'')) LIKE ? ESCAPE '\\' OR lower(coalesce(e.reason_code,'')) LIKE ? ESCAPE '\\')`,
    );
    params.push(like, like, like, like);
  }
  if (input.outcome) {
    where.push('e.outcome = ?');
    params.push(input.outcome);
  }
  return { sql: where.join(' AND '), params };
}

/** Newest first, keyset-paged by id so paging stays fast however long the log grows. */
export function listActivity(
  sqlite: Database.Database,
  input: { siteId: string; query?: string; outcome?: Outcome; beforeId?: number; limit: number },
): Page<ActivityEntryDto> {
  const { sql: filter, params } = activityFilter(input);
  const total = Number(sqlite.prepare(`SELECT count(*) FROM activity_entry e WHERE ${filter}`).pluck().get(...params));
  const pageWhere = input.beforeId ? `${filter} AND e.id < ?` : filter;
  const pageParams = input.beforeId ? [...params, input.beforeId] : params;
  const rows = sqlite
    .prepare(
      `SELECT ${COLUMNS} FROM activity_entry e LEFT JOIN source_connection sc ON sc.id = e.source_connection_id
       WHERE ${pageWhere} ORDER BY e.id DESC LIMIT ?`,
    )
    .all(...pageParams, input.limit) as Raw[];
  return { total, rows: rows.map((r) => toDto(r, false)) };
}

export function getActivity(sqlite: Database.Database, id: number): ActivityEntryDto {
  const r = sqlite
    .prepare(
      `SELECT ${COLUMNS}, e.detail FROM activity_entry e LEFT JOIN source_connection sc ON sc.id = e.source_connection_id WHERE e.id = ?`,
    )
    .get(id) as Raw | undefined;
  if (!r) throw new ApiError('not_found', 'That activity entry is no longer kept (it may have passed the retention period).');
  const dto = toDto(r, true);
  if (dto.detail === null && dto.personId) {
    // Entries for unchanged records point back to the last entry that carried the record.
    const last = sqlite
      .prepare(`SELECT id, at, detail FROM activity_entry WHERE person_id = ? AND outcome <> 'processed' AND id < ? AND detail IS NOT NULL ORDER BY id DESC LIMIT 1`)
      .get(dto.personId, dto.id) as Raw | undefined;
    if (last) dto.detail = { ...parseJson<Record<string, unknown>>(last.detail, {}), unchangedSince: last.at, recordFromEntry: Number(last.id) };
  }
  return dto;
}
