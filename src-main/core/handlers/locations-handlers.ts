import { randomUUID } from 'node:crypto';
import type { CallContext, Handlers } from '../../contract/rpc';
import type { LocationActionResult, locationsCalls, LocationsRunResult } from '../../contract/calls/locations';
import { ApiError } from '../../contract/errors';
import { LocationService } from '../locations/location-service';
import { alarmClientResolver } from '../locations/client-resolver';
import { auditValue, recordChange } from '../audit/change-audit';
import { callActor, requireSite } from './core-context';
import type { CoreContext } from './core-context';

/** What this module needs of the core's connection secrets (Upstreams.secrets, a ConnectionSecrets). */
interface SecretsLike {
  peek(ref: string | null): Record<string, string>;
  save(ref: string, secrets: Record<string, string>): Promise<void>;
  remove(ref: string): Promise<void>;
}

function secretsOf(ctx: CoreContext): SecretsLike | null {
  const s = (ctx.upstreams as unknown as { secrets?: SecretsLike }).secrets;
  return s && typeof s.save === 'function' && typeof s.peek === 'function' ? s : null;
}

/** Same reference scheme as the connections page (ConnectionSecrets.refFor). */
const secretRefFor = (accessSystemId: string) => `connection:${accessSystemId}`;

type Target = { locationId: string } | { siteId: string; all: true };

const ACTION_WORDS = { syncUsers: 'Sync users', syncPanel: 'Sync panel' } as const;

/** done when every location went through, failed when none did, partial in between. */
function overall(results: LocationActionResult[]): string {
  if (results.every((r) => r.result === 'success' || r.result === 'info')) return 'done';
  if (results.every((r) => r.result === 'failed')) return 'failed';
  return 'partial';
}

export function locationsHandlers(ctx: CoreContext): Pick<Handlers, keyof typeof locationsCalls> {
  const sessionKeys = new Map<string, string>();
  const service = new LocationService({
    db: ctx.db,
    events: ctx.events,
    now: ctx.now,
    clientFor: alarmClientResolver({ demoOwner: ctx.upstreams, secrets: () => secretsOf(ctx), sessionKeys }),
  });
  const checkSite = (input: { siteId?: string }) => input.siteId && requireSite(ctx, input.siteId);
  const siteOfLocation = (locationId: string) => ctx.db.sqlite.prepare('SELECT site_id FROM alarm_location WHERE id = ?').pluck().get(locationId) as string | undefined;

  /**
   * Sync users and Sync panel change what the panels hold: one entry per request, once it has run
   * (the work is at the alarm service, across awaits). A refused request (busy, gone) throws first.
   */
  const auditRun = (action: keyof typeof ACTION_WORDS, target: Target, call: CallContext, run: LocationsRunResult) => {
    const siteId = 'siteId' in target ? target.siteId : (siteOfLocation(target.locationId) ?? null);
    const all = 'all' in target;
    const failed = run.results.filter((r) => r.result !== 'success' && r.result !== 'info');
    const ok = run.results.length - failed.length;
    const where = all ? 'all locations' : (run.results[0]?.locationName ?? 'a location');
    const summary = all
      ? [`${ok} of ${run.results.length} succeeded`, ...failed.map((r) => `${r.locationName}: ${r.summary}`)].join('; ')
      : (run.results[0]?.summary ?? 'nothing to do');
    recordChange(ctx.db.sqlite, {
      siteId,
      at: ctx.now().toISOString(),
      actor: callActor(ctx, call),
      action: action === 'syncUsers' ? 'locations-sync-users' : 'locations-sync-panel',
      target: all ? 'All locations' : where,
      result: overall(run.results),
      message: `${ACTION_WORDS[action]} at ${where}: ${summary}`,
      detail: { subject: 'location', action, runId: run.runId, results: run.results.map((r) => ({ locationId: r.locationId, locationName: r.locationName, result: r.result })) },
    });
  };

  return {
    'locations.list': (input) => {
      requireSite(ctx, input.siteId);
      return service.list(input.siteId);
    },
    'locations.syncUsers': async (input, call) => {
      checkSite(input as { siteId?: string });
      const run = await service.syncUsers(input);
      auditRun('syncUsers', input, call, run);
      return run;
    },
    'locations.syncPanel': async (input, call) => {
      checkSite(input as { siteId?: string });
      const run = await service.syncPanel(input);
      auditRun('syncPanel', input, call, run);
      return run;
    },
    'locations.refresh': (input) => (checkSite(input as { siteId?: string }), service.refresh(input)),
    'locations.events': (input) => service.events(input.locationId, input.limit, input.before),
    'locations.differences': (input) => service.differences(input.locationId),
    'locations.resolveDifference': async (input, call) => {
      const out = await service.resolveDifference(input.locationId, input.differenceId, input.resolution);
      const how = input.resolution === 'push' ? "Rollcall's user sent to the panel" : "the panel's user kept";
      recordChange(ctx.db.sqlite, {
        siteId: siteOfLocation(input.locationId) ?? null,
        at: ctx.now().toISOString(),
        actor: callActor(ctx, call),
        action: 'location-difference-resolved',
        target: out.locationName,
        result: overall([out]),
        message: `Difference at ${out.locationName} resolved (${how}): ${out.summary}`,
        detail: { subject: 'location', action: 'resolve', locationId: input.locationId, differenceId: input.differenceId, resolution: input.resolution },
      });
      return out;
    },
    'locations.connect': async (input, call) => {
      requireSite(ctx, input.siteId);
      const { sqlite } = ctx.db;
      const taken = sqlite.prepare('SELECT 1 FROM access_system WHERE site_id = ? AND lower(name) = lower(?)').get(input.siteId, input.name);
      if (taken) throw new ApiError('conflict', `This site already has an access system named "${input.name}".`);
      const id = randomUUID();
      const store = secretsOf(ctx);
      const secretRef = store ? secretRefFor(id) : null;
      if (store && secretRef) await store.save(secretRef, { apiKey: input.apiKey });
      else sessionKeys.set(id, input.apiKey);
      const config = { baseUrl: input.baseUrl, people: 'staff', ...(input.locationIds?.length ? { locationIds: input.locationIds } : {}) };
      sqlite
        .prepare(`INSERT INTO access_system (id, site_id, kind, name, enabled, config, secret_ref, created_at) VALUES (?, ?, 'alarm-panel', ?, 1, ?, ?, ?)`)
        .run(id, input.siteId, input.name, JSON.stringify(config), secretRef, ctx.now().toISOString());
      const system = service.systemsOf(input.siteId).find((s) => s.id === id)!;
      try {
        await service.discover(system);
      } catch (err) {
        // Keep nothing half-made: a wrong address or key should be fixed and connected again.
        sqlite.prepare('DELETE FROM access_system WHERE id = ?').run(id);
        sessionKeys.delete(id);
        if (store && secretRef) await store.remove(secretRef);
        throw new ApiError('unavailable', `Could not connect: ${(err as Error).message}`);
      }
      const locations = (await service.list(input.siteId)).filter((l) => l.accessSystemId === id);
      // Kept only once the service answered (a failed connect leaves nothing), so audited here.
      const baseUrl = auditValue(input.baseUrl, [input.apiKey]);
      recordChange(sqlite, {
        siteId: input.siteId,
        at: ctx.now().toISOString(),
        actor: callActor(ctx, call),
        action: 'connection-added',
        target: input.name,
        message: `Connection '${input.name}' added (alarm service, ${locations.length} ${locations.length === 1 ? 'location' : 'locations'} found): address; secrets set: API key`,
        detail: {
          subject: 'connection',
          connectionId: id,
          role: 'access',
          kind: 'alarm-panel',
          changes: [
            { key: 'baseUrl', label: 'Address', from: null, to: baseUrl },
            ...(input.locationIds?.length ? [{ key: 'locationIds', label: 'Location ids', from: null, to: auditValue(input.locationIds) }] : []),
          ],
          secretsChanged: ['API key'],
        },
      });
      ctx.events.emit('sites.changed', {});
      return { accessSystemId: id, locations, keyStorage: store ? 'secret-store' : 'session' };
    },
  };
}
