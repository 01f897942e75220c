import type { SyncRunDto } from './dto';

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
];
