import type { AccessPanel, RemoteAccount, TestResult } from '../types';
import { UpstreamError } from '../types';
import type { AlarmPanelClient } from './alarm-panel-client';
import type { WireUser } from './wire';

/** Users Rollcall manages carry this external reference at the service; others are left alone. */
export const EXTERNAL_REF_PREFIX = 'rollcall:';

export function personIdOf(externalRef: string | null | undefined): string | null {
  return externalRef && externalRef.startsWith(EXTERNAL_REF_PREFIX) ? externalRef.slice(EXTERNAL_REF_PREFIX.length) || null : null;
}

/**
 * The alarm service seen as an access system, read-only: one account per person across the
 * account's locations (a person holds a slot at each panel; counting each slot would look like
 * duplicate accounts). Users are written by the location actions (Sync users), which know
 * about slots, codes and panels; the generic writes say so instead of guessing.
 */
export function createAlarmPanelAccess(client: AlarmPanelClient, opts: { locationIds?: string[] } = {}): AccessPanel {
  const locationIds = async (): Promise<string[]> => {
    const all = (await client.listLocations()).map((l) => l.locationId);
    return opts.locationIds?.length ? all.filter((id) => opts.locationIds!.includes(id)) : all;
  };
  const readOnly = (): never => {
    throw new UpstreamError('Alarm-panel users are written from the Locations page (Sync users), not one account at a time.');
  };
  const accountOf = (locationId: string, u: WireUser): RemoteAccount => {
    const personId = personIdOf(u.externalRef);
    const [firstName, ...rest] = u.name.trim().split(/\s+/);
    return {
      remoteId: personId ? `${EXTERNAL_REF_PREFIX}${personId}` : `${locationId}:${u.slot}`,
      firstName: firstName ?? '',
      lastName: rest.join(' '),
      email: null,
      phone: null,
      suspended: false,
      version: u.updatedAt ?? null,
      externalRef: personId,
    };
  };
  const all = async (): Promise<RemoteAccount[]> => {
    const byId = new Map<string, RemoteAccount>();
    for (const id of await locationIds()) for (const u of await client.listUsers(id)) byId.set(accountOf(id, u).remoteId, accountOf(id, u));
    return [...byId.values()];
  };
  return {
    kind: 'alarm-panel',
    test: (): Promise<TestResult> => client.test(),
    async *list() {
      yield await all();
    },
    async get(remoteId) {
      return (await all()).find((a) => a.remoteId === remoteId) ?? null;
    },
    create: async () => readOnly(),
    update: async () => readOnly(),
    suspend: async () => readOnly(),
    resume: async () => readOnly(),
    remove: async () => readOnly(),
  };
}
