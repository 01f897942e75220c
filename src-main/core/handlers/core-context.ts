import type { Role } from '../../contract/define';
import type { AppInfo } from '../../contract/calls/app';
import type { CoreEvents } from '../core-events';
import type { OpenDatabase } from '../db/open-database';
import type { SyncEngine } from '../sync/sync-engine';
import type { Upstreams } from '../upstreams';
import { ApiError } from '../../contract/errors';

/** What every handler module gets: the core's parts, created once in core.ts. */
export interface CoreContext {
  db: OpenDatabase;
  events: CoreEvents;
  engine: SyncEngine;
  upstreams: Upstreams;
  dataDir: string;
  host: AppInfo['host'];
  version: string;
  role: Role;
  /** Push decided changes upstream on a timer while online (the window hosts do; CLI and tests push when told). */
  backgroundPush: boolean;
  now(): Date;
}

export function requireSite(ctx: CoreContext, siteId: string): void {
  const found = ctx.db.sqlite.prepare('SELECT 1 FROM site WHERE id = ?').get(siteId);
  if (!found) throw new ApiError('not_found', 'That site does not exist (it may have been removed).');
}
