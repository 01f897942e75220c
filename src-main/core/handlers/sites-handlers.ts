import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { Handlers } from '../../contract/rpc';
import type { BackupDone } from '../../contract/calls/app';
import { ApiError } from '../../contract/errors';
import { listSites } from '../sites/site-queries';
import { defaultSiteSettings } from '../sync/site-defaults';
import { listAlerts } from '../alerts/alert-queries';
import { recordChange } from '../audit/change-audit';
import type { DatabaseBackups } from '../db/backups';
import { callActor, requireSite } from './core-context';
import type { CoreContext } from './core-context';

type AppCalls = 'app.info' | 'app.backupNow' | 'app.backupStatus';

export function sitesHandlers(ctx: CoreContext, backups: DatabaseBackups): Pick<Handlers, AppCalls | 'sites.list' | 'sites.create' | 'alerts.list'> {
  const { sqlite } = ctx.db;
  return {
    'app.info': () => ({
      version: ctx.version,
      host: ctx.host,
      dataDir: ctx.dataDir,
      databaseFile: ctx.db.file,
      role: ctx.role,
    }),
    'app.backupNow': async (_input, call) => {
      const actor = callActor(ctx, call);
      let done: BackupDone;
      try {
        done = await backups.backupNow();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        try {
          recordChange(sqlite, {
            siteId: null,
            at: ctx.now().toISOString(),
            actor,
            action: 'backup-written',
            result: 'failed',
            message: `Backup of the database not written: ${message}`,
            detail: { subject: 'backup', folder: backups.folder },
          });
        } catch {
          // A full disk may refuse this entry too; the caller still gets the reason.
        }
        throw new ApiError('unavailable', message);
      }
      // Written after the copy, so the backup does not hold its own entry.
      recordChange(sqlite, {
        siteId: null,
        at: ctx.now().toISOString(),
        actor,
        action: 'backup-written',
        target: basename(done.file),
        message: `Backup of the database written to ${done.file} (${(done.bytes / 1024 / 1024).toFixed(1)} MB)`,
        detail: { subject: 'backup', file: done.file, bytes: done.bytes },
      });
      return done;
    },
    'app.backupStatus': () => backups.status(),
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
