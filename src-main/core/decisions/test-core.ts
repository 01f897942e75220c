import { mkdtempSync, rmSync } from 'node:fs';
import { afterEach } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../core';
import type { Core, CoreOptions } from '../core';
import { dispatch } from '../../contract/dispatch';
import type { CallInput, CallName, CallOutput } from '../../contract/api';
import type { AlertReviewRow } from '../../contract/calls/decisions';
import type { AlertType } from '../../contract/dto';
import type { PairDetail } from '../alerts/alert-detail';
import { startSeamFake } from '../adapters/seam/fake-seam';
import type { SeamFake } from '../adapters/seam/fake-seam';

/*
 * Test-only: a real core on a temp data folder with the demo seeded (its fake property system
 * and access system run on 127.0.0.1), and typed calls through the same dispatch the hosts use.
 */

export interface TestCore {
  core: Core;
  dataDir: string;
  siteId: string;
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  alerts(type?: AlertType, status?: 'open' | 'all'): Promise<AlertReviewRow[]>;
  close(): Promise<void>;
}

const dirs: string[] = [];

export async function startTestCore(opts: { dataDir?: string; now?: () => Date; actor?: string } & Partial<CoreOptions> = {}): Promise<TestCore> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rollcall-decisions-'));
  if (!opts.dataDir) dirs.push(dataDir);
  const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: true, now: opts.now });
  const call = async <K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> => {
    const out = await dispatch(core.handlers, name, input, { role: 'manager', actor: opts.actor ?? 'tester' });
    if (!out.ok) throw Object.assign(new Error(out.error.message), out.error);
    return out.result as CallOutput<K>;
  };
  const [site] = await call('sites.list', {});
  let closing: Promise<void> | null = null;
  return {
    core,
    dataDir,
    siteId: site.id,
    call,
    alerts: (type, status = 'open') => call('alerts.query', { siteId: site.id, type, status }),
    // Idempotent: a test may close a core itself (to restart on its data) before the file's clean-up does.
    close: () => (closing ??= core.close()),
  };
}

export function removeTestDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * `start` for a test file: each core it starts is closed, and its data folder removed, after
 * the test that started it.
 */
export function coresPerTest(): (opts?: Parameters<typeof startTestCore>[0]) => Promise<TestCore> {
  const cores: TestCore[] = [];
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close();
    removeTestDirs();
  });
  return async (opts = {}) => {
    const t = await startTestCore(opts);
    cores.push(t);
    return t;
  };
}

/** The detail of a one-to-one alert (duplicate accounts, name or email mismatch). */
export const pair = (a: { detail: Record<string, unknown> }) => a.detail as unknown as PairDetail;

/** The demo access system's accounts with this email. */
export const usersWithEmail = (t: TestCore, email: string) =>
  t.core.upstreams.demo!.access.users.list().filter((u) => u.email?.toLowerCase() === email.toLowerCase());

/**
 * Seam's own fake over HTTP, connected to the test core's site as the access system "Doors".
 * Closed after the test, with the core.
 */
export function seamDoorsPerTest(): (t: TestCore) => Promise<{ fake: SeamFake; systemId: string }> {
  const fakes: SeamFake[] = [];
  afterEach(async () => {
    for (const f of fakes.splice(0)) await f.close();
  });
  return async (t) => {
    const fake = await startSeamFake();
    fakes.push(fake);
    const system = await t.call('connections.add', {
      siteId: t.siteId,
      role: 'access',
      kind: 'seam',
      name: 'Doors',
      config: { baseUrl: fake.url, acsSystemId: fake.acsSystemId },
      secrets: { apiKey: fake.apiKey },
    });
    return { fake, systemId: system.id };
  };
}
