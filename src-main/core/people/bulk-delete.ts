import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { BulkDeletePreview, BulkDeleteResult, BulkDeleteSampleRow } from '../../contract/calls/people';
import { ApiError } from '../../contract/errors';
import type { AuditWriter } from '../audit/audit-log';

/*
 * "Bulk delete synced people": clearing out everyone a source brought in (after disconnecting
 * it, say). A manager sees the exact set first; the delete then removes that set and nothing else,
 * in one transaction, or refuses if the set changed since the preview. People are deleted from
 * Rollcall only: their accounts in access systems are unlinked (our mirror keeps them), not
 * removed upstream, and their activity and audit history stays.
 */

const SAMPLE_SIZE = 20;

export interface BulkScope {
  siteId: string;
  /** null: people synced from any source of the site. */
  sourceConnectionId: string | null;
}

interface ScopeSources {
  siteName: string;
  /** The source connections the scope covers, with their on/off state. */
  sources: { id: string; name: string; enabled: boolean }[];
}

function scopeSources(sqlite: Database.Database, scope: BulkScope): ScopeSources {
  const site = sqlite.prepare('SELECT name FROM site WHERE id = ?').pluck().get(scope.siteId) as string | undefined;
  if (site === undefined) throw new ApiError('not_found', 'That site does not exist (it may have been removed).');
  const rows = sqlite
    .prepare(`SELECT id, name, enabled FROM source_connection WHERE site_id = ? ${scope.sourceConnectionId ? 'AND id = ?' : ''} ORDER BY name COLLATE NOCASE`)
    .all(...(scope.sourceConnectionId ? [scope.siteId, scope.sourceConnectionId] : [scope.siteId])) as { id: string; name: string; enabled: number }[];
  if (scope.sourceConnectionId && rows.length === 0) throw new ApiError('not_found', 'That source is not connected to this site (it may have been removed).');
  return { siteName: site, sources: rows.map((r) => ({ id: r.id, name: r.name, enabled: r.enabled === 1 })) };
}

/** The WHERE clause naming the scope's people, and its arguments. */
function scopeWhere(scope: BulkScope): { sql: string; args: string[] } {
  return scope.sourceConnectionId
    ? { sql: 'p.site_id = ? AND p.source_connection_id = ?', args: [scope.siteId, scope.sourceConnectionId] }
    : { sql: 'p.site_id = ? AND p.source_connection_id IS NOT NULL', args: [scope.siteId] };
}

/** A digest of exactly which people are in scope: any person added, removed or moved changes it. */
function tokenOf(sqlite: Database.Database, scope: BulkScope): { token: string; count: number } {
  const where = scopeWhere(scope);
  const hash = createHash('sha256');
  let count = 0;
  for (const id of sqlite.prepare(`SELECT p.id FROM person p WHERE ${where.sql} ORDER BY p.id`).pluck().iterate(...where.args) as Iterable<string>) {
    hash.update(id);
    hash.update('\n');
    count++;
  }
  return { token: `${count}:${hash.digest('hex').slice(0, 32)}`, count };
}

export function previewBulkDelete(sqlite: Database.Database, scope: BulkScope): BulkDeletePreview {
  const read = sqlite.transaction(() => {
    const { siteName, sources } = scopeSources(sqlite, scope);
    const where = scopeWhere(scope);
    const { token, count } = tokenOf(sqlite, scope);
    const sample = sqlite
      .prepare(
        `SELECT p.id, trim(p.first_name || ' ' || p.last_name) AS name, p.external_id, coalesce(c.name, '') AS source_name, p.access_enabled
           FROM person p LEFT JOIN source_connection c ON c.id = p.source_connection_id
          WHERE ${where.sql}
          ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.id LIMIT ${SAMPLE_SIZE}`,
      )
      .all(...where.args) as { id: string; name: string; external_id: string | null; source_name: string; access_enabled: number }[];
    const linked = sqlite
      .prepare(
        `SELECT a.access_system_id, s.name, count(*) AS n
           FROM access_account a JOIN access_system s ON s.id = a.access_system_id
          WHERE a.person_id IN (SELECT p.id FROM person p WHERE ${where.sql})
          GROUP BY a.access_system_id ORDER BY s.name COLLATE NOCASE`,
      )
      .all(...where.args) as { access_system_id: string; name: string; n: number }[];
    return {
      siteId: scope.siteId,
      sourceConnectionId: scope.sourceConnectionId,
      scopeName: scope.sourceConnectionId ? (sources[0]?.name ?? 'this source') : `every source of ${siteName}`,
      count,
      sample: sample.map(
        (r): BulkDeleteSampleRow => ({ id: r.id, name: r.name, externalId: r.external_id, sourceName: r.source_name, accessEnabled: r.access_enabled === 1 }),
      ),
      linkedAccounts: linked.map((r) => ({ accessSystemId: r.access_system_id, accessSystemName: r.name, count: r.n })),
      sourcesStillOn: sources.filter((s) => s.enabled).map((s) => ({ id: s.id, name: s.name })),
      token,
    };
  });
  // One read transaction: the count, the sample and the token describe the same moment.
  return read();
}

export interface BulkDeleteRequest extends BulkScope {
  token: string;
  turnOffSync: boolean;
  actor: string;
  at: string;
}

/**
 * Deletes exactly the previewed people, or nothing. Rows that point at a person go with the
 * database's own rules: deliveries and alarm codes are deleted, access accounts are unlinked,
 * activity and audit rows keep their ids and names.
 */
export function bulkDelete(sqlite: Database.Database, audit: AuditWriter, req: BulkDeleteRequest): BulkDeleteResult {
  const run = sqlite.transaction((): BulkDeleteResult => {
    const { sources } = scopeSources(sqlite, req);
    const now = tokenOf(sqlite, req);
    if (now.token !== req.token) {
      throw new ApiError(
        'conflict',
        `The people in this scope changed since the preview (${now.count.toLocaleString('en-US')} now). Nothing was deleted: preview again to see who would go.`,
      );
    }
    const where = scopeWhere(req);
    const deleted = sqlite.prepare(`DELETE FROM person AS p WHERE ${where.sql}`).run(...where.args).changes;
    const turnedOff = req.turnOffSync ? sources.filter((s) => s.enabled) : [];
    const off = sqlite.prepare('UPDATE source_connection SET enabled = 0 WHERE id = ?');
    for (const s of turnedOff) off.run(s.id);
    const scopeName = req.sourceConnectionId ? (sources[0]?.name ?? 'a source') : 'every source';
    audit({
      siteId: req.siteId,
      at: req.at,
      actor: req.actor,
      kind: 'write',
      action: 'bulk-delete',
      target: scopeName,
      result: 'applied',
      message:
        `Deleted ${deleted.toLocaleString('en-US')} ${deleted === 1 ? 'person' : 'people'} synced from ${scopeName}` +
        (turnedOff.length ? `; turned off syncing from ${turnedOff.map((s) => s.name).join(', ')}` : '; syncing left on'),
      detail: { sourceConnectionId: req.sourceConnectionId, deleted, sourcesTurnedOff: turnedOff.map((s) => s.id) },
    });
    return { deleted, sourcesTurnedOff: turnedOff.map((s) => s.name) };
  });
  return run.immediate();
}
