import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessPanel, SourceConnector } from '../adapters/types';
import { startDemoAccessServer } from './demo-access-server';
import type { DemoAccessServer } from './demo-access-server';
import { createDemoAccessPanel } from './demo-access-panel';
import { generateDemoData } from './demo-people';
import type { DemoCases } from './demo-people';
import { startDemoSourceServer } from './demo-source-server';
import type { DemoSourceServer } from './demo-source-server';
import { createDemoSourceConnector } from './demo-source-connector';
import type { RetryPolicy } from '../adapters/http/upstream-http';

/**
 * The embedded demo's two fake upstream systems, started together on loopback ports that change
 * every launch. Tokens are random per launch too, so nothing secret is ever stored for the demo.
 * The property system is rebuilt from the seed each launch (deterministic); the access system
 * keeps its accounts in `${stateDir}/demo-access.json`, so what Rollcall did to it survives.
 */

export interface DemoUpstreams {
  source: DemoSourceServer;
  access: DemoAccessServer;
  sourceConnector(): SourceConnector;
  accessPanel(): AccessPanel;
  propertyCode: string;
  /** The deliberate alert cases of the seeded data (see demo-people.ts). */
  cases: DemoCases;
  close(): Promise<void>;
}

export interface DemoUpstreamsOptions {
  stateDir: string;
  seed?: number;
  /** Retry timing for the adapters; tests make it short. */
  retry?: Partial<RetryPolicy>;
}

export const DEMO_ACCESS_STATE_FILE = 'demo-access.json';

/** Demo systems are local and fast: give up sooner than a real vendor would warrant. */
const DEMO_RETRY: Partial<RetryPolicy> = { attempts: 3, baseDelayMs: 200, maxDelayMs: 5_000, timeoutMs: 10_000 };

export async function startDemoUpstreams(opts: DemoUpstreamsOptions): Promise<DemoUpstreams> {
  const data = generateDemoData(opts.seed ?? 1);
  mkdirSync(opts.stateDir, { recursive: true });
  const retry = { ...DEMO_RETRY, ...opts.retry };

  const source = await startDemoSourceServer({
    people: data.sourcePeople,
    token: randomBytes(24).toString('base64url'),
    propertyCode: data.propertyCode,
    propertyName: data.propertyName,
  });
  let access: DemoAccessServer;
  try {
    access = await startDemoAccessServer({
      accounts: data.accessAccounts,
      token: randomBytes(24).toString('base64url'),
      stateFile: join(opts.stateDir, DEMO_ACCESS_STATE_FILE),
    });
  } catch (err) {
    await source.close();
    throw err;
  }

  return {
    source,
    access,
    propertyCode: data.propertyCode,
    cases: data.cases,
    sourceConnector: () => createDemoSourceConnector({ url: source.url, token: source.token, retry }),
    accessPanel: () => createDemoAccessPanel({ url: access.url, token: access.token, retry }),
    async close() {
      await Promise.all([source.close(), access.close()]);
    },
  };
}

/** Forgets what happened in the demo access system; the next start seeds it afresh. */
export function resetDemoState(stateDir: string): void {
  rmSync(join(stateDir, DEMO_ACCESS_STATE_FILE), { force: true });
  // Leftovers of an interrupted write, if any.
  let names: string[] = [];
  try {
    names = readdirSync(stateDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(`${DEMO_ACCESS_STATE_FILE}.`) && name.endsWith('.tmp')) rmSync(join(stateDir, name), { force: true });
  }
}
