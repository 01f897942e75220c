import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { AccessPanel, AccountInput } from '../types';
import { CONTRACT_RETRY } from '../contract/fault-control';
import { startScimFake } from './fake-scim';
import type { ScimFake, ScimQuirks } from './fake-scim';
import { createScimPanel } from './scim-panel';

/** Adversarial checks of the SCIM target's writes against the scimmy-based fake. */

const key = () => `k-${randomUUID()}`;
let fake: ScimFake | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function setup(quirks: ScimQuirks = {}): Promise<{ fake: ScimFake; panel: AccessPanel }> {
  fake = await startScimFake({ quirks });
  return { fake, panel: createScimPanel({ url: fake.url, token: fake.token, retry: CONTRACT_RETRY, pageSize: 2 }) };
}

const person = (n: number, extra: Partial<AccountInput> = {}): AccountInput => ({
  firstName: 'Wren',
  lastName: `Path-${n}`,
  email: `wp${n}@example.com`,
  phone: null,
  externalRef: `wp-${n}`,
  ...extra,
});

describe('SCIM target writes under faults', () => {
  it('a 429 with Retry-After on create waits and creates one user', async () => {
    const { fake, panel } = await setup();
    fake.misbehave({ status: 429, retryAfterSeconds: 0, method: 'POST', path: '/scim/v2/Users' });
    const a = await panel.create(person(1), { idempotencyKey: key() });
    expect(fake.users.list().map((u) => u.id)).toEqual([a.remoteId]);
  });

  it('a create answered with a cut-off body, tried again, finds the user it made', async () => {
    for (const filters of ['ok', 'ignore', 'reject'] as const) {
      const { fake, panel } = await setup({ filters });
      fake.misbehave({ truncate: true, method: 'POST', path: '/scim/v2/Users' });
      const k = key();
      await expect(panel.create(person(2), { idempotencyKey: k })).rejects.toBeInstanceOf(UpstreamError);
      const a = await panel.create(person(2), { idempotencyKey: k });
      expect(fake.users.list().map((u) => u.id)).toEqual([a.remoteId]);
      await fake.close();
    }
  });

  it('a lost create answer on a server that ignores filters still makes one user among many', async () => {
    const { fake, panel } = await setup({ filters: 'ignore' });
    for (let i = 10; i < 15; i++) await panel.create(person(i), { idempotencyKey: key() });
    fake.misbehave({ status: 502, afterApply: true, method: 'POST', path: '/scim/v2/Users' });
    const a = await panel.create(person(3), { idempotencyKey: key() });
    expect(fake.users.list().filter((u) => u.externalId === 'wp-3').map((u) => u.id)).toEqual([a.remoteId]);
  });

  it('suspend, resume and remove with lost answers touch only their own user and end in the asked state', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(4), { idempotencyKey: key() });
    const b = await panel.create(person(5), { idempotencyKey: key() });
    fake.misbehave({ status: 500, afterApply: true, method: 'PATCH' });
    const s = await panel.suspend(a.remoteId, { idempotencyKey: key(), ifVersion: a.version });
    expect(s.suspended).toBe(true);
    fake.misbehave({ status: 500, afterApply: true, method: 'PATCH' });
    const r = await panel.resume(a.remoteId, { idempotencyKey: key(), ifVersion: s.version });
    expect(r.suspended).toBe(false);
    fake.misbehave({ status: 500, afterApply: true, method: 'DELETE' });
    await panel.remove(a.remoteId, { idempotencyKey: key(), ifVersion: r.version });
    expect(fake.users.get(a.remoteId)).toBeNull();
    expect(fake.users.get(b.remoteId)).toMatchObject({ active: true });
  });

  it('a 409 on an update is a refusal with the reason, not retried', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(6), { idempotencyKey: key() });
    fake.misbehave({ status: 409, method: 'PATCH' });
    const err = (await panel.update(a.remoteId, { lastName: 'Other' }, { idempotencyKey: key() }).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.status).toBe(409);
    expect(fake.requestLog.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });
});
