import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createCore } from './core';
import type { Core } from './core';
import { dispatch } from '../contract/dispatch';
import type { CallInput, CallName, CallOutput } from '../contract/api';
import type { Role } from '../contract/define';

/*
 * Test-only: a real core on a temp data folder with no demo, one new site, and typed calls through
 * the same dispatch the hosts use (as a manager unless told). For tests that bring their own people,
 * such as CSV imports; decisions/test-core.ts starts one with the demo instead.
 */

export interface EmptyCore {
  core: Core;
  dataDir: string;
  siteId: string;
  call<K extends CallName>(name: K, input: CallInput<K>, role?: Role): Promise<CallOutput<K>>;
}

/** `start` for a test file: every core it starts is closed, and its folder removed, after the test. */
export function emptyCoresPerTest(): (siteName: string) => Promise<EmptyCore> {
  const dirs: string[] = [];
  const cores: Core[] = [];
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return async (siteName) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-empty-'));
    dirs.push(dataDir);
    const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: false });
    cores.push(core);
    const call = async <K extends CallName>(name: K, input: CallInput<K>, role: Role = 'manager'): Promise<CallOutput<K>> => {
      const out = await dispatch(core.handlers, name, input, { role });
      if (!out.ok) throw Object.assign(new Error(out.error.message), out.error);
      return out.result as CallOutput<K>;
    };
    const site = await call('sites.create', { name: siteName });
    return { core, dataDir, siteId: site.id, call };
  };
}
