import { randomUUID } from 'node:crypto';
import type { Handlers } from '../../contract/rpc';
import { ApiError } from '../../contract/errors';
import { listSites } from '../sites/site-queries';
import { defaultSiteSettings } from '../sync/site-defaults';
import { listAlerts } from '../alerts/alert-queries';
import { recordChange } from '../audit/change-audit';
import { callActor, requireSite } from './core-context';
import type { CoreContext } from './core-context';

export function sitesHandlers(ctx: CoreContext): Pick<Handlers, 'app.info' | 'sites.list' | 'sites.create' | 'alerts.list'> {
  const { sqlite } = ctx.db;
  return {
    'app.info': () => ({
      version: ctx.version,
      host: ctx.host,
      dataDir: ctx.dataDir,
      databaseFile: ctx.db.file,
      role: ctx.role,
    }),
    'sites.list': () => listSites(sqlite),
    'sites.create': (input, call) => {
      const taken = sqlite.prepare('SELECT 1 FROM site WHERE lower(name) = lower(?)').get(input.name);
      if (taken) throw new ApiError('conflict', `A site named "${input.name}" already exists.`);
      const id = randomUUID();
      const at = ctx.now().toISOString();
      const timezone = input.timezone ?? 'UTC';
      sqlite.transaction(() => {
        sqlite
          .prepare('INSERT INTO site (id, name, is_demo, timezone, settings, created_at) VALUES (?, ?, 0, ?, ?, ?)')
          .run(id, input.name, timezone, JSON.stringify(defaultSiteSettings()), at);
        recordChange(sqlite, {
          siteId: id,
          at,
          actor: callActor(ctx, call),
          action: 'site-created',
          target: input.name,
          message: `Site '${input.name}' created (time zone ${timezone})`,
          detail: { subject: 'site', changes: [{ key: 'name', label: 'Name', from: null, to: input.name }] },
        });
      })();
      ctx.events.emit('sites.changed', {});
      return listSites(sqlite).find((s) => s.id === id)!;
    },
    'alerts.list': (input) => {
      requireSite(ctx, input.siteId);
      return listAlerts(ctx.db, input.siteId, { status: 'open' });
    },
  };
}
