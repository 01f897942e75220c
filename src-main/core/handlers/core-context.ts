import type { Role } from '../../contract/define';
import type { AppInfo } from '../../contract/calls/app';
import type { CoreEvents } from '../core-events';
import type { OpenDatabase } from '../db/open-database';
import type { SyncEngine } from '../sync/sync-engine';
import type { Upstreams } from '../upstreams';
import { userInfo } from 'node:os';
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

/** Who to write in the audit when the caller did not say: the OS user and the host. */
export function defaultActor(ctx: Pick<CoreContext, 'host'>): string {
  let user = 'unknown user';
  try {
    user = userInfo().username || user;
  } catch {
    // Some sandboxes have no passwd entry; the host name is still worth recording.
  }
  return `${user} (${ctx.host})`;
}
