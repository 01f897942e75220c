import type { SyncRunDto } from './dto';
import type { OutboxMode } from './calls/decisions';
import type { LocationAction } from './calls/locations';

/** Pushed from the core to every window. Payloads are small; the UI re-asks for details. */
export interface EventMap {
  /** Sent once by the core process when it can take calls; hosts wait for it. */
  'core.ready': { version: string };
  /** Sent by the host, not the core: the core process stopped, is restarting, gave up or is back. */
  'core.status': { state: 'idle' | 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped'; message: string; restarts: number };
  'sync.progress': { siteId: string; runId: string; done: number; total: number };
  'sync.finished': { siteId: string; run: SyncRunDto };
  'activity.appended': { siteId: string; count: number };
  'alerts.changed': { siteId: string; open: number };
  'people.changed': { siteId: string };
  'sites.changed': Record<string, never>;
  /** One location's step of a Sync users / Sync panel / Refresh run (one or all locations). */
  'locations.progress': {
    siteId: string;
    runId: string;
    action: LocationAction;
    locationId: string;
    locationName: string;
    state: 'running' | 'done' | 'failed';
    done: number;
    total: number;
    message: string;
  };
  /** A location's status, users, differences or event log changed; the UI re-asks. */
  'locations.changed': { siteId: string; locationId: string | null };
  /** A decision was recorded or withdrawn, the outbox moved, or the online/offline mode changed. */
  'outbox.changed': { mode: OutboxMode; pending: number; pendingDecisions: number };
  /** The core tried a backup of the database (the daily one or one asked for); managers' windows re-ask app.backupStatus. */
  'app.backupChanged': { ok: boolean; at: string };
}

export type EventName = keyof EventMap;
export const EVENT_NAMES: readonly EventName[] = [
  'core.ready',
  'core.status',
  'sync.progress',
  'sync.finished',
  'activity.appended',
  'alerts.changed',
  'people.changed',
  'sites.changed',
  'locations.progress',
  'locations.changed',
  'outbox.changed',
  'app.backupChanged',
];
