import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core } from '../core';
import { startSeamFake } from '../adapters/seam/fake-seam';
import type { SeamFake } from '../adapters/seam/fake-seam';
import { auditTableText, callAs } from '../audit/change-audit-harness';
import { MAX_VALUE_CHARS } from '../audit/change-audit';

/*
 * A secret in the wrong place never reaches the audit trail, not even in part: one that a long
 * value's cut would split, and a password with an "@" in an address.
 */

const FIRST_KEY = 'seam_first_key_4f9a0c1d2e3b';

const dirs: string[] = [];
const cores: Core[] = [];
const fakes: SeamFake[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const f of fakes.splice(0)) await f.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-conn-scrub-'));
  dirs.push(dataDir);
  const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: false });
  cores.push(core);
  const call = callAs(core, 'ana (manager)');
  const site = await call('sites.create', { name: 'Harbor View' });
  const fake = await startSeamFake();
  fakes.push(fake);
  await call('connections.add', {
    siteId: site.id,
    role: 'access',
    kind: 'seam',
    name: 'Doors',
    config: { baseUrl: fake.url, acsSystemId: fake.acsSystemId },
    secrets: { apiKey: FIRST_KEY },
  });
  return { core, call, siteId: site.id, fake };
}

describe('secrets in plain settings, as the audit stores them', () => {
  it('a saved key pasted where a long value is cut short leaves no part of it in the trail', async () => {
    const { core, call, siteId, fake } = await start();
    // The key starts a few characters before the cut: cut first, it would be stored in part.
    const groups = `${'g'.repeat(MAX_VALUE_CHARS - 10)}${FIRST_KEY}, more`;
    await call('connections.add', {
      siteId,
      role: 'access',
      kind: 'seam',
      name: 'Garage',
      config: { baseUrl: fake.url, acsSystemId: fake.acsSystemId, accessGroupIds: groups },
      secrets: { apiKey: 'seam_garage_key_0a1b2c3d' },
    });
    expect(auditTableText(core)).not.toContain(FIRST_KEY.slice(0, 9));
  });

  it('a password with an "@" in an address is hidden whole', async () => {
    const { core, call, siteId, fake } = await start();
    const url = new URL(fake.url);
    await call('connections.add', {
      siteId,
      role: 'access',
      kind: 'seam',
      name: 'Garage',
      config: { baseUrl: `${url.protocol}//svc:pa@ss-9f8e7d@${url.host}/`, acsSystemId: fake.acsSystemId },
      secrets: { apiKey: 'seam_garage_key_0a1b2c3d' },
    });
    const text = auditTableText(core);
    expect(text).not.toContain('9f8e7d');
    expect(text).toContain(url.host);
  });
});

describe('an edit whose database write fails', () => {
  it('leaves the saved secret as it was, so the old address never gets the key typed for the new one', async () => {
    const { core, call, siteId, fake } = await start();
    const doors = (await call('connections.list', { siteId })).access.find((a) => a.name === 'Doors')!;
    const other = await startSeamFake();
    fakes.push(other);
    // The audit entry that commits with the edit cannot be written (a full disk, say).
    core.db.sqlite.exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entry BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);

    await expect(
      call('connections.update', { id: doors.id, config: { baseUrl: other.url }, secrets: { apiKey: 'seam_key_for_the_new_place' } }),
    ).rejects.toThrow(/full/);

    core.db.sqlite.exec('DROP TRIGGER refuse_audit');
    const after = (await call('connections.list', { siteId })).access.find((a) => a.id === doors.id)!;
    expect(after.config.baseUrl).toBe(fake.url);
    const ref = core.db.sqlite.prepare('SELECT secret_ref FROM access_system WHERE id = ?').pluck().get(doors.id) as string;
    expect(core.upstreams.secrets.peek(ref)).toEqual({ apiKey: FIRST_KEY });
    expect(await core.upstreams.secrets.store.get(ref)).toBe(JSON.stringify({ apiKey: FIRST_KEY }));
  });
});
