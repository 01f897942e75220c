import { randomUUID } from 'node:crypto';
import type { Handlers } from '../../contract/rpc';
import type { locationsCalls } from '../../contract/calls/locations';
import { ApiError } from '../../contract/errors';
import { LocationService } from '../locations/location-service';
import { alarmClientResolver } from '../locations/client-resolver';
import { requireSite } from './core-context';
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

export function locationsHandlers(ctx: CoreContext): Pick<Handlers, keyof typeof locationsCalls> {
  const sessionKeys = new Map<string, string>();
  const service = new LocationService({
    db: ctx.db,
    events: ctx.events,
    now: ctx.now,
    clientFor: alarmClientResolver({ demoOwner: ctx.upstreams, secrets: () => secretsOf(ctx), sessionKeys }),
  });
  const checkSite = (input: { siteId?: string }) => input.siteId && requireSite(ctx, input.siteId);

  return {
    'locations.list': (input) => {
      requireSite(ctx, input.siteId);
      return service.list(input.siteId);
    },
    'locations.syncUsers': (input) => (checkSite(input as { siteId?: string }), service.syncUsers(input)),
    'locations.syncPanel': (input) => (checkSite(input as { siteId?: string }), service.syncPanel(input)),
    'locations.refresh': (input) => (checkSite(input as { siteId?: string }), service.refresh(input)),
    'locations.events': (input) => service.events(input.locationId, input.limit, input.before),
    'locations.differences': (input) => service.differences(input.locationId),
    'locations.resolveDifference': (input) => service.resolveDifference(input.locationId, input.differenceId, input.resolution),
    'locations.connect': async (input) => {
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
      ctx.events.emit('sites.changed', {});
      const locations = (await service.list(input.siteId)).filter((l) => l.accessSystemId === id);
      return { accessSystemId: id, locations, keyStorage: store ? 'secret-store' : 'session' };
    },
  };
}
