import type { AccessSystem, SourceConnection } from './entities';
import { bool, parseJson } from '../sql-helpers';

/*
 * Hot paths read connection rows with plain SQL (no ORM hydration); these turn such a row into
 * the entity shape, once, for every module that needs it.
 */

type Row = Record<string, unknown>;

export function toSourceConnection(r: Row): SourceConnection {
  return {
    id: r.id as string,
    siteId: r.site_id as string,
    kind: r.kind as SourceConnection['kind'],
    block: (r.block as SourceConnection['block']) ?? 'integrations',
    name: r.name as string,
    enabled: bool(r.enabled),
    config: parseJson(r.config, {}),
    secretRef: (r.secret_ref as string | null) ?? null,
    lastRunAt: (r.last_run_at as string | null) ?? null,
    lastCounts: parseJson(r.last_counts, null),
    deltaToken: (r.delta_token as string | null) ?? null,
    createdAt: r.created_at as string,
  };
}

export function toAccessSystem(r: Row): AccessSystem {
  return {
    id: r.id as string,
    siteId: r.site_id as string,
    kind: r.kind as AccessSystem['kind'],
    name: r.name as string,
    enabled: bool(r.enabled),
    config: parseJson(r.config, {}),
    secretRef: (r.secret_ref as string | null) ?? null,
    createdAt: r.created_at as string,
  };
}
