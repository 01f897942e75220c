import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../adapters/types';
import { generateDemoData } from './demo-people';
import { resetDemoState, startDemoUpstreams } from './demo-upstreams';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'demo-upstreams-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('demo upstreams', () => {
  it('starts both systems with seeded data and working adapters', async () => {
    const demo = await startDemoUpstreams({ stateDir: dir });
    try {
      expect(demo.propertyCode).toBe('HVA01');
      expect((await demo.sourceConnector().test()).ok).toBe(true);
      expect((await demo.accessPanel().test()).ok).toBe(true);
      const records: SourceRecord[] = [];
      for await (const page of demo.sourceConnector().list()) records.push(...page);
      const seeded = generateDemoData(1);
      expect(records).toHaveLength(seeded.sourcePeople.length);
      expect(new Set(records.map((r) => r.siteKey))).toEqual(new Set(['HVA01']));
      expect(demo.access.users.list()).toEqual(seeded.accessAccounts);
      expect(demo.cases).toEqual(seeded.cases);
      expect(existsSync(join(dir, 'demo-access.json'))).toBe(true);
    } finally {
      await demo.close();
    }
  });

  it('keeps access changes across launches, with new tokens each time, until reset', async () => {
    const first = await startDemoUpstreams({ stateDir: dir });
    const created = await first.accessPanel().create(
      { firstName: 'Kept', lastName: 'Around', email: 'kept@example.net', phone: null, externalRef: 'R-1' },
      { idempotencyKey: 'launch-1' },
    );
    const firstTokens = [first.source.token, first.access.token];
    await first.close();

    const second = await startDemoUpstreams({ stateDir: dir });
    try {
      expect([second.source.token, second.access.token]).not.toEqual(firstTokens);
      expect(await second.accessPanel().get(created.remoteId)).toMatchObject({ email: 'kept@example.net' });
    } finally {
      await second.close();
    }

    resetDemoState(dir);
    expect(existsSync(join(dir, 'demo-access.json'))).toBe(false);
    const third = await startDemoUpstreams({ stateDir: dir });
    try {
      expect(await third.accessPanel().get(created.remoteId)).toBeNull();
      expect(third.access.users.list()).toHaveLength(generateDemoData(1).accessAccounts.length);
    } finally {
      await third.close();
    }
  });

  it('resetting a directory that was never used is harmless', () => {
    expect(() => resetDemoState(join(dir, 'missing'))).not.toThrow();
  });
});
