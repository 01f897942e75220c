import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from './core';
import type { Core } from './core';
import { dispatch } from '../contract/dispatch';
import type { CallInput, CallName, CallOutput } from '../contract/api';

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(opts: { dataDir?: string; seed?: boolean } = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rollcall-core-'));
  if (!opts.dataDir) dirs.push(dataDir);
  const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: opts.seed ?? true });
  cores.push(core);
  const call = async <K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> => {
    const out = await dispatch(core.handlers, name, input, { role: 'manager' });
    if (!out.ok) throw Object.assign(new Error(out.error.message), out.error);
    return out.result as CallOutput<K>;
  };
  return { core, call, dataDir };
}

describe('the core on a fresh data folder', () => {
  it('seeds the demo once and shows people, open alerts of every type, and activity', async () => {
    const { call, dataDir } = await start();
    const [site] = await call('sites.list', {});
    expect(site.isDemo).toBe(true);
    expect(site.peopleCount).toBeGreaterThan(200);
    expect(site.lastSyncAt).not.toBeNull();
    expect(site.lastSyncStatus).toBe('complete');
    const alerts = await call('alerts.list', { siteId: site.id });
    expect(new Set(alerts.map((a) => a.type))).toEqual(new Set(['duplicate_accounts', 'name_mismatch', 'email_mismatch', 'duplicate_emails']));
    expect(site.openAlerts).toBe(alerts.length);
    const activity = await call('activity.list', { siteId: site.id });
    expect(activity.total).toBe(300);

    // A second start on the same folder keeps the data and brings the demo upstreams back.
    await cores.pop()!.close();
    const again = await start({ dataDir });
    const sites = await again.call('sites.list', {});
    expect(sites).toHaveLength(1);
    const [run] = await again.call('sync.runNow', { siteId: site.id });
    expect(run.status).toBe('complete');
    expect(run.counts.processed).toBeGreaterThan(200);
  });

  it('does not seed the demo when asked not to, and a new site syncs nothing', async () => {
    const { call } = await start({ seed: false });
    expect(await call('sites.list', {})).toEqual([]);
    const site = await call('sites.create', { name: 'Maple Court' });
    expect(site.settings.integrationsEnabled).toBe(false);
    const [run] = await call('sync.runNow', { siteId: site.id });
    expect(run.status).toBe('complete');
    expect(await call('people.list', { siteId: site.id })).toMatchObject({ total: 0 });
    await expect(call('sites.create', { name: 'maple court' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('searches people by name, email, unit, external id and phone digits, and treats wildcards literally', async () => {
    const { call } = await start();
    const [site] = await call('sites.list', {});
    const all = await call('people.list', { siteId: site.id, limit: 1000 });
    const someone = all.rows.find((r) => r.phone && r.unit && r.email)!;
    for (const query of [someone.lastName, someone.email!.toUpperCase(), someone.externalId!, `${someone.firstName} ${someone.lastName}`]) {
      const found = await call('people.list', { siteId: site.id, query });
      expect(found.rows.map((r) => r.id)).toContain(someone.id);
    }
    const digits = someone.phone!.slice(-10);
    const spoken = `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
    expect((await call('people.list', { siteId: site.id, query: spoken })).rows.map((r) => r.id)).toContain(someone.id);
    expect((await call('people.list', { siteId: site.id, query: '%' })).total).toBe(0);
    expect((await call('people.list', { siteId: site.id, query: "'; DROP TABLE person; --" })).total).toBe(0);
    // Tabs count the same search.
    const residents = await call('people.list', { siteId: site.id, type: 'resident', limit: 5 });
    expect(residents.total).toBe(residents.countsByType.resident);
    expect(residents.rows).toHaveLength(5);
  });

  it('keeps admin-owned fields through a pass, and an admin disable is not undone by sync', async () => {
    const { call } = await start();
    const [site] = await call('sites.list', {});
    const { rows } = await call('people.list', { siteId: site.id, limit: 1 });
    await call('people.updateAdmin', { id: rows[0].id, patch: { accessEnabled: false, notes: 'Lost fob 3/2', customTags: ['vip'] } });
    await call('sync.runNow', { siteId: site.id });
    const after = await call('people.get', { id: rows[0].id });
    expect(after).toMatchObject({ accessEnabled: false, disabledBy: 'admin', notes: 'Lost fob 3/2', customTags: ['vip'] });
    expect(after.provenance.notes.by).toBe('admin');
  });

  it('explains a skipped record by the external id typed at the front desk', async () => {
    const { call } = await start();
    const [site] = await call('sites.list', {});
    const skipped = (await call('activity.list', { siteId: site.id, outcome: 'skipped', query: 'missing' })).rows[0]
      ?? (await call('activity.list', { siteId: site.id, outcome: 'skipped' })).rows[0];
    const why = await call('people.explain', { siteId: site.id, externalId: skipped.externalId! });
    expect(why.outcome).toBe('skipped');
    expect(why.headline).toMatch(/skipped/);
    expect(why.steps.length).toBeGreaterThan(0);
  });

  it('shows the full record for an unchanged entry, from the last entry that carried it', async () => {
    const { call } = await start();
    const [site] = await call('sites.list', {});
    await call('sync.runNow', { siteId: site.id });
    const [processed] = (await call('activity.list', { siteId: site.id, outcome: 'processed', limit: 1 })).rows;
    const detail = (await call('activity.get', { id: processed.id })).detail as Record<string, unknown>;
    expect(detail.record).toBeTruthy();
    expect(detail.unchangedSince).toMatch(/^\d{4}-/);
  });

  it('exports the activity log as CSV', async () => {
    const { call } = await start();
    const [site] = await call('sites.list', {});
    const out = await call('activity.export', { siteId: site.id, outcome: 'added' });
    const lines = out.csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^time,outcome,person/);
    expect(lines).toHaveLength(out.rows + 1);
    expect(lines.slice(1).every((l) => l.split(',')[1] === 'added')).toBe(true);
  });

  it('lets the demo play an edit made in the access system behind our back', async () => {
    const { core, call } = await start();
    const [account] = core.upstreams.demo!.access.users.list();
    const before = account.version;
    const out = await call('demo.editAccessAccount', { remoteId: account.id, patch: { lastName: 'Edited' } });
    expect(out.version).not.toBe(String(before));
    expect(core.upstreams.demo!.access.users.get(account.id)?.last_name).toBe('Edited');
    await expect(call('demo.editAccessAccount', { remoteId: 'nope', patch: {} })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('removes and resets the demo from the API', async () => {
    const { call } = await start();
    expect(await call('demo.remove', {})).toEqual({ removed: true });
    expect(await call('sites.list', {})).toEqual([]);
    const site = await call('demo.reset', {});
    expect(site.isDemo).toBe(true);
    expect(site.peopleCount).toBeGreaterThan(200);
    expect(await call('sites.list', {})).toHaveLength(1);
  });
});

describe('CSV import', () => {
  const csv = (text: string) => new TextEncoder().encode(text);

  it('imports a file into a site and later passes keep using the stored copy', async () => {
    const { core, call } = await start({ seed: false });
    const site = await call('sites.create', { name: 'Gym' });
    const result = await core.importCsv({
      siteId: site.id,
      fileName: 'members.csv',
      bytes: csv('Member ID;First Name;Last Name;E-mail;Status\nM-1;Zoë;Ng;zoe@example.com;Active\nM-2;Ana;Lopez;ana@example.com;Active\n'),
      enableIntegrations: true,
    });
    expect(result.report.delimiter).toBe(';');
    expect(result.run.status).toBe('complete');
    expect((await call('people.list', { siteId: site.id })).total).toBe(2);
    const [again] = await call('sync.runNow', { siteId: site.id });
    expect(again.status).toBe('complete');
    expect(again.counts.processed).toBe(2);
  });

  it('refuses a damaged file: the pass fails with line numbers and nobody is disabled', async () => {
    const { core, call } = await start({ seed: false });
    const site = await call('sites.create', { name: 'Tower' });
    await core.importCsv({
      siteId: site.id,
      fileName: 'a.csv',
      bytes: csv('id,first,last,email\n1,Ana,Lopez,ana@example.com\n2,Bo,Kim,bo@example.com\n'),
      enableIntegrations: true,
    });
    const bad = await core.importCsv({
      siteId: site.id,
      fileName: 'b.csv',
      bytes: csv('id,first,last,email\n1,Ana,Lopez,ana@example.com\n2,Bo\n'),
    });
    expect(bad.run.status).toBe('failed');
    expect(bad.run.error).toMatch(/line 3/);
    expect(bad.report.badRows.map((r) => r.line)).toEqual([3]);
    const people = await call('people.list', { siteId: site.id });
    expect(people.rows.every((p) => p.accessEnabled)).toBe(true);
  });
});
