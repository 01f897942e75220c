import type { Role } from '../../contract/define';
import type { CallContext } from '../../contract/rpc';
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

/** The OS account the app runs under; hosts start the core as the person at the keyboard. */
function osUserName(): string {
  try {
    return userInfo().username || 'unknown user';
  } catch {
    // Some sandboxes have no passwd entry; the role and host are still worth recording.
    return 'unknown user';
  }
}

const ROLE_WORDS: Record<Role, string> = { manager: 'manager', frontDesk: 'front desk' };

/**
 * Who a host's callers are, for decisions and the audit trail: the OS user with the role the host
 * was started with ("ana (manager)"), plus the host where it is not the desktop app ("ana (front
 * desk, browser)"). The CLI's is "cli:<user>". Hosts put it in the call context they serve with;
 * a call's input can never say who it is (the contract refuses an `actor` field).
 */
export function hostActor(host: AppInfo['host'], role: Role, user: string = osUserName()): string {
  if (host === 'cli') return `cli:${user}`;
  const words = ROLE_WORDS[role] ?? String(role);
  return host === 'electron' ? `${user} (${words})` : `${user} (${words}, ${host})`;
}

/**
 * The actor of one call: the one its host set in the call context; for a host that set none
 * (in-process tests, say), the core's own host, still never anything from the call's input.
 */
export function callActor(ctx: Pick<CoreContext, 'host'>, call: CallContext): string {
  return call.actor ?? hostActor(ctx.host, call.role);
}
