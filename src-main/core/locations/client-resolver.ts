import { createAlarmPanelClient } from '../adapters/alarm-panel/alarm-panel-client';
import type { AlarmPanelClient } from '../adapters/alarm-panel/alarm-panel-client';
import { alarmPanelDemoFor } from '../adapters/alarm-panel/demo-alarm-panel';
import type { RetryPolicy } from '../adapters/http/upstream-http';
import { UpstreamError } from '../adapters/types';
import type { AlarmSystemRef } from './location-service';

/**
 * Turns an alarm-panel access system into a client. The demo is resolved against the demo
 * service running in this core (its address and key change every launch); real accounts use the
 * stored address and the API key from the secret store — or, when the host gave the core no
 * secret store, a key kept in memory for this session only (never written in clear).
 */
export function alarmClientResolver(opts: {
  /** The object the demo service was attached to (the core's Upstreams). */
  demoOwner: object;
  /** The connection secrets the core read at start (ConnectionSecrets.peek), when there are any. */
  secrets: () => { peek(ref: string | null): Record<string, string> } | null;
  sessionKeys: Map<string, string>;
  retry?: Partial<RetryPolicy>;
  pollMs?: number;
}): (system: AlarmSystemRef) => Promise<AlarmPanelClient> {
  return async (system) => {
    if (system.config.demo) {
      const demo = alarmPanelDemoFor(opts.demoOwner);
      if (!demo) throw new UpstreamError('The demo alarm-panel service is not running.');
      return createAlarmPanelClient({ baseUrl: demo.url, apiKey: demo.apiKey, retry: { attempts: 3, baseDelayMs: 200, ...opts.retry }, pollMs: opts.pollMs ?? 250 });
    }
    if (!system.config.baseUrl) throw new UpstreamError(`${system.name} has no service address; set it on the connections page.`);
    const apiKey = await keyFor(system, opts);
    if (!apiKey) throw new UpstreamError(`${system.name} has no API key; enter it again on the connections page.`);
    return createAlarmPanelClient({ baseUrl: system.config.baseUrl, apiKey, retry: opts.retry, pollMs: opts.pollMs });
  };
}

async function keyFor(
  system: AlarmSystemRef,
  opts: { secrets: () => { peek(ref: string | null): Record<string, string> } | null; sessionKeys: Map<string, string> },
): Promise<string | null> {
  const session = opts.sessionKeys.get(system.id);
  if (session) return session;
  // One secret-store entry per connection holds all its secret fields (see connection-secrets.ts).
  return opts.secrets()?.peek(system.secretRef).apiKey || null;
}
