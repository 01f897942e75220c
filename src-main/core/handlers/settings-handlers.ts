import type { Handlers } from '../../contract/rpc';
import type { SyncSettingsView, SourceBlockState } from '../../contract/calls/settings';
import type { OutcomeCounts, SourceBlock, SourceConnectionDto } from '../../contract/dto';
import { ApiError } from '../../contract/errors';
import { parseJson } from '../sql-helpers';
import { resolveSiteSettings } from '../sync/site-defaults';
import { requireSite } from './core-context';
import type { CoreContext } from './core-context';

type Raw = Record<string, unknown>;

function toSourceDto(r: Raw): SourceConnectionDto {
  return {
    id: r.id as string,
    siteId: r.site_id as string,
    kind: r.kind as SourceConnectionDto['kind'],
    block: r.block as SourceBlock,
    name: r.name as string,
    enabled: r.enabled === 1,
    config: parseJson(r.config, {}),
    hasSecret: !!r.secret_ref,
    lastRunAt: (r.last_run_at as string | null) ?? null,
    lastCounts: parseJson<OutcomeCounts | null>(r.last_counts, null),
  };
}

/** A block's last run is its newest source's; its counts add up over its sources. */
function blockState(block: SourceBlock, enabled: boolean, sources: SourceConnectionDto[]): SourceBlockState {
  const mine = sources.filter((s) => s.block === block && s.lastRunAt);
  if (mine.length === 0) return { block, enabled, lastRunAt: null, lastCounts: null };
  const lastRunAt = mine.map((s) => s.lastRunAt!).sort().at(-1)!;
  const lastCounts: OutcomeCounts = {};
  for (const s of mine.filter((m) => m.lastRunAt === lastRunAt))
    for (const [k, n] of Object.entries(s.lastCounts ?? {})) lastCounts[k as keyof OutcomeCounts] = (lastCounts[k as keyof OutcomeCounts] ?? 0) + (n ?? 0);
  return { block, enabled, lastRunAt, lastCounts };
}

export function settingsView(ctx: CoreContext, siteId: string): SyncSettingsView {
  const { sqlite } = ctx.db;
  const row = sqlite.prepare('SELECT settings FROM site WHERE id = ?').get(siteId) as Raw | undefined;
  if (!row) throw new ApiError('not_found', 'That site does not exist (it may have been removed).');
  const settings = resolveSiteSettings(parseJson(row.settings, {}));
  const sources = (sqlite.prepare('SELECT * FROM source_connection WHERE site_id = ? ORDER BY name COLLATE NOCASE').all(siteId) as Raw[]).map(toSourceDto);
  return {
    siteId,
    settings,
    sources,
    blocks: [blockState('integrations', settings.integrationsEnabled, sources), blockState('cctv', settings.cctvEnabled, sources)],
  };
}

export function settingsHandlers(ctx: CoreContext): Pick<Handlers, 'settings.get' | 'settings.update' | 'sources.setEnabled'> {
  const { sqlite } = ctx.db;
  return {
    'settings.get': (input) => settingsView(ctx, input.siteId),
    'settings.update': (input) => {
      requireSite(ctx, input.siteId);
      sqlite.transaction(() => {
        const current = resolveSiteSettings(parseJson(sqlite.prepare('SELECT settings FROM site WHERE id = ?').pluck().get(input.siteId), {}));
        sqlite.prepare('UPDATE site SET settings = ? WHERE id = ?').run(JSON.stringify({ ...current, ...input.patch }), input.siteId);
      })();
      ctx.events.emit('sites.changed', {});
      return settingsView(ctx, input.siteId);
    },
    'sources.setEnabled': (input) => {
      const siteId = sqlite.prepare('SELECT site_id FROM source_connection WHERE id = ?').pluck().get(input.id) as string | undefined;
      if (!siteId) throw new ApiError('not_found', 'That source connection no longer exists.');
      sqlite.prepare('UPDATE source_connection SET enabled = ? WHERE id = ?').run(input.enabled ? 1 : 0, input.id);
      ctx.events.emit('sites.changed', {});
      return settingsView(ctx, siteId);
    },
  };
}
