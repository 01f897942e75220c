import type { Handlers } from '../../contract/rpc';
import type { SyncSettingsView, SourceBlockState } from '../../contract/calls/settings';
import type { OutcomeCounts, SiteSettings, SourceBlock, SourceConnectionDto } from '../../contract/dto';
import { ApiError } from '../../contract/errors';
import { parseJson } from '../sql-helpers';
import { resolveSiteSettings } from '../sync/site-defaults';
import { diffSettings, recordChange, valueList } from '../audit/change-audit';
import { callActor, requireSite } from './core-context';
import type { CoreContext } from './core-context';

type Raw = Record<string, unknown>;

/** How the audit names each sync setting (the Sync settings page's words). */
const SETTING_LABELS: Record<keyof SiteSettings, string> = {
  requireIdentifier: 'Require identifier',
  includedStatuses: 'Included statuses',
  phoneRegion: 'Phone region',
  integrationsEnabled: 'Integrations',
  cctvEnabled: 'CCTV',
  scheduleMinutes: 'Schedule (minutes)',
  guardMinPeople: 'Mass-change guard (people)',
  guardPercent: 'Mass-change guard (percent)',
  activityRetentionDays: 'Activity retention (days)',
};

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
    'settings.update': (input, call) => {
      requireSite(ctx, input.siteId);
      sqlite.transaction(() => {
        const current = resolveSiteSettings(parseJson(sqlite.prepare('SELECT settings FROM site WHERE id = ?').pluck().get(input.siteId), {}));
        const next = { ...current, ...input.patch };
        sqlite.prepare('UPDATE site SET settings = ? WHERE id = ?').run(JSON.stringify(next), input.siteId);
        // Only what actually changed (the page may send a value it already had), in the page's order.
        const keys = Object.keys(SETTING_LABELS).filter((k) => k in input.patch);
        const changes = diffSettings(current, next, keys, (k) => SETTING_LABELS[k as keyof SiteSettings]);
        if (!changes.length) return;
        recordChange(sqlite, {
          siteId: input.siteId,
          at: ctx.now().toISOString(),
          actor: callActor(ctx, call),
          action: 'settings-updated',
          target: 'Sync settings',
          message: `Sync settings changed: ${valueList(changes)}`,
          detail: { subject: 'site-settings', changes },
        });
      })();
      ctx.events.emit('sites.changed', {});
      return settingsView(ctx, input.siteId);
    },
    'sources.setEnabled': (input, call) => {
      const source = sqlite.prepare('SELECT site_id, name, enabled FROM source_connection WHERE id = ?').get(input.id) as
        | { site_id: string; name: string; enabled: number }
        | undefined;
      if (!source) throw new ApiError('not_found', 'That source connection no longer exists.');
      sqlite.transaction(() => {
        sqlite.prepare('UPDATE source_connection SET enabled = ? WHERE id = ?').run(input.enabled ? 1 : 0, input.id);
        if ((source.enabled === 1) === input.enabled) return;
        recordChange(sqlite, {
          siteId: source.site_id,
          at: ctx.now().toISOString(),
          actor: callActor(ctx, call),
          action: input.enabled ? 'source-turned-on' : 'source-turned-off',
          target: source.name,
          message: input.enabled
            ? `Source '${source.name}' turned on: the next pass syncs it`
            : `Source '${source.name}' turned off: it is no longer synced (the people it brought in stay)`,
          detail: { subject: 'source', connectionId: input.id, changes: [{ key: 'enabled', label: 'Status', from: source.enabled === 1 ? 'on' : 'off', to: input.enabled ? 'on' : 'off' }] },
        });
      })();
      ctx.events.emit('sites.changed', {});
      return settingsView(ctx, source.site_id);
    },
  };
}
