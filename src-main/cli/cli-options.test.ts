import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

/* Options a script or a hurried admin gets slightly wrong: the CLI must refuse, never guess wide. */

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rollcall-cli-opts-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const lines: string[] = [];
  const code = await runCli(argv, { out: (l) => lines.push(l), env: { ROLLCALL_DATA_DIR: dir } });
  return { code, text: lines.join('\n') };
}

async function twoSitesWithPeople() {
  for (const [site, id] of [
    ['Maple Court', 'M'],
    ['Tower', 'T'],
  ]) {
    await cli('add-site', site);
    const file = join(dir, `${id}.csv`);
    writeFileSync(file, `Resident ID,First Name,Last Name,Email,Lease Status\n${id}-1,Ana,Lopez,${id}1@example.com,Current\n${id}-2,Bo,Kim,${id}2@example.com,Current\n`);
    expect((await cli('import-csv', file, '--site', site, '--enable-integrations')).code).toBe(0);
  }
}

describe('CLI options', () => {
  it('people --json with no --site lists the people of every site', async () => {
    await twoSitesWithPeople();
    const all = await cli('people', '--json');
    expect(all.code).toBe(0);
    const ids = JSON.parse(all.text).map((p: { externalId: string }) => p.externalId).sort();
    expect(ids).toEqual(['M-1', 'M-2', 'T-1', 'T-2']);
  });

  it('--site given without a value is refused, not read as "every site"', async () => {
    await twoSitesWithPeople();
    const before = JSON.parse((await cli('sites', '--json')).text).map((s: { lastSyncAt: string }) => s.lastSyncAt);
    await expect(cli('sync', '--site')).rejects.toThrow(/--site/);
    await expect(cli('sync', '--site', '--dry-run')).rejects.toThrow(/--site/);
    await expect(cli('sync', '--site=')).rejects.toThrow(/--site/);
    await expect(cli('push', '--site')).rejects.toThrow(/--site/);
    await expect(cli('people', '--site', '--json')).rejects.toThrow(/--site/);
    const after = JSON.parse((await cli('sites', '--json')).text).map((s: { lastSyncAt: string }) => s.lastSyncAt);
    expect(after).toEqual(before);
  });

  it('a misspelt role is refused by name before anything runs, not given manager or no rights', async () => {
    await expect(cli('sync', '--role', 'frontdesk')).rejects.toThrow(/Unknown role "frontdesk": use frontDesk or manager/);
    await expect(runCli(['sites'], { out: () => undefined, env: { ROLLCALL_DATA_DIR: dir, ROLLCALL_ROLE: 'admin' } })).rejects.toThrow(/Unknown role "admin"/);
    // Front desk may read, but not add a site.
    expect((await cli('sites', '--role', 'frontDesk')).code).toBe(0);
    await expect(cli('add-site', 'Lobby', '--role', 'frontDesk')).rejects.toThrow(/manager/i);
  });

  it('bulk-delete previews by default, deletes only with --yes and the previewed set, and turns the source off', async () => {
    await twoSitesWithPeople();
    const preview = await cli('bulk-delete', '--site', 'Tower');
    expect(preview.code).toBe(0);
    expect(preview.text).toMatch(/^2 people synced from every source of Tower would be deleted/);
    expect(preview.text).toMatch(/Nothing was deleted/);
    const token = /token (\S+)\)/.exec(preview.text)![1];
    await expect(cli('bulk-delete', '--site', 'Tower', '--yes', '--token', '3:not-this-set')).rejects.toThrow(/changed since the preview/);
    const done = await cli('bulk-delete', '--site', 'Tower', '--yes', '--token', token, '--json');
    expect(JSON.parse(done.text)).toMatchObject({ deleted: 2, sourcesTurnedOff: [expect.any(String)] });
    const left = JSON.parse((await cli('people', '--json')).text).map((p: { externalId: string }) => p.externalId).sort();
    expect(left).toEqual(['M-1', 'M-2']);
    // The source is off: a pass does not bring them back.
    await cli('sync', '--site', 'Tower');
    expect(JSON.parse((await cli('people', '--site', 'Tower', '--json')).text)).toEqual([]);
  });

  it('activity --limit that is not a whole number from 1 to 1000 is named in the error', async () => {
    await twoSitesWithPeople();
    await expect(cli('activity', '--site', 'Tower', '--limit', 'ten')).rejects.toThrow(/--limit/);
    const ok = await cli('activity', '--site', 'Tower', '--limit', '1', '--json');
    expect(JSON.parse(ok.text)).toHaveLength(1);
  });
});
