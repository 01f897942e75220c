import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core } from '../core';
import { coresPerTest } from '../decisions/test-core';
import { auditCount, callAs, changeEntries } from '../audit/change-audit-harness';

/*
 * CSV imports, approving or discarding a held pass, and resetting or removing the demo are
 * audited with the host's actor; a dry run or a refused call leaves no entry.
 */

const ACTOR = 'dana (manager)';
const startDemo = coresPerTest();

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function startEmpty() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-import-audit-'));
  dirs.push(dataDir);
  const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: false });
  cores.push(core);
  const call = callAs(core, ACTOR);
  const site = await call('sites.create', { name: 'Maple Court' });
  return { core, call, siteId: site.id };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const staffFile = (n: number) =>
  ['Resident ID,First Name,Last Name,Email,Status', ...Array.from({ length: n }, (_, i) => `R-${i},Pat${i},Lee,pat${i}@example.com,Current`)].join('\n');

describe('audit of CSV imports and held passes', () => {
  it('records an applied import with its file and counts, a held one, and who approved or discarded the hold', async () => {
    const { core, call, siteId } = await startEmpty();
    const before = auditCount(core);
    // A dry run only previews, and a file that cannot be read changes nothing: no entries.
    await call('csv.import', { siteId, fileName: 'staff.csv', content: b64(staffFile(20)), dryRun: true });
    await expect(call('csv.import', { siteId, fileName: 'names.csv', content: b64('Name,Unit\nGrace,101\n') })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call('csv.import', { siteId, fileName: 'staff.csv', content: b64(staffFile(20)), enableIntegrations: true }, 'frontDesk')).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(auditCount(core)).toBe(before);

    await call('csv.import', { siteId, fileName: 'staff.csv', content: b64(staffFile(20)), enableIntegrations: true });
    // Fewer than half the people left: the guard holds the pass.
    const held = await call('csv.import', { siteId, fileName: 'staff-march.csv', content: b64(staffFile(5)) });
    expect(held.run.status).toBe('held');
    const approved = await call('sync.approveHeld', { runId: held.run.id });
    expect(approved.status).toBe('complete');

    await call('csv.import', { siteId, fileName: 'staff-april.csv', content: b64(staffFile(20)) });
    const heldAgain = await call('csv.import', { siteId, fileName: 'staff-may.csv', content: b64(staffFile(2)) });
    expect(heldAgain.run.status).toBe('held');
    await call('sync.discardHeld', { runId: heldAgain.run.id });
    // Approving or discarding it again is refused, and not audited.
    const count = auditCount(core);
    await expect(call('sync.discardHeld', { runId: heldAgain.run.id })).rejects.toMatchObject({ code: 'conflict' });
    await expect(call('sync.approveHeld', { runId: heldAgain.run.id })).rejects.toMatchObject({ code: 'conflict' });
    expect(auditCount(core)).toBe(count);

    const entries = (await changeEntries(call)).filter((e) => e.action !== 'site-created');
    expect(entries.map((e) => [e.action, e.actor, e.target, e.result, e.siteId])).toEqual([
      ['csv-imported', ACTOR, 'staff.csv', 'applied', siteId],
      ['csv-imported', ACTOR, 'staff-march.csv', 'held', siteId],
      ['held-pass-approved', ACTOR, 'Sync pass', 'applied', siteId],
      ['csv-imported', ACTOR, 'staff-april.csv', 'applied', siteId],
      ['csv-imported', ACTOR, 'staff-may.csv', 'held', siteId],
      ['held-pass-discarded', ACTOR, 'Sync pass', 'discarded', siteId],
    ]);
    expect(entries[0].message).toBe("CSV file 'staff.csv' imported: 20 records; 20 added; integrations were turned on for this site");
    expect(entries[0].detail).toMatchObject({ subject: 'csv-import', fileName: 'staff.csv', records: 20, counts: { added: 20 }, runId: expect.any(String) });
    expect(entries[1].message).toMatch(/^CSV file 'staff-march\.csv' stored: 5 records; the pass was held for approval/);
    expect(entries[2].message).toMatch(/^Held sync pass approved: .*15 disabled/);
    expect(entries[2].detail).toMatchObject({ runId: held.run.id });
    expect(entries[5].message).toMatch(/^Held sync pass discarded/);
    expect(entries[5].detail).toMatchObject({ runId: heldAgain.run.id });
  });

  it('records an import whose pass failed: the file was stored all the same', async () => {
    const { call, siteId } = await startEmpty();
    const broken = `${staffFile(3)}\nR-9,Cut`;
    const out = await call('csv.import', { siteId, fileName: 'broken.csv', content: b64(broken), enableIntegrations: true });
    expect(out.run.status).toBe('failed');
    const [entry] = (await changeEntries(call)).filter((e) => e.action === 'csv-imported');
    expect(entry).toMatchObject({ target: 'broken.csv', result: 'failed', actor: ACTOR });
    expect(entry.message).toMatch(/^CSV file 'broken\.csv' stored, but the pass failed: /);
  });
});

describe('audit of demo reset and remove', () => {
  it('records who reset and who removed the demo; removing nothing is not a change', async () => {
    const t = await startDemo({ actor: ACTOR });
    const site = await t.call('demo.reset', {});
    await t.call('demo.remove', {});
    const count = auditCount(t.core);
    expect(await t.call('demo.remove', {})).toEqual({ removed: false });
    expect(auditCount(t.core)).toBe(count);

    const entries = await changeEntries(t.call);
    expect(entries.map((e) => [e.action, e.actor, e.siteId, e.result])).toEqual([
      ['demo-reset', ACTOR, site.id, 'done'],
      ['demo-removed', ACTOR, null, 'done'],
    ]);
    expect(entries[0].message).toBe(`Demo site '${site.name}' reset: its people, alerts and history started over`);
    expect(entries[1].message).toBe(`Demo site '${site.name}' removed`);
    // An app-wide entry shows on every site's trail.
    const other = await t.call('sites.create', { name: 'Maple Court' });
    const trail = await t.call('audit.list', { siteId: other.id });
    expect(trail.rows.map((r) => r.action)).toEqual(['site-created', 'demo-removed']);
  });
});
