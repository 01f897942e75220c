import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { RemoteAccount } from '../types';
import { CONTRACT_RETRY } from '../contract/fault-control';
import { startFakeServer } from '../http/fake-server';
import type { FakeServer } from '../http/fake-server';
import { startSeamFake } from './fake-seam';
import type { SeamFake } from './fake-seam';
import { createSeamPanel } from './seam-panel';

/**
 * Adversarial checks of Seam's write path and of the list the mirror relies on: lost answers,
 * rate limits, paging that ends early, and error bodies that repeat the caller's key.
 */

const key = () => `k-${randomUUID()}`;
let fake: SeamFake | null = null;
let plainServer: FakeServer | null = null;
afterEach(async () => {
  await fake?.close();
  await plainServer?.close();
  fake = null;
  plainServer = null;
});

const SYS = 'sys-1';
const API_KEY = 'seam_live_0123456789abcdef_secret';
const user = (id: string) => ({ acs_user_id: id, acs_system_id: SYS, full_name: `User ${id}`, is_suspended: false });

async function plain(routes: Record<string, (body: Record<string, unknown>) => { status: number; body?: unknown; headers?: Record<string, string> }>) {
  plainServer = await startFakeServer({
    token: API_KEY,
    shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
    routes: Object.entries(routes).map(([pattern, handler]) => ({
      method: 'POST',
      pattern,
      handler: (req: { body: unknown }) => handler((req.body ?? {}) as Record<string, unknown>),
    })),
  });
  return createSeamPanel({ url: plainServer.url, apiKey: API_KEY, acsSystemId: SYS, retry: CONTRACT_RETRY, pageSize: 2 });
}

async function all(panel: ReturnType<typeof createSeamPanel>): Promise<RemoteAccount[]> {
  const out: RemoteAccount[] = [];
  for await (const page of panel.list()) out.push(...page);
  return out;
}

describe('Seam write path under faults', () => {
  it('a 429 with Retry-After on create waits and creates exactly one user', async () => {
    fake = await startSeamFake();
    const panel = createSeamPanel({ url: fake.url, apiKey: fake.apiKey, acsSystemId: fake.acsSystemId, retry: CONTRACT_RETRY });
    fake.misbehave({ status: 429, retryAfterSeconds: 0, times: 1, path: '/acs/users/create' });
    const a = await panel.create({ firstName: 'Rate', lastName: 'Create', email: 'rc@example.com', phone: null, externalRef: 'p1' }, { idempotencyKey: key() });
    expect(fake.users.list().filter((u) => u.email_address === 'rc@example.com').map((u) => u.acs_user_id)).toEqual([a.remoteId]);
  });

  it('a create whose answer is lost twice in a row still makes one user', async () => {
    fake = await startSeamFake();
    const panel = createSeamPanel({ url: fake.url, apiKey: fake.apiKey, acsSystemId: fake.acsSystemId, retry: CONTRACT_RETRY });
    fake.misbehave({ status: 502, afterApply: true, times: 2, path: '/acs/users/create' });
    const input = { firstName: 'Twice', lastName: 'Lost', email: null, phone: null, externalRef: 'p2' };
    const a = await panel.create(input, { idempotencyKey: key() });
    expect(fake.users.list().filter((u) => u.full_name === 'Twice Lost').map((u) => u.acs_user_id)).toEqual([a.remoteId]);
  });

  it('after lost create answers, takes its own new user and not a namesake that was there before', async () => {
    fake = await startSeamFake();
    const panel = createSeamPanel({ url: fake.url, apiKey: fake.apiKey, acsSystemId: fake.acsSystemId, retry: CONTRACT_RETRY });
    // A namesake without contacts was there before: it is not ours and must not be taken over.
    const namesake = fake.users.insert({ full_name: 'Never Answered' });
    const input = { firstName: 'Never', lastName: 'Answered', email: null, phone: null, externalRef: 'p5' };
    fake.misbehave({ status: 503, afterApply: true, times: 2, path: '/acs/users/create' });
    const a = await panel.create(input, { idempotencyKey: key() });
    expect(a.remoteId).not.toBe(namesake.acs_user_id);
    const ours = fake.users.list().filter((u) => u.full_name === 'Never Answered' && u.acs_user_id !== namesake.acs_user_id);
    expect(ours.map((u) => u.acs_user_id)).toEqual([a.remoteId]);
  });

  it('a create answered with a cut-off body, pushed again under the same key, does not make a second user', async () => {
    fake = await startSeamFake();
    const panel = createSeamPanel({ url: fake.url, apiKey: fake.apiKey, acsSystemId: fake.acsSystemId, retry: CONTRACT_RETRY });
    const input = { firstName: 'Cut', lastName: 'Off', email: null, phone: null, externalRef: 'p6' };
    const k = key();
    fake.misbehave({ truncate: true, times: 1, path: '/acs/users/create' });
    await expect(panel.create(input, { idempotencyKey: k })).rejects.toBeInstanceOf(UpstreamError);
    const a = await panel.create(input, { idempotencyKey: k });
    expect(fake.users.list().filter((u) => u.full_name === 'Cut Off').map((u) => u.acs_user_id)).toEqual([a.remoteId]);
  });

  it('suspend and remove whose answers were lost are not applied twice and report the end state', async () => {
    fake = await startSeamFake();
    const panel = createSeamPanel({ url: fake.url, apiKey: fake.apiKey, acsSystemId: fake.acsSystemId, retry: CONTRACT_RETRY });
    const a = await panel.create({ firstName: 'Sus', lastName: 'Lost', email: 'sl@example.com', phone: null, externalRef: 'p3' }, { idempotencyKey: key() });
    const b = await panel.create({ firstName: 'Other', lastName: 'Person', email: 'op@example.com', phone: null, externalRef: 'p4' }, { idempotencyKey: key() });
    fake.misbehave({ status: 500, afterApply: true, times: 1, path: '/acs/users/suspend' });
    const s = await panel.suspend(a.remoteId, { idempotencyKey: key(), ifVersion: a.version });
    expect(s.suspended).toBe(true);
    expect(fake.users.get(b.remoteId)!.is_suspended).toBe(false);
    fake.misbehave({ status: 500, afterApply: true, times: 1, path: '/acs/users/delete' });
    await panel.remove(a.remoteId, { idempotencyKey: key() });
    expect(fake.users.get(a.remoteId)).toBeNull();
    expect(fake.users.get(b.remoteId)).not.toBeNull();
  });

  it('refuses a list page that says there is more but gives no way to reach it, instead of ending early', async () => {
    const panel = await plain({
      '/acs/users/list': () => ({ status: 200, body: { acs_users: [user('a'), user('b')], pagination: { has_next_page: true, next_page_cursor: null, next_page_url: null } } }),
    });
    const err = await all(panel).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/next page/i);
  });

  it('keeps the API key out of an error whose body repeats it', async () => {
    const panel = await plain({
      '/acs/users/get': () => ({ status: 400, body: { error: { type: 'invalid_input', message: `Bad request with Authorization: Bearer ${API_KEY}` }, ok: false } }),
      '/acs/users/update': () => ({ status: 422, body: { error: { type: 'invalid_input', message: `key ${API_KEY} may not do this` }, ok: false } }),
    });
    const errors = [await panel.get('u1').catch((e: unknown) => e), await panel.update('u1', { email: 'x@example.com' }, { idempotencyKey: key() }).catch((e: unknown) => e)];
    for (const e of errors) {
      expect(e).toBeInstanceOf(UpstreamError);
      expect((e as Error).message).not.toContain(API_KEY);
    }
  });
});
