import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { AccessPanel, AccountInput, RemoteAccount } from '../types';
import { CONTRACT_RETRY } from '../contract/fault-control';
import { startScimFake } from './fake-scim';
import type { ScimFake, ScimQuirks } from './fake-scim';
import { createScimPanel } from './scim-panel';
import { scimPanelSpec } from './index';
import { listResponseSchema, scimUserSchema, toRemote } from './scim-wire';

const key = () => `k-${randomUUID()}`;
const wo = () => ({ idempotencyKey: key() });
let fake: ScimFake | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function setup(quirks: ScimQuirks = {}, pageSize = 2): Promise<{ fake: ScimFake; panel: AccessPanel }> {
  fake = await startScimFake({ quirks });
  return { fake, panel: createScimPanel({ url: fake.url, token: fake.token, retry: CONTRACT_RETRY, pageSize }) };
}

function person(n: number, extra: Partial<AccountInput> = {}): AccountInput {
  return { firstName: 'Ines', lastName: `Scim-${n}`, email: `scim${n}@example.com`, phone: '+14155550123', externalRef: `person-${n}`, ...extra };
}

async function all(panel: AccessPanel): Promise<RemoteAccount[]> {
  const out: RemoteAccount[] = [];
  for await (const page of panel.list()) out.push(...page);
  return out;
}

describe('SCIM wire format', () => {
  it('creates a core User with userName, externalId, name, emails and phoneNumbers', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(1), wo());
    const stored = fake.users.get(a.remoteId)!;
    expect(stored).toMatchObject({
      userName: 'scim1@example.com',
      externalId: 'person-1',
      name: { givenName: 'Ines', familyName: 'Scim-1' },
      emails: [{ value: 'scim1@example.com', primary: true }],
      phoneNumbers: [{ value: '+14155550123' }],
      active: true,
    });
    expect(a).toMatchObject({ externalRef: 'person-1', version: 'W/"1"', suspended: false });
  });

  it('uses our reference as userName when the person has no email', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(2, { email: null }), wo());
    expect(fake.users.get(a.remoteId)!.userName).toBe('person-2');
  });

  it('sends RFC 7644 PatchOp bodies for update and suspend', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(3), wo());
    await panel.update(a.remoteId, { lastName: 'Patched', email: null }, wo());
    await panel.suspend(a.remoteId, wo());
    expect(fake.patchBodies[0]).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'name.familyName', value: 'Patched' },
        { op: 'remove', path: 'emails' },
      ],
    });
    expect(fake.patchBodies[1]).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(fake.users.get(a.remoteId)).toMatchObject({ name: { familyName: 'Patched' }, active: false });
    expect(fake.users.get(a.remoteId)!.emails ?? []).toEqual([]);
  });

  it('falls back to GET + PUT when the server has no PATCH', async () => {
    const { fake, panel } = await setup({ noPatch: true });
    const a = await panel.create(person(4), wo());
    const s = await panel.suspend(a.remoteId, wo());
    expect(s.suspended).toBe(true);
    expect(fake.requestLog.some((r) => r.method === 'PUT')).toBe(true);
    expect(fake.users.get(a.remoteId)).toMatchObject({ active: false, userName: 'scim4@example.com', externalId: 'person-4' });
  });
});

describe('SCIM ETags and If-Match', () => {
  it('sends the ETag back as If-Match and turns the 412 into a clear refusal', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(5), wo());
    const fresh = await panel.get(a.remoteId);
    expect(fresh!.version).toBe('W/"1"');
    const u = await panel.update(a.remoteId, { firstName: 'Ok' }, { ...wo(), ifVersion: fresh!.version });
    expect(fake.ifMatches).toEqual(['W/"1"']);
    expect(u.version).toBe('W/"2"');
    const err = (await panel.update(a.remoteId, { firstName: 'Stale' }, { ...wo(), ifVersion: 'W/"1"' }).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.status).toBe(412);
    expect(err.message).toMatch(/changed/);
    expect(fake.users.get(a.remoteId)!.name?.givenName).toBe('Ok');
  });

  it('without ETags or meta, versions are a field hash checked by re-reading', async () => {
    const { fake, panel } = await setup({ etags: false, noMeta: true });
    const a = await panel.create(person(6), wo());
    expect(a.version).toMatch(/^h:/);
    fake.users.update(a.remoteId, { active: false });
    const err = (await panel.resume(a.remoteId, { ...wo(), ifVersion: a.version }).catch((e: unknown) => e)) as UpstreamError;
    expect(err.status).toBe(412);
    expect(fake.ifMatches).toEqual([]);
    expect(fake.patchBodies).toEqual([]);
  });

  it('removes with If-Match, and a stale remove is refused', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(7), wo());
    fake.users.update(a.remoteId, { displayName: 'Edited' });
    await expect(panel.remove(a.remoteId, { ...wo(), ifVersion: a.version })).rejects.toMatchObject({ status: 412 });
    await panel.remove(a.remoteId, { ...wo(), ifVersion: 'W/"2"' });
    expect(fake.users.get(a.remoteId)).toBeNull();
  });
});

describe('SCIM quirks', () => {
  it.each([200, 204] as const)('accepts DELETE answered %i', async (deleteStatus) => {
    const { fake, panel } = await setup({ deleteStatus });
    const a = await panel.create(person(8), wo());
    await panel.remove(a.remoteId, wo());
    expect(fake.users.get(a.remoteId)).toBeNull();
    expect(fake.requestLog.find((r) => r.method === 'DELETE')!.status).toBe(deleteStatus);
  });

  it.each(['ignore', 'reject'] as const)('finds our user by paging when the server filters are %s', async (filters) => {
    const { fake, panel } = await setup({ filters });
    for (let i = 0; i < 4; i++) fake.users.insert({ userName: `other${i}@example.com`, externalId: `other-${i}` });
    const input = person(9);
    const a = await panel.create(input, wo());
    const b = await panel.create(input, wo());
    expect(b.remoteId).toBe(a.remoteId);
    expect(fake.users.list().filter((u) => u.externalId === 'person-9')).toHaveLength(1);
  });

  it('reads users without meta', async () => {
    const { fake, panel } = await setup({ noMeta: true, etags: false });
    expect(await all(panel)).toEqual([]);
    fake.users.insert({ userName: 'x@example.com', name: { givenName: 'Xu', familyName: 'Li' }, active: false });
    const [x] = await all(panel);
    expect(x).toMatchObject({ firstName: 'Xu', lastName: 'Li', suspended: true, externalRef: null });
    expect(x.version).toMatch(/^h:/);
  });

  it('reads active as a string, a list without Resources, and a name from displayName only', () => {
    expect(listResponseSchema.parse({ totalResults: 0, startIndex: 1, itemsPerPage: 0 }).Resources).toBeUndefined();
    const u = scimUserSchema.parse({ id: 'u1', userName: 'y@example.com', displayName: 'Yan Wei Chen', active: 'false' });
    expect(toRemote(u)).toMatchObject({ remoteId: 'u1', firstName: 'Yan', lastName: 'Wei Chen', suspended: true, email: null });
  });

  it('adopts an unclaimed user holding the userName (409 uniqueness), and claims it', async () => {
    const { fake, panel } = await setup();
    const pre = fake.users.insert({ userName: 'scim10@example.com', name: { givenName: 'Pre', familyName: 'Made' } });
    const a = await panel.create(person(10), wo());
    expect(a.remoteId).toBe(pre.id);
    expect(fake.users.get(pre.id)!.externalId).toBe('person-10');
    expect(fake.requestLog.find((r) => r.method === 'POST')!.status).toBe(409);
  });

  it("refuses to take over someone else's userName", async () => {
    const { fake, panel } = await setup();
    fake.users.insert({ userName: 'scim11@example.com', externalId: 'somebody-else' });
    const err = (await panel.create(person(11), wo()).catch((e: unknown) => e)) as UpstreamError;
    expect(err.status).toBe(409);
    expect(err.message).toContain('scim11@example.com');
    expect(fake.users.list()).toHaveLength(1);
  });
});

describe('SCIM paging, idempotency and errors', () => {
  it('pages with startIndex/count until totalResults', async () => {
    const { fake, panel } = await setup({}, 2);
    for (let i = 0; i < 5; i++) fake.users.insert({ userName: `p${i}@example.com` });
    const before = fake.requestLog.length;
    expect((await all(panel)).map((u) => u.email)).toHaveLength(5);
    expect(fake.requestLog.slice(before).filter((r) => r.method === 'GET')).toHaveLength(3);
  });

  it('does not make a second user when the POST answer was lost', async () => {
    const { fake, panel } = await setup();
    fake.misbehave({ status: 502, afterApply: true, method: 'POST' });
    const a = await panel.create(person(12), wo());
    expect(fake.users.list()).toHaveLength(1);
    expect(a.remoteId).toBe(fake.users.list()[0].id);
    expect(fake.requestLog.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('refuses lists that repeat a user, lost an id or were cut off', async () => {
    const { fake, panel } = await setup();
    fake.users.insert({ userName: 'a@example.com' });
    fake.users.insert({ userName: 'b@example.com' });
    for (const m of [{ duplicateIds: true }, { malformed: true }, { truncate: true }]) {
      fake.misbehave({ ...m, method: 'GET' });
      await expect(all(panel)).rejects.toBeInstanceOf(UpstreamError);
    }
  });

  it('passes the SCIM error detail through and keeps the token out', async () => {
    const { fake } = await setup();
    const bad = createScimPanel({ url: fake.url, token: 'not-the-token', retry: CONTRACT_RETRY });
    const t = await bad.test();
    expect(t.ok).toBe(false);
    expect(t.message).toContain('401');
    expect(t.message).not.toContain(fake.token);
  });

  it('is built from the spec with the endpoint and token', async () => {
    fake = await startScimFake();
    const panel = scimPanelSpec.create(scimPanelSpec.configSchema.parse({ endpoint: `${fake.url}/Users` }), { token: fake.token }, { retry: CONTRACT_RETRY });
    const t = await panel.test();
    expect(t).toMatchObject({ ok: true });
    expect(t.message).toContain('0 users');
  });
});
