import type Database from 'better-sqlite3';
import { ApiError } from '../../contract/errors';
import type { ActivityEntryDto, Outcome, Page } from '../../contract/dto';
import { parseJson } from '../sql-helpers';
import { viewBatchEntry } from './activity-batch-format';
import { batchEntries, findBatchHolding, linkedPersonLookup } from './activity-batch-reader';
import { ActivityScan, batchEntryDto, rowToDto } from './activity-stream';
import { addedDetail, addedEntryOfPerson } from './added-entries';

// Kept here for callers that built their own WHERE over real rows.
export { activityFilter } from './activity-stream';

type Raw = Record<string, unknown>;
type Detail = Record<string, unknown>;

/**
 * Newest first, keyset-paged by id, over real rows and batch entries alike. Without a text query
 * the page parses only the batches it shows and the total comes from count columns; with one,
 * the total needs every batch that may match (parsed once, then cached).
 * Trade-off: a page that reaches into a batch parses all of it (~30 ms for 100k entries; JSON
 * cannot be read from its end), which the cache then spreads over every later page.
 */
export function listActivity(
  sqlite: Database.Database,
  input: { siteId: string; query?: string; outcome?: Outcome; beforeId?: number; limit: number },
): Page<ActivityEntryDto> {
  const scan = new ActivityScan(sqlite, input);
  const rows: ActivityEntryDto[] = [];
  if (input.limit > 0) {
    for (const r of scan.rows(input.beforeId, input.limit)) {
      rows.push(r);
      if (rows.length >= input.limit) break;
    }
  }
  return { total: scan.total(), rows };
}

const NOT_KEPT = 'That activity entry is no longer kept (it may have passed the retention period).';

/**
 * New entries leave out what their columns already hold (ids, source name); older ones carry them.
 * The detail view shows both the same way.
 */
function withIds(detail: Detail | null, dto: ActivityEntryDto): Detail {
  const out: Detail = { ...(detail ?? {}) };
  if (out.ids === undefined) out.ids = { personId: dto.personId, sourceConnectionId: dto.sourceConnectionId, externalId: dto.externalId };
  if (out.source === undefined && dto.sourceName !== null) out.source = dto.sourceName;
  return out;
}

/**
 * The detail of the person's last entry that changed something, which an unchanged entry points
 * back to: a real row, or the entry of the added batch that created them when no real changing
 * row is newer (added people have no real row).
 */
function lastChangingDetail(sqlite: Database.Database, personId: string, beforeId: number): Detail | null {
  const last = sqlite
    .prepare(`SELECT id, at, detail FROM activity_entry WHERE person_id = ? AND outcome <> 'processed' AND id < ? AND detail IS NOT NULL ORDER BY id DESC LIMIT 1`)
    .get(personId, beforeId) as Raw | undefined;
  const added = addedEntryOfPerson(sqlite, personId, { afterId: last ? Number(last.id) : null, beforeId });
  if (added) {
    const detail = addedDetail(sqlite, added, sourceName(sqlite, added.view.sourceConnectionId));
    return { ...detail, unchangedSince: added.view.at, recordFromEntry: added.view.id };
  }
  return last ? { ...parseJson<Detail>(last.detail, {}), unchangedSince: last.at, recordFromEntry: Number(last.id) } : null;
}

function sourceName(sqlite: Database.Database, connId: string | null): string | null {
  if (!connId) return null;
  return (sqlite.prepare('SELECT name FROM source_connection WHERE id = ?').pluck().get(connId) as string | undefined) ?? null;
}

function getBatchEntry(sqlite: Database.Database, id: number): ActivityEntryDto | null {
  const b = findBatchHolding(sqlite, id);
  if (!b) return null;
  const index = id - b.first_id;
  const entries = batchEntries(sqlite, b.first_id);
  const v = viewBatchEntry({ ...b, entries: '' }, entries, index);
  const person = v.outcome === 'processed' ? linkedPersonLookup(sqlite)(v.sourceConnectionId, v.externalId) : null;
  const dto = batchEntryDto(v, person, sourceName(sqlite, v.sourceConnectionId));
  let detail: Detail | null = null;
  // An added entry carries its own record and rule chain, in the batch's aligned arrays.
  if (v.outcome === 'added') detail = addedDetail(sqlite, { batch: b, view: v, index }, dto.sourceName);
  else if (person) detail = lastChangingDetail(sqlite, person.id, id);
  else if (v.outcome === 'skipped' && v.entryId !== null) {
    // Skipped again: the record and rule chain are those of the entry that first logged this skip.
    const first = sqlite.prepare('SELECT at, detail FROM activity_entry WHERE id = ?').get(v.entryId) as Raw | undefined;
    if (first) detail = { ...parseJson<Detail>(first.detail, {}), unchangedSince: first.at, recordFromEntry: v.entryId };
  }
  dto.detail = withIds(detail, dto);
  return dto;
}

export function getActivity(sqlite: Database.Database, id: number): ActivityEntryDto {
  const r = sqlite
    .prepare(
      `SELECT e.id, e.site_id, e.run_id, e.at, e.outcome, e.person_id, e.person_name, e.external_id, e.source_connection_id,
              sc.name AS source_name, e.reason_code, e.reason, e.detail
       FROM activity_entry e LEFT JOIN source_connection sc ON sc.id = e.source_connection_id WHERE e.id = ?`,
    )
    .get(id) as Raw | undefined;
  if (!r) {
    const fromBatch = getBatchEntry(sqlite, id);
    if (!fromBatch) throw new ApiError('not_found', NOT_KEPT);
    return fromBatch;
  }
  const dto = rowToDto(r);
  let detail = parseJson<Detail | null>(r.detail, null);
  // Older unchanged entries were real rows without detail: they point back the same way.
  if (detail === null && dto.personId) detail = lastChangingDetail(sqlite, dto.personId, dto.id);
  dto.detail = withIds(detail, dto);
  return dto;
}
