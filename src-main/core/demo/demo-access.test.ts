import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../adapters/types';
import type { AccessPanel, RemoteAccount } from '../adapters/types';
import { generateDemoData } from './demo-people';
import { startDemoAccessServer } from './demo-access-server';
import type { DemoAccessServer } from './demo-access-server';
import { createDemoAccessPanel } from './demo-access-panel';

const TOKEN = 'access-token-91aa';
const FAST = { attempts: 3, baseDelayMs: 10, maxDelayMs: 3_000, timeoutMs: 2_000 };
const accounts = generateDemoData(1).accessAccounts;
const newcomer = { firstName: 'Ana', lastName: 'Lima', email: 'ana.lima@example.net', phone: '+14155550100', externalRef: 'R-99999' };

let server: DemoAccessServer;
let panel: AccessPanel;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'demo-access-'));
  server = await startDemoAccessServer({ accounts, token: TOKEN });
  panel = createDemoAccessPanel({ url: server.url, token: TOKEN, pageSize: 25, retry: FAST });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function listAll(p: AccessPanel): Promise<RemoteAccount[]> {
  const all: RemoteAccount[] = [];
  for await (const page of p.list()) all.push(...page);
  return all;
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  expect((err as Error).message).not.toContain(TOKEN);
  return err as UpstreamError;
}

const writes = () => server.requestLog.filter((r) => r.method !== 'GET');

describe('Demo Access server + panel', () => {
  it('tests the connection and reads every account page by page', async () => {
    await expect(panel.test()).resolves.toEqual({ ok: true, message: 'Connected to Demo Access.' });
    const denied = await createDemoAccessPanel({ url: server.url, token: 'bad', retry: FAST }).test();
    expect(denied).toEqual({ ok: false, message: expect.stringMatching(/rejected the API token \(401\)/) });

    const all = await listAll(panel);
    expect(all).toHaveLength(accounts.length);
    expect(server.requestLog.filter((r) => r.path === '/v1/users')).toHaveLength(Math.ceil(accounts.length / 25) + 2);
    const linked = accounts.find((a) => a.external_ref)!;
    expect(all.find((a) => a.remoteId === linked.id)).toEqual({
      remoteId: linked.id,
      firstName: linked.first_name,
      lastName: linked.last_name,
      email: linked.email,
      phone: linked.phone,
      suspended: linked.suspended,
      version: String(linked.version),
      externalRef: linked.external_ref,
    });
  });

  it('creates once per idempotency key, however often the request is sent', async () => {
    const first = await panel.create(newcomer, { idempotencyKey: 'create-R-99999' });
    const again = await panel.create(newcomer, { idempotencyKey: 'create-R-99999' });
    expect(again.remoteId).toBe(first.remoteId);
    expect(server.users.list()).toHaveLength(accounts.length + 1);
    const posts = writes();
    expect(posts.map((r) => [r.method, r.path, r.idempotencyKey, r.status, r.replayed])).toEqual([
      ['POST', '/v1/users', 'create-R-99999', 201, false],
      ['POST', '/v1/users', 'create-R-99999', 200, true],
    ]);
  });

  it('retries a create whose answer was lost without making a second account', async () => {
    server.misbehave({ status: 500, afterApply: true, method: 'POST' });
    const created = await panel.create(newcomer, { idempotencyKey: 'k-lost-reply' });
    expect(server.users.list().filter((u) => u.email === newcomer.email)).toEqual([expect.objectContaining({ id: created.remoteId })]);
    expect(writes().map((r) => r.status)).toEqual([500, 200]);
  });

  it('refuses a second account with a taken email (409)', async () => {
    const existing = accounts.find((a) => a.email)!;
    const err = await rejection(panel.create({ ...newcomer, email: existing.email!.toUpperCase() }, { idempotencyKey: 'k-409' }));
    expect(err.status).toBe(409);
    expect(err.message).toMatch(/already has another account with that email/);
    expect(server.users.list()).toHaveLength(accounts.length);
  });

  it('does not overwrite an out-of-band change (If-Match → 412)', async () => {
    const target = accounts.find((a) => a.external_ref)!;
    const read = (await panel.get(target.id))!;
    server.users.update(target.id, { last_name: 'Changed-Elsewhere' });

    const err = await rejection(panel.update(target.id, { firstName: 'Ours' }, { idempotencyKey: 'k-412', ifVersion: read.version }));
    expect(err.status).toBe(412);
    expect(server.users.get(target.id)!.first_name).toBe(target.first_name);

    const fresh = (await panel.get(target.id))!;
    const updated = await panel.update(target.id, { firstName: 'Ours' }, { idempotencyKey: 'k-412b', ifVersion: fresh.version });
    expect(updated).toMatchObject({ firstName: 'Ours', lastName: 'Changed-Elsewhere' });
    expect(Number(updated.version)).toBe(Number(fresh.version) + 1);
  });

  it('backs off on 429 for as long as Retry-After says', async () => {
    server.misbehave({ status: 429, retryAfterSeconds: 1, method: 'POST' });
    const started = Date.now();
    const created = await panel.create(newcomer, { idempotencyKey: 'k-429' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(created.email).toBe(newcomer.email);
    expect(writes().map((r) => r.status)).toEqual([429, 201]);
  });

  it('gives up after repeated 500s with a clear error', async () => {
    server.misbehave({ status: 500, times: Infinity });
    const err = await rejection(listAll(panel));
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/Demo Access failed \(500, server_error\) after 3 tries/);
  });

  it('never completes a list from a malformed, cut-off or duplicated page', async () => {
    server.misbehave({ malformed: true });
    expect((await rejection(listAll(panel))).message).toMatch(/users\.0\.id/);
    server.misbehave({ truncate: true });
    expect((await rejection(listAll(panel))).message).toMatch(/not complete JSON/);
    server.misbehave({ duplicateIds: true });
    expect((await rejection(listAll(panel))).message).toMatch(/appears more than once/);
  });

  it('suspends, resumes and removes accounts; removing a missing one is not an error', async () => {
    const target = accounts.find((a) => !a.suspended)!;
    expect(await panel.suspend(target.id, { idempotencyKey: 's1' })).toMatchObject({ suspended: true });
    expect(await panel.resume(target.id, { idempotencyKey: 'r1' })).toMatchObject({ suspended: false });
    await panel.remove(target.id, { idempotencyKey: 'd1' });
    await panel.remove(target.id, { idempotencyKey: 'd1' }); // replay
    await panel.remove(target.id, { idempotencyKey: 'd2' }); // already gone
    expect(await panel.get(target.id)).toBeNull();
    const err = await rejection(panel.suspend(target.id, { idempotencyKey: 's2' }));
    expect(err.status).toBe(404);
  });

  it('insists on an Idempotency-Key for creates', async () => {
    const res = await fetch(`${server.url}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'No', last_name: 'Key' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'idempotency_key_required' } });
  });

  it('keeps accounts and idempotency keys across a restart when given a state file', async () => {
    const stateFile = join(dir, 'demo-access.json');
    const first = await startDemoAccessServer({ accounts, token: TOKEN, stateFile });
    const p1 = createDemoAccessPanel({ url: first.url, token: TOKEN, retry: FAST });
    const created = await p1.create(newcomer, { idempotencyKey: 'persist-1' });
    await p1.suspend(accounts[0].id, { idempotencyKey: 'persist-2' });
    await first.close();

    // Seeds are ignored once state exists.
    const second = await startDemoAccessServer({ accounts: [], token: TOKEN, stateFile });
    try {
      const p2 = createDemoAccessPanel({ url: second.url, token: TOKEN, retry: FAST });
      expect(await p2.get(created.remoteId)).toMatchObject({ email: newcomer.email });
      expect(await p2.get(accounts[0].id)).toMatchObject({ suspended: true });
      expect(second.users.list()).toHaveLength(accounts.length + 1);
      const replay = await p2.create(newcomer, { idempotencyKey: 'persist-1' });
      expect(replay.remoteId).toBe(created.remoteId);
      const another = await p2.create({ ...newcomer, email: 'other@example.net' }, { idempotencyKey: 'persist-3' });
      expect(another.remoteId > created.remoteId).toBe(true);
      expect(readdirSync(dir)).toEqual(['demo-access.json']); // no temp files left behind
    } finally {
      await second.close();
    }
  });
});
