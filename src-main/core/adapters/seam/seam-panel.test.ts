import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { RemoteAccount } from '../types';
import { CONTRACT_RETRY } from '../contract/fault-control';
import { startFakeServer } from '../http/fake-server';
import { startSeamFake } from './fake-seam';
import type { SeamFake } from './fake-seam';
import { createSeamPanel } from './seam-panel';
import type { SeamPanel } from './seam-panel';
import { joinFullName, splitFullName } from './full-name';
import { seamPanelSpec } from './index';

const key = () => `k-${randomUUID()}`;
let fake: SeamFake | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function setup(extra: Partial<Parameters<typeof createSeamPanel>[0]> = {}): Promise<{ fake: SeamFake; panel: SeamPanel }> {
  fake = await startSeamFake();
  const panel = createSeamPanel({ url: fake.url, apiKey: fake.apiKey, acsSystemId: fake.acsSystemId, retry: CONTRACT_RETRY, pageSize: 2, ...extra });
  return { fake, panel };
}

async function all(panel: SeamPanel): Promise<RemoteAccount[]> {
  const out: RemoteAccount[] = [];
  for await (const page of panel.list()) out.push(...page);
  return out;
}

describe('Seam full_name mapping', () => {
  it('splits on the last word, keeping surname particles with the last name', () => {
    expect(splitFullName('Mary Ann Smith')).toEqual({ firstName: 'Mary Ann', lastName: 'Smith' });
    expect(splitFullName('Ludwig van Beethoven')).toEqual({ firstName: 'Ludwig', lastName: 'van Beethoven' });
    expect(splitFullName('Anna de la Cruz')).toEqual({ firstName: 'Anna', lastName: 'de la Cruz' });
    expect(splitFullName('Cher')).toEqual({ firstName: 'Cher', lastName: '' });
    expect(splitFullName('  ')).toEqual({ firstName: '', lastName: '' });
    expect(joinFullName(' Zoë ', 'Ng  Li')).toBe('Zoë Ng Li');
    expect(joinFullName('Solo', '')).toBe('Solo');
  });

  it('sends one full_name and email_address, and reads the halves back', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create({ firstName: 'Mary Ann', lastName: 'Smith', email: 'mas@example.com', phone: '+14155550111', externalRef: 'p1' }, { idempotencyKey: key() });
    const wire = fake.users.get(a.remoteId)!;
    expect(wire.full_name).toBe('Mary Ann Smith');
    expect(wire.email_address).toBe('mas@example.com');
    expect(wire.phone_number).toBe('+14155550111');
    expect(a).toMatchObject({ firstName: 'Mary Ann', lastName: 'Smith', email: 'mas@example.com', suspended: false, externalRef: null });
  });

  it('changes only the half it was given, keeping the other from Seam', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create({ firstName: 'Ana', lastName: 'Lima', email: 'ana@example.com', phone: null, externalRef: 'p2' }, { idempotencyKey: key() });
    fake.users.update(a.remoteId, { full_name: 'Ana Maria Lima' });
    const u = await panel.update(a.remoteId, { lastName: 'Souza' }, { idempotencyKey: key() });
    expect(fake.users.get(a.remoteId)!.full_name).toBe('Ana Maria Souza');
    expect(u).toMatchObject({ firstName: 'Ana Maria', lastName: 'Souza' });
  });
});

describe('Seam idempotent create', () => {
  it('does not make a second user when the create answer was lost', async () => {
    const { fake, panel } = await setup();
    fake.misbehave({ status: 500, afterApply: true, times: 1, path: '/acs/users/create' });
    const a = await panel.create({ firstName: 'Lost', lastName: 'Reply', email: 'lost@example.com', phone: null, externalRef: 'p3' }, { idempotencyKey: key() });
    expect(fake.users.list().filter((u) => u.email_address === 'lost@example.com')).toHaveLength(1);
    expect(a.remoteId).toBe(fake.users.list().find((u) => u.email_address === 'lost@example.com')!.acs_user_id);
    // The create POST went out once; the second round found the user instead.
    expect(fake.requestLog.filter((r) => r.path === '/acs/users/create')).toHaveLength(1);
  });

  it('adopts an account the ACS system already has for that email (any case)', async () => {
    const { fake, panel } = await setup();
    const existing = fake.users.insert({ full_name: 'Pre Existing', email_address: 'Pre@Example.com' });
    const a = await panel.create({ firstName: 'Pre', lastName: 'Existing', email: 'pre@example.com', phone: null, externalRef: 'p4' }, { idempotencyKey: key() });
    expect(a.remoteId).toBe(existing.acs_user_id);
    expect(fake.requestLog.some((r) => r.path === '/acs/users/create')).toBe(false);
  });

  it('without an email, matches on phone and full name', async () => {
    const { fake, panel } = await setup();
    const input = { firstName: 'No', lastName: 'Mail', email: null, phone: '+1 415 555 0199', externalRef: 'p5' };
    const a = await panel.create(input, { idempotencyKey: key() });
    const b = await panel.create(input, { idempotencyKey: key() });
    expect(b.remoteId).toBe(a.remoteId);
    expect(fake.users.list().filter((u) => u.full_name === 'No Mail')).toHaveLength(1);
  });
});

describe('Seam access groups', () => {
  it('lists the access groups of the ACS system and adds users to them', async () => {
    const { fake, panel } = await setup();
    const groups = await panel.listAccessGroups();
    expect(groups.map((g) => g.name).sort()).toEqual(['Gym', 'Residents']);
    expect(groups[0].type).toBe('brivo_group');
    const a = await panel.create({ firstName: 'Gym', lastName: 'Goer', email: 'gym@example.com', phone: null, externalRef: 'p6' }, { idempotencyKey: key() });
    const gym = groups.find((g) => g.name === 'Gym')!;
    await panel.addToAccessGroup(a.remoteId, gym.id);
    await panel.addToAccessGroup(a.remoteId, gym.id);
    expect(fake.users.groupsOf(a.remoteId)).toEqual([gym.id]);
  });

  it('puts new users in the configured access groups', async () => {
    fake = await startSeamFake();
    const residents = fake.accessGroups.find((g) => g.name === 'Residents')!;
    const panel = seamPanelSpec.create(
      seamPanelSpec.configSchema.parse({ baseUrl: fake.url, acsSystemId: fake.acsSystemId, accessGroupIds: ` ${residents.id} ` }),
      { apiKey: fake.apiKey },
      { retry: CONTRACT_RETRY },
    );
    const a = await panel.create({ firstName: 'New', lastName: 'Resident', email: 'nr@example.com', phone: null, externalRef: 'p7' }, { idempotencyKey: key() });
    expect(fake.users.groupsOf(a.remoteId)).toEqual([residents.id]);
  });

  it('lists the ACS systems the key can see', async () => {
    const { fake, panel } = await setup();
    const systems = await panel.listSystems();
    expect(systems.find((s) => s.id === fake.acsSystemId)).toMatchObject({ name: 'Harbour View Doors', vendor: 'Brivo account' });
  });
});

describe('Seam paging, envelopes and errors', () => {
  it('pages with limit / page_cursor and stops when has_next_page is false', async () => {
    const { fake, panel } = await setup();
    for (let i = 0; i < 5; i++) fake.users.insert({ full_name: `Paged Person${i}`, email_address: `paged${i}@example.com` });
    const before = fake.requestLog.length;
    const got = await all(panel);
    expect(got).toHaveLength(5);
    expect(fake.requestLog.slice(before).filter((r) => r.path === '/acs/users/list')).toHaveLength(3);
  });

  it('reads a single-page answer without a pagination object', async () => {
    fake = await startSeamFake({ noPaging: true });
    for (let i = 0; i < 3; i++) fake.users.insert({ full_name: `One Page${i}` });
    const panel = createSeamPanel({ url: fake.url, apiKey: fake.apiKey, acsSystemId: fake.acsSystemId, retry: CONTRACT_RETRY, pageSize: 2 });
    expect(await all(panel)).toHaveLength(3);
  });

  it('reports a missing user as null and a missing ACS system clearly', async () => {
    const { fake, panel } = await setup();
    expect(await panel.get('acs_user_nope')).toBeNull();
    const wrong = createSeamPanel({ url: fake.url, apiKey: fake.apiKey, acsSystemId: 'no_such_system', retry: CONTRACT_RETRY });
    const t = await wrong.test();
    expect(t.ok).toBe(false);
    expect(t.message).toContain('no_such_system');
    expect((await panel.test()).message).toContain('Harbour View Doors');
  });

  it("names Seam's error type for a rejected key, without the key", async () => {
    const { fake } = await setup();
    const bad = createSeamPanel({ url: fake.url, apiKey: 'seam_bad_key', acsSystemId: fake.acsSystemId, retry: CONTRACT_RETRY });
    const err = (await bad.get('x').catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('unauthorized');
    expect(err.message).not.toContain('seam_bad_key');
  });

  it('refuses a list that names a user twice, or lost its ids, or was cut off', async () => {
    const { fake, panel } = await setup();
    fake.users.insert({ full_name: 'A One' });
    fake.users.insert({ full_name: 'B Two' });
    for (const m of [{ duplicateIds: true }, { malformed: true }, { truncate: true }]) {
      fake.misbehave({ ...m, path: '/acs/users/list' });
      await expect(all(panel)).rejects.toBeInstanceOf(UpstreamError);
    }
  });

  it('suspends via /acs/users/suspend and refuses a stale suspend', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create({ firstName: 'Sus', lastName: 'Pended', email: 'sus@example.com', phone: null, externalRef: 'p8' }, { idempotencyKey: key() });
    const s = await panel.suspend(a.remoteId, { idempotencyKey: key(), ifVersion: a.version });
    expect(fake.users.get(a.remoteId)!.is_suspended).toBe(true);
    expect(fake.requestLog.some((r) => r.path === '/acs/users/suspend')).toBe(true);
    const err = (await panel.resume(a.remoteId, { idempotencyKey: key(), ifVersion: a.version }).catch((e: unknown) => e)) as UpstreamError;
    expect(err.status).toBe(412);
    expect((await panel.resume(a.remoteId, { idempotencyKey: key(), ifVersion: s.version })).suspended).toBe(false);
  });
});

describe("Seam published shapes (audit against docs.seam.co and @seamapi/types)", () => {
  const SYS = 'sys-1';
  const user = (id: string, over: Record<string, unknown> = {}) => ({
    acs_user_id: id,
    acs_system_id: SYS,
    workspace_id: 'ws',
    created_at: '2024-04-05T07:57:05.323Z',
    display_name: `User ${id}`,
    full_name: `User ${id}`,
    is_managed: true,
    warnings: [],
    errors: [],
    ...over,
  });
  type Handler = (body: Record<string, unknown>) => { status: number; body?: unknown };
  async function plain(routes: Record<string, Handler>) {
    const server = await startFakeServer({
      token: 'seam_test_key',
      shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
      routes: Object.entries(routes).map(([pattern, handler]) => ({
        method: 'POST',
        pattern,
        handler: (req: { body: unknown }) => handler((req.body ?? {}) as Record<string, unknown>),
      })),
    });
    const panel = createSeamPanel({ url: server.url, apiKey: 'seam_test_key', acsSystemId: SYS, retry: CONTRACT_RETRY, pageSize: 2 });
    return { server, panel };
  }

  it('reads a user without is_suspended (optional in the published model) as not suspended, ignoring unknown fields', async () => {
    const { server, panel } = await plain({ '/acs/users/get': () => ({ status: 200, body: { acs_user: { ...user('u1'), brand_new_field: { x: 1 } }, ok: true } }) });
    try {
      expect(await panel.get('u1')).toMatchObject({ remoteId: 'u1', suspended: false, firstName: 'User', lastName: 'u1' });
    } finally {
      await server.close();
    }
  });

  it('follows next_page_cursor until it is absent (has_next_page missing), uses next_page_url when only it is sent, and takes a lone object as a list', async () => {
    const pages: Record<string, unknown> = {
      '': { acs_users: [user('a'), user('b')], pagination: { next_page_cursor: 'c2' } },
      c2: { acs_users: [user('c')], pagination: { has_next_page: true, next_page_cursor: null, next_page_url: 'https://connect.getseam.com/acs/users/list?page_cursor=c3' } },
      c3: { acs_users: user('d'), pagination: { has_next_page: false, next_page_cursor: null } },
    };
    const cursors: unknown[] = [];
    const { server, panel } = await plain({
      '/acs/users/list': (b) => {
        cursors.push(b.page_cursor ?? null);
        return { status: 200, body: pages[typeof b.page_cursor === 'string' ? b.page_cursor : ''] };
      },
    });
    try {
      expect((await all(panel)).map((a) => a.remoteId)).toEqual(['a', 'b', 'c', 'd']);
      expect(cursors).toEqual([null, 'c2', 'c3']);
    } finally {
      await server.close();
    }
  });

  it('reports the state Seam accepted (pending mutations) and treats a user being deleted as gone', async () => {
    let suspended = false;
    const { server, panel } = await plain({
      '/acs/users/get': (b) =>
        b.acs_user_id === 'gone'
          ? { status: 200, body: { acs_user: user('gone', { pending_mutations: [{ mutation_code: 'deleting', created_at: 'x', message: 'm' }] }) } }
          : {
              status: 200,
              body: {
                acs_user: user('u1', {
                  is_suspended: false,
                  pending_mutations: suspended ? [{ mutation_code: 'updating_suspension_state', created_at: 'x', message: 'm', from: { is_suspended: false }, to: { is_suspended: true } }] : [],
                }),
              },
            },
      // The documented answer is void; an empty 204 must count as done too.
      '/acs/users/suspend': () => {
        suspended = true;
        return { status: 204 };
      },
      '/acs/users/list': () => ({ status: 200, body: { acs_users: [user('u1'), user('gone', { warnings: [{ warning_code: 'being_deleted', created_at: 'x', message: 'm' }] })] } }),
    });
    try {
      expect((await panel.suspend('u1', { idempotencyKey: key() })).suspended).toBe(true);
      expect(await panel.get('gone')).toBeNull();
      expect((await all(panel)).map((a) => a.remoteId)).toEqual(['u1']);
    } finally {
      await server.close();
    }
  });

  it('reads a *_not_found error type as "no such user" whether it comes as 404 or 400, and a delete of it as done', async () => {
    const { server, panel } = await plain({
      '/acs/users/get': (b) =>
        b.acs_user_id === 'u404'
          ? { status: 404, body: { error: { type: 'acs_user_not_found', message: 'acs_user not found' }, ok: false } }
          : { status: 400, body: { error: { type: 'acs_user_not_found', message: 'nope' }, ok: false } },
      '/acs/users/delete': () => ({ status: 404, body: { error: { type: 'acs_user_not_found', message: 'Access control user not found' }, ok: false } }),
    });
    try {
      expect(await panel.get('u404')).toBeNull();
      expect(await panel.get('u400')).toBeNull();
      await expect(panel.remove('u404', { idempotencyKey: key() })).resolves.toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('waits out a 429 with Retry-After on a read and then answers', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create({ firstName: 'Rate', lastName: 'Limited', email: 'rl@example.com', phone: null, externalRef: 'p9' }, { idempotencyKey: key() });
    fake.misbehave({ status: 429, retryAfterSeconds: 0, times: 1, path: '/acs/users/get' });
    expect((await panel.get(a.remoteId))?.email).toBe('rl@example.com');
    expect(fake.requestLog.filter((r) => r.path === '/acs/users/get').map((r) => r.status)).toEqual([429, 200]);
  });

  it("searches for an existing user by the E.164 phone Seam stores, so spacing does not hide the match", async () => {
    const { fake, panel } = await setup();
    const existing = fake.users.insert({ full_name: 'Spaced Phone', phone_number: '+14155550177' });
    const a = await panel.create({ firstName: 'Spaced', lastName: 'Phone', email: null, phone: '+1 (415) 555-0177', externalRef: 'p10' }, { idempotencyKey: key() });
    // The fake applies Seam's partial-match search: "+1 (415) 555-0177" would have found nothing.
    expect(a.remoteId).toBe(existing.acs_user_id);
    expect(fake.requestLog.some((r) => r.path === '/acs/users/create')).toBe(false);
  });
});
