import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannelSecretStore, serveSecretChannel } from './secret-channel';
import type { RawPort } from './secret-channel';
import { createFileSecretStore } from './file-secret-store';

/** Two ends of a message port, delivering asynchronously through structured clone, like Electron's. */
function portPair(): [RawPort, RawPort] {
  const subsA = new Set<(m: unknown) => void>();
  const subsB = new Set<(m: unknown) => void>();
  const deliver = (subs: Set<(m: unknown) => void>, m: unknown) => {
    const copy = structuredClone(m);
    setTimeout(() => subs.forEach((cb) => cb(copy)), 0);
  };
  return [
    { send: (m) => deliver(subsB, m), onMessage: (cb) => subsA.add(cb) },
    { send: (m) => deliver(subsA, m), onMessage: (cb) => subsB.add(cb) },
  ];
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('secrets over the parent port (the desktop core asks the main process)', () => {
  it('stores, reads and forgets through the host store, and passes its failures back as messages', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-channel-'));
    dirs.push(dataDir);
    const [coreEnd, hostEnd] = portPair();
    serveSecretChannel(createFileSecretStore({ dataDir }), hostEnd);
    const store = createChannelSecretStore(coreEnd);
    await store.set('connection:abc', 'sk_test_123456');
    expect(await store.get('connection:abc')).toBe('sk_test_123456');
    await store.delete('connection:abc');
    expect(await store.get('connection:abc')).toBeNull();
    expect(store.describe()).toMatch(/keychain/);
  });

  it('gives up with a clear message when nobody answers', async () => {
    const [coreEnd] = portPair();
    const store = createChannelSecretStore(coreEnd, { timeoutMs: 50 });
    await expect(store.get('connection:abc')).rejects.toThrow(/did not answer/);
  });
});
