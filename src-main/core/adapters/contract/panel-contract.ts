import { randomUUID } from 'node:crypto';
import { describe, expect, it, afterEach } from 'vitest';
import { UpstreamError } from '../types';
import type { AccessPanel, AccountInput, RemoteAccount } from '../types';
import { CONTRACT_RETRY, expectNoSecrets } from './fault-control';
import type { FaultControl } from './fault-control';

export interface PanelFixture {
  panel: AccessPanel;
  withBadCredentials(): AccessPanel;
  fake: FaultControl;
  secrets: string[];
  /** Change an account behind our back (another admin in the vendor's own console). */
  changeOutOfBand?(remoteId: string): Promise<void>;
  close(): Promise<void>;
}

export interface PanelHarness {
  start(retry: typeof CONTRACT_RETRY): Promise<PanelFixture>;
  /** The system reports versions (ETag / version / updated-at) and honours If-Match. */
  versions: boolean;
  /** The system keeps our external reference on the account. */
  keepsExternalRef: boolean;
}

const key = () => `contract-${randomUUID()}`;

function person(n: number): AccountInput {
  return { firstName: 'Zoë', lastName: `Contract-${n}`, email: `contract${n}-${randomUUID().slice(0, 8)}@example.com`, phone: '+14155550100', externalRef: `ext-${n}` };
}

async function listAll(panel: AccessPanel): Promise<RemoteAccount[]> {
  const out: RemoteAccount[] = [];
  for await (const page of panel.list()) out.push(...page);
  return out;
}

/** The behaviour every access-system adapter promises, run against its own fake. */
export function describePanelContract(name: string, harness: PanelHarness): void {
  describe(`${name} panel contract`, () => {
    let fixture: PanelFixture | null = null;
    const start = async () => (fixture = await harness.start(CONTRACT_RETRY));
    afterEach(async () => {
      await fixture?.close();
      fixture = null;
    });

    it('passes its live test, and fails it clearly with bad credentials', async () => {
      const f = await start();
      expect((await f.panel.test()).ok).toBe(true);
      const bad = await f.withBadCredentials().test();
      expect(bad.ok).toBe(false);
      expectNoSecrets(bad.message, f.secrets);
    });

    it('creates an account once, however often the same write is retried', async () => {
      const f = await start();
      const input = person(1);
      const k = key();
      const a = await f.panel.create(input, { idempotencyKey: k });
      const b = await f.panel.create(input, { idempotencyKey: k });
      expect(b.remoteId).toBe(a.remoteId);
      const all = await listAll(f.panel);
      expect(all.filter((x) => x.email === input.email)).toHaveLength(1);
      const got = await f.panel.get(a.remoteId);
      expect(got).toMatchObject({ firstName: 'Zoë', lastName: input.lastName, email: input.email, suspended: false });
      if (harness.keepsExternalRef) expect(got?.externalRef).toBe(input.externalRef);
    });

    it('updates, suspends, resumes and removes an account', async () => {
      const f = await start();
      const a = await f.panel.create(person(2), { idempotencyKey: key() });
      const u = await f.panel.update(a.remoteId, { lastName: 'Renamed' }, { idempotencyKey: key() });
      expect(u.lastName).toBe('Renamed');
      expect((await f.panel.suspend(a.remoteId, { idempotencyKey: key() })).suspended).toBe(true);
      expect((await f.panel.resume(a.remoteId, { idempotencyKey: key() })).suspended).toBe(false);
      await f.panel.remove(a.remoteId, { idempotencyKey: key() });
      expect(await f.panel.get(a.remoteId)).toBeNull();
      // Removing what is already gone is not an error: the goal is reached.
      await f.panel.remove(a.remoteId, { idempotencyKey: key() });
    });

    it.skipIf(!harness.versions)('refuses to overwrite an account that changed since it was read', async () => {
      const f = await start();
      const a = await f.panel.create(person(3), { idempotencyKey: key() });
      await f.changeOutOfBand!(a.remoteId);
      const err = await f.panel.update(a.remoteId, { firstName: 'Stale' }, { idempotencyKey: key(), ifVersion: a.version }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).status).toBe(412);
      const now = await f.panel.get(a.remoteId);
      expect(now?.firstName).not.toBe('Stale');
    });

    it('lists every account across pages', async () => {
      const f = await start();
      const made = [];
      for (let i = 0; i < 7; i++) made.push(await f.panel.create(person(10 + i), { idempotencyKey: key() }));
      const ids = new Set((await listAll(f.panel)).map((a) => a.remoteId));
      for (const m of made) expect(ids.has(m.remoteId)).toBe(true);
    });

    it('retries a rate-limited write and still applies it once', async () => {
      const f = await start();
      f.fake.misbehave({ status: 429, retryAfterSeconds: 1, times: 1, method: 'POST' });
      const input = person(4);
      const a = await f.panel.create(input, { idempotencyKey: key() });
      expect((await listAll(f.panel)).filter((x) => x.email === input.email)).toHaveLength(1);
      expect(a.email).toBe(input.email);
    });

    it('gives a clear error when the server keeps failing, without leaking credentials', async () => {
      const f = await start();
      f.fake.misbehave({ status: 500, times: Infinity });
      const err = await listAll(f.panel).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expectNoSecrets((err as Error).message, f.secrets);
    });
  });
}
