import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import type { AccessPanel, AccountInput, RemoteAccount } from '../types';
import { CONTRACT_RETRY, expectNoSecrets } from '../contract/fault-control';
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

/** A bare HTTP server that records request URLs and answers from `reply` (for wire-level checks). */
async function rawServer(reply: (method: string, url: string) => { status: number; body?: unknown }): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      const r = reply(req.method ?? 'GET', req.url ?? '/');
      res.writeHead(r.status, r.body === undefined ? {} : { 'content-type': 'application/scim+json' });
      res.end(r.body === undefined ? undefined : JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const emptyList = { schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] };
const createdUser = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u-1', userName: 'x@example.com', externalId: 'x' };

describe('SCIM media types and attribute names', () => {
  it('sends every body as application/scim+json and reads application/json replies', async () => {
    const { fake, panel } = await setup({ replyMediaType: 'application/json; charset=utf-8' });
    const a = await panel.create(person(20), wo());
    await panel.update(a.remoteId, { firstName: 'Media' }, wo());
    expect((await all(panel)).map((x) => x.firstName)).toEqual(['Media']);
    expect(fake.contentTypes.length).toBeGreaterThanOrEqual(2);
    for (const t of fake.contentTypes) expect(t).toMatch(/^application\/scim\+json/);
  });

  it('reads users whose attribute names come in another case (RFC 7643 §2.1)', async () => {
    const { fake, panel } = await setup({ attributeCase: 'lower' });
    const a = await panel.create(person(21), wo());
    expect(a).toMatchObject({ firstName: 'Ines', lastName: 'Scim-21', email: 'scim21@example.com', externalRef: 'person-21', version: 'W/"1"' });
    const again = await panel.create(person(21), wo());
    expect(again.remoteId).toBe(a.remoteId);
    const s = await panel.suspend(a.remoteId, { ...wo(), ifVersion: a.version });
    expect(s).toMatchObject({ suspended: true, version: 'W/"2"' });
    const [listed] = await all(panel);
    expect(listed).toMatchObject({ remoteId: a.remoteId, firstName: 'Ines', suspended: true, phone: '+14155550123' });
    expect(fake.users.list()).toHaveLength(1);
  });

  it('reads multi-valued attributes with or without primary, and primary sent as a string', () => {
    const base = { id: 'u9', userName: 'm@example.com' };
    const marked = scimUserSchema.parse({ ...base, emails: [{ value: 'home@x.example', type: 'home' }, { value: 'work@x.example', primary: 'true' }] });
    expect(toRemote(marked).email).toBe('work@x.example');
    const unmarked = scimUserSchema.parse({ ...base, emails: [{ value: '' }, { value: 'second@x.example', type: 'work' }], phoneNumbers: [{ value: '+1555', primary: false }] });
    expect(toRemote(unmarked)).toMatchObject({ email: 'second@x.example', phone: '+1555' });
    expect(toRemote(scimUserSchema.parse({ ...base, active: 'FALSE' })).suspended).toBe(true);
    expect(scimUserSchema.safeParse({ ...base, active: 'maybe' }).success).toBe(false);
  });
});

describe('SCIM paging edge cases', () => {
  it('ends after one page when the server ignores count and leaves out itemsPerPage', async () => {
    const { fake, panel } = await setup({ ignoreCount: true, omitItemsPerPage: true }, 2);
    for (let i = 0; i < 5; i++) fake.users.insert({ userName: `ic${i}@example.com` });
    const before = fake.requestLog.length;
    expect(await all(panel)).toHaveLength(5);
    expect(fake.requestLog.slice(before).filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('refuses a list that stops short of its totalResults instead of passing it off as complete', async () => {
    const { fake, panel } = await setup({ listStopsAfter: 2 }, 2);
    for (let i = 0; i < 5; i++) fake.users.insert({ userName: `short${i}@example.com` });
    const err = (await all(panel).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.message).toMatch(/incomplete: it reported 5 users but sent 2/);
  });

  it('stops when a server ignores startIndex and serves page 1 again', async () => {
    const page = { schemas: [LIST], totalResults: 4, startIndex: 1, itemsPerPage: 2, Resources: [{ id: 'a', userName: 'a' }, { id: 'b', userName: 'b' }] };
    const raw = await rawServer(() => ({ status: 200, body: page }));
    try {
      const panel = createScimPanel({ url: raw.url, token: 't0ken-value', retry: CONTRACT_RETRY, pageSize: 2 });
      const err = (await all(panel).catch((e: unknown) => e)) as UpstreamError;
      expect(err.message).toMatch(/starts at 1 where 3 was asked for/);
      expect(raw.seen).toHaveLength(2);
    } finally {
      await raw.close();
    }
  });

  it('refuses a list whose totalResults moves while it is read', async () => {
    const { fake, panel } = await setup({}, 2);
    for (let i = 0; i < 4; i++) fake.users.insert({ userName: `mv${i}@example.com` });
    const it = panel.list()[Symbol.asyncIterator]();
    await it.next();
    fake.users.insert({ userName: 'late@example.com' });
    await expect(it.next()).rejects.toThrow(/changed while it was being read/);
  });
});

describe('SCIM filters and base URLs', () => {
  it('escapes quotes and backslashes in filter values and encodes spaces as %20', async () => {
    const raw = await rawServer((method) => (method === 'GET' ? { status: 200, body: emptyList } : { status: 201, body: createdUser }));
    try {
      const panel = createScimPanel({ url: `${raw.url}/scim/v2`, token: 't0ken-value', retry: CONTRACT_RETRY });
      await panel.create(person(30, { externalRef: 'o"brien\\x y+z' }), wo());
      const get = raw.seen.find((s) => s.startsWith('GET'))!;
      expect(get).toContain('/scim/v2/Users?filter=externalId%20eq%20%22o%5C%22brien%5C%5Cx%20y%2Bz%22&');
      expect(get).not.toContain('+');
      const filter = new URL(get.slice(4), 'http://x').searchParams.get('filter');
      expect(filter).toBe('externalId eq "o\\"brien\\\\x y+z"');
    } finally {
      await raw.close();
    }
  });

  it('finds its own user again when the reference holds quotes and backslashes (real filter parser)', async () => {
    const { fake, panel } = await setup();
    const input = person(31, { externalRef: 'ref "quoted" \\ slash' });
    const a = await panel.create(input, wo());
    const b = await panel.create(input, wo());
    expect(b.remoteId).toBe(a.remoteId);
    expect(fake.users.list()).toHaveLength(1);
    expect(fake.users.get(a.remoteId)!.externalId).toBe('ref "quoted" \\ slash');
  });

  it.each([
    ['a trailing slash', '/'],
    ['a pasted /Users', '/Users'],
    ['/Users/ with a slash', '/Users/'],
  ])('works with a base URL ending in %s', async (_label, suffix) => {
    fake = await startScimFake();
    const panel = createScimPanel({ url: `${fake.url}${suffix}`, token: fake.token, retry: CONTRACT_RETRY });
    expect((await panel.test()).ok).toBe(true);
    const a = await panel.create(person(32), wo());
    expect((await panel.get(a.remoteId))?.remoteId).toBe(a.remoteId);
  });

  it('keeps the path prefix and any query string of the base URL on every request', async () => {
    const raw = await rawServer((method) => (method === 'GET' ? { status: 200, body: emptyList } : { status: 201, body: createdUser }));
    try {
      const panel = createScimPanel({ url: `${raw.url}/tenant/scim/v2/?tenant=acme`, token: 't0ken-value', retry: CONTRACT_RETRY });
      expect((await panel.test()).ok).toBe(true);
      await panel.create(person(33), wo());
      expect(raw.seen[0]).toBe('GET /tenant/scim/v2/Users?tenant=acme&startIndex=1&count=1');
      expect(raw.seen.find((s) => s.startsWith('POST'))).toBe('POST /tenant/scim/v2/Users?tenant=acme');
    } finally {
      await raw.close();
    }
  });
});

describe('SCIM versions, conflicts and errors', () => {
  it('takes the version from the ETag header when meta.version is absent, and a listed (hash) version still writes', async () => {
    const { fake, panel } = await setup({ etagHeaderOnly: true });
    const a = await panel.create(person(40), wo());
    expect(a.version).toBe('W/"1"');
    const [listed] = await all(panel);
    expect(listed.version).toMatch(/^h:/);
    const u = await panel.update(a.remoteId, { firstName: 'Hashed' }, { ...wo(), ifVersion: listed.version });
    expect(u.firstName).toBe('Hashed');
    // The re-read's ETag went along as If-Match, closing the gap between check and write.
    expect(fake.ifMatches).toEqual(['W/"1"']);
  });

  it('does not report its own retried PATCH as a conflict when the first answer was lost', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(41), wo());
    fake.misbehave({ status: 502, afterApply: true, method: 'PATCH' });
    const s = await panel.suspend(a.remoteId, { ...wo(), ifVersion: a.version });
    expect(s.suspended).toBe(true);
    expect(fake.requestLog.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([502, 412]);
    expect(fake.users.get(a.remoteId)!.active).toBe(false);
  });

  it('still refuses a 412 when the retried write did not land as ours', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(42), wo());
    fake.users.update(a.remoteId, { active: false });
    fake.misbehave({ status: 503, retryAfterSeconds: 0, method: 'PATCH' });
    const err = (await panel.update(a.remoteId, { firstName: 'Mine' }, { ...wo(), ifVersion: a.version }).catch((e: unknown) => e)) as UpstreamError;
    expect(err.status).toBe(412);
    expect(fake.users.get(a.remoteId)!.name?.givenName).toBe('Ines');
  });

  it('retries a 503 with Retry-After on an update and applies it once', async () => {
    const { fake, panel } = await setup();
    const a = await panel.create(person(43), wo());
    fake.misbehave({ status: 503, retryAfterSeconds: 0, method: 'PATCH' });
    expect((await panel.update(a.remoteId, { lastName: 'Later' }, wo())).lastName).toBe('Later');
    expect(fake.requestLog.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([503, 200]);
  });

  it('PUTs a whole resource with schemas even when the server left them out of its GET', async () => {
    const { fake, panel } = await setup({ noPatch: true, omitSchemas: true });
    const a = await panel.create(person(44), wo());
    const s = await panel.suspend(a.remoteId, wo());
    expect(s.suspended).toBe(true);
    expect(fake.requestLog.find((r) => r.method === 'PUT')!.status).toBe(200);
    expect(fake.users.get(a.remoteId)).toMatchObject({ active: false, externalId: 'person-44' });
  });

  it('adopts its own user on a 409 when the externalId search had not seen it yet', async () => {
    const { fake, panel } = await setup({ uniqueExternalId: true });
    // Created by an earlier try, under the email the person had then.
    const pre = fake.users.insert({ userName: 'old-address@example.com', externalId: 'person-45' });
    // The first search comes back empty (servers that index with a delay do this).
    fake.misbehave({ emptyList: true, method: 'GET' });
    const a = await panel.create(person(45), wo());
    expect(a.remoteId).toBe(pre.id);
    expect(fake.requestLog.find((r) => r.method === 'POST')!.status).toBe(409);
    expect(fake.users.list()).toHaveLength(1);
  });

  it('keeps the token out of SCIM error details and names the scimType', async () => {
    const secret = 'scim-secret-token-456';
    const raw = await rawServer((method) =>
      method === 'GET'
        ? { status: 200, body: emptyList }
        : { status: 400, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail: `bearer ${secret} may not\nset userName` } },
    );
    try {
      const panel = createScimPanel({ url: raw.url, token: secret, retry: CONTRACT_RETRY });
      const err = (await panel.create(person(46), wo()).catch((e: unknown) => e)) as UpstreamError;
      expect(err.status).toBe(400);
      expect(err.message).toContain('invalidValue: bearer *** may not set userName');
      expectNoSecrets(err.message, [secret]);
    } finally {
      await raw.close();
    }
  });

  it('refuses a body that is not JSON at the fake, as a strict server would', async () => {
    const { fake } = await setup();
    const res = await fetch(`${fake.url}/Users`, { method: 'POST', headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'text/plain' }, body: '{}' });
    expect(res.status).toBe(415);
  });
});
