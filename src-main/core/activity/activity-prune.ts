import type Database from 'better-sqlite3';

/**
 * Drops entries past the retention period, outside any pass. Ids grow with time, so the cut is
 * the first id still inside the period, found by walking the (site, id) index from the oldest:
 * the walk costs as many rows as it deletes, and no index on the timestamp is kept up per insert.
 * Batches are cut the same way on their own (site, first_id) index; a batch is one row however
 * many entries it holds, so this stays cheap. Returns the number of log entries removed, batch
 * entries included.
 */
export function pruneActivity(sqlite: Database.Database, siteId: string, retentionDays: number, now: Date): number {
  if (!(retentionDays > 0)) return 0;
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  return sqlite.transaction(() => pruneEntries(sqlite, siteId, cutoff) + pruneBatches(sqlite, siteId, cutoff))();
}

/**
 * The lowest activity id retention keeps for a site now (0 when nothing is due to go). A pass
 * reads only the remembered skips that point at or above it: a record whose full entry is about
 * to be pruned is logged in full again rather than pointed at an entry nobody can open.
 */
export function firstKeptEntryId(sqlite: Database.Database, siteId: string, retentionDays: number, now: Date): number {
  if (!(retentionDays > 0)) return 0;
  return firstEntryFrom(sqlite, siteId, new Date(now.getTime() - retentionDays * 86_400_000).toISOString());
}

/** The first entry id at or after `cutoff` (0 when no entry is older; past the last when all are). */
function firstEntryFrom(sqlite: Database.Database, siteId: string, cutoff: string): number {
  const oldest = sqlite.prepare('SELECT at FROM activity_entry WHERE site_id = ? ORDER BY id LIMIT 1').pluck().get(siteId) as string | undefined;
  if (!oldest || oldest >= cutoff) return 0;
  const keepFrom = sqlite
    .prepare('SELECT id FROM activity_entry WHERE site_id = ? AND at >= ? ORDER BY id LIMIT 1')
    .pluck()
    .get(siteId, cutoff) as number | undefined;
  return keepFrom ?? Number.MAX_SAFE_INTEGER;
}

function pruneEntries(sqlite: Database.Database, siteId: string, cutoff: string): number {
  const upTo = firstEntryFrom(sqlite, siteId, cutoff);
  if (upTo === 0) return 0;
  // A record skipped again and again is logged in full once and then points back at that entry
  // (source_record.entry_id). Forget the pointers into what goes, so the next pass logs such a
  // record in full again instead of pointing every later entry at a record nobody can open.
  sqlite
    .prepare('DELETE FROM source_record WHERE entry_id < ? AND source_connection_id IN (SELECT id FROM source_connection WHERE site_id = ?)')
    .run(upTo, siteId);
  return sqlite.prepare('DELETE FROM activity_entry WHERE site_id = ? AND id < ?').run(siteId, upTo).changes;
}

function pruneBatches(sqlite: Database.Database, siteId: string, cutoff: string): number {
  const oldest = sqlite.prepare('SELECT at FROM activity_batch WHERE site_id = ? ORDER BY first_id LIMIT 1').pluck().get(siteId) as string | undefined;
  if (!oldest || oldest >= cutoff) return 0;
  const keepFrom = sqlite
    .prepare('SELECT first_id FROM activity_batch WHERE site_id = ? AND at >= ? ORDER BY first_id LIMIT 1')
    .pluck()
    .get(siteId, cutoff) as number | undefined;
  const upTo = keepFrom ?? Number.MAX_SAFE_INTEGER;
  const entries = Number(
    sqlite.prepare('SELECT coalesce(sum(count), 0) FROM activity_batch WHERE site_id = ? AND first_id < ?').pluck().get(siteId, upTo),
  );
  sqlite.prepare('DELETE FROM activity_batch WHERE site_id = ? AND first_id < ?').run(siteId, upTo);
  return entries;
}
