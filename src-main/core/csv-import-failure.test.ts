import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from './core';
import type { Core } from './core';
import { callAs } from './audit/change-audit-harness';

/*
 * An import whose file cannot be stored (a full disk, a data folder it may not write) changes
 * nothing: the site's integrations stay as they were, and no CSV source is left pointing at a
 * file that is not there.
 */

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const file = ['Resident ID,First Name,Last Name,Email,Status', 'R-1,Pat,Lee,pat@example.com,Current'].join('\n');

describe('a CSV import that cannot store its file', () => {
  it('leaves integrations off and adds no source', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-csv-fail-'));
    dirs.push(dataDir);
    const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: false });
    cores.push(core);
    const call = callAs(core, 'ana (manager)');
    const site = await call('sites.create', { name: 'Maple Court' });
    expect((await call('settings.get', { siteId: site.id })).settings.integrationsEnabled).toBe(false);
    // Where the imports folder should be, a plain file: storing the import fails.
    writeFileSync(join(dataDir, 'imports'), 'not a folder');

    await expect(core.importCsv({ siteId: site.id, fileName: 'staff.csv', bytes: Buffer.from(file), enableIntegrations: true })).rejects.toThrow();

    const view = await call('settings.get', { siteId: site.id });
    expect(view.settings.integrationsEnabled).toBe(false);
    expect(core.db.sqlite.prepare(`SELECT count(*) FROM source_connection WHERE kind = 'csv'`).pluck().get()).toBe(0);
  });
});
