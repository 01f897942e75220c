import type Database from 'better-sqlite3';
import type { ConnectionDto, ConnectionRole } from '../../contract/calls/connections';
import type { OutcomeCounts, SourceBlock } from '../../contract/dto';
import type { AccessSystem, SourceConnection } from '../db/entities';
import type { ConnectionSecrets } from '../secrets/connection-secrets';
import { panelSpecFor, sourceSpecFor } from '../adapters/registry';
import { bool, parseJson } from '../sql-helpers';

/** A source connection or an access system, read the same way: the connections page treats them alike. */
export interface StoredConnection {
  role: ConnectionRole;
  id: string;
  siteId: string;
  kind: string;
  name: string;
  enabled: boolean;
  block: SourceBlock | null;
  config: Record<string, unknown>;
  secretRef: string | null;
  lastRunAt: string | null;
  lastCounts: OutcomeCounts | null;
  createdAt: string;
}

type Row = Record<string, unknown>;

function fromRow(role: ConnectionRole, r: Row): StoredConnection {
  return {
    role,
    id: r.id as string,
    siteId: r.site_id as string,
    kind: r.kind as string,
    name: r.name as string,
    enabled: bool(r.enabled),
    block: role === 'source' ? ((r.block as SourceBlock) ?? 'integrations') : null,
    config: parseJson(r.config, {}),
    secretRef: (r.secret_ref as string | null) ?? null,
    lastRunAt: role === 'source' ? ((r.last_run_at as string | null) ?? null) : null,
    lastCounts: role === 'source' ? parseJson<OutcomeCounts | null>(r.last_counts, null) : null,
    createdAt: r.created_at as string,
  };
}

export function readConnection(sqlite: Database.Database, id: string): StoredConnection | null {
  const source = sqlite.prepare('SELECT * FROM source_connection WHERE id = ?').get(id) as Row | undefined;
  if (source) return fromRow('source', source);
  const access = sqlite.prepare('SELECT * FROM access_system WHERE id = ?').get(id) as Row | undefined;
  return access ? fromRow('access', access) : null;
}

export function listStoredConnections(sqlite: Database.Database, siteId: string): { sources: StoredConnection[]; access: StoredConnection[] } {
  // Dry-run previews of a CSV file leave no lasting row, but skip any in flight.
  const sources = (sqlite.prepare(`SELECT * FROM source_connection WHERE site_id = ? AND id NOT LIKE 'dry-%' ORDER BY created_at, name`).all(siteId) as Row[]).map((r) =>
    fromRow('source', r),
  );
  const access = (sqlite.prepare('SELECT * FROM access_system WHERE site_id = ? ORDER BY created_at, name').all(siteId) as Row[]).map((r) => fromRow('access', r));
  return { sources, access };
}

export function kindLabel(role: ConnectionRole, kind: string): string {
  const spec = role === 'source' ? sourceSpecFor(kind) : panelSpecFor(kind);
  return spec?.label ?? kind;
}

export function toConnectionDto(sqlite: Database.Database, c: StoredConnection, secrets: ConnectionSecrets): ConnectionDto {
  const peopleCount =
    c.role === 'source' ? Number(sqlite.prepare('SELECT count(*) FROM person WHERE source_connection_id = ?').pluck().get(c.id)) : 0;
  return {
    id: c.id,
    siteId: c.siteId,
    role: c.role,
    kind: c.kind,
    kindLabel: kindLabel(c.role, c.kind),
    name: c.name,
    enabled: c.enabled,
    block: c.block,
    config: c.config,
    hasSecret: c.secretRef !== null,
    secretsSet: secrets.keysSet(c.secretRef),
    secretProblem: secrets.failure(c.secretRef),
    lastRunAt: c.lastRunAt,
    lastCounts: c.lastCounts,
    peopleCount,
  };
}

/** The entity shapes Upstreams builds adapters from. */
export function asSourceConnection(c: StoredConnection): SourceConnection {
  return {
    id: c.id,
    siteId: c.siteId,
    kind: c.kind as SourceConnection['kind'],
    block: c.block ?? 'integrations',
    name: c.name,
    enabled: c.enabled,
    config: c.config,
    secretRef: c.secretRef,
    lastRunAt: c.lastRunAt,
    lastCounts: c.lastCounts as Record<string, number> | null,
    deltaToken: null,
    createdAt: c.createdAt,
  };
}

export function asAccessSystem(c: StoredConnection): AccessSystem {
  return {
    id: c.id,
    siteId: c.siteId,
    kind: c.kind as AccessSystem['kind'],
    name: c.name,
    enabled: c.enabled,
    config: c.config,
    secretRef: c.secretRef,
    createdAt: c.createdAt,
  };
}

/** Every secret ref in the database, so the core can read them at start. */
export function allSecretRefs(sqlite: Database.Database): string[] {
  return sqlite
    .prepare(`SELECT secret_ref FROM source_connection WHERE secret_ref IS NOT NULL UNION SELECT secret_ref FROM access_system WHERE secret_ref IS NOT NULL`)
    .pluck()
    .all() as string[];
}
