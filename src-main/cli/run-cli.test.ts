import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rollcall-cli-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const lines: string[] = [];
  const code = await runCli(argv, { out: (l) => lines.push(l), env: { ROLLCALL_DATA_DIR: dir } });
  return { code, text: lines.join('\n') };
}

describe('the headless CLI', () => {
  it('creates the demo, syncs it by name, and reports as JSON', async () => {
    const demo = await cli('demo');
    expect(demo.code).toBe(0);
    expect(demo.text).toMatch(/Demo ready: .*demo.*\d+ people, \d+ open alerts/);
    const sync = await cli('sync', '--site', 'harbor', '--json');
    expect(sync.code).toBe(0);
    const [run] = JSON.parse(sync.text);
    expect(run).toMatchObject({ status: 'complete', trigger: 'manual' });
    expect(run.counts.processed).toBeGreaterThan(200);
    const dry = await cli('sync', '--site', 'harbor', '--dry-run', '--json');
    expect(JSON.parse(dry.text)[0]).toMatchObject({ dryRun: true });
    const people = JSON.parse((await cli('people', '--site', 'harbor', '--json')).text);
    expect(people.length).toBeGreaterThan(200);
    const activity = JSON.parse((await cli('activity', '--site', 'harbor', '--limit', '5', '--json')).text);
    expect(activity).toHaveLength(5);
  });

  it('imports a CSV, reports bad rows with line numbers, and never disables on a bad file', async () => {
    expect((await cli('add-site', 'Maple', 'Court')).text).toMatch(/Created Maple Court/);
    const good = join(dir, 'good.csv');
    writeFileSync(good, 'Resident ID,First Name,Last Name,Email,Lease Status\nR-1,Ana,Lopez,ana@example.com,Current\nR-2,Bo,Kim,bo@example.com,Current\n');
    const first = await cli('import-csv', good, '--site', 'Maple Court', '--enable-integrations');
    expect(first.code).toBe(0);
    expect(first.text).toMatch(/Read 2 rows/);
    expect(first.text).toMatch(/From this file: 2 added\./);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'Resident ID,First Name,Last Name,Email,Lease Status\nR-1,Ana,Lopez,ana@example.com,Current\nR-2,Bo\n');
    const second = await cli('import-csv', bad, '--site', 'Maple Court');
    expect(second.code).toBe(2);
    expect(second.text).toMatch(/line 3/);
    const people = JSON.parse((await cli('people', '--site', 'Maple Court', '--json')).text);
    expect(people.map((p: { externalId: string; accessEnabled: boolean }) => [p.externalId, p.accessEnabled]).sort()).toEqual([
      ['R-1', true],
      ['R-2', true],
    ]);
    const why = await cli('why', '--site', 'Maple Court', 'R-2');
    expect(why.text).toMatch(/Bo Kim/);

    // A report export: a title above the header and a total line below the people.
    const report = join(dir, 'report.csv');
    writeFileSync(report, 'Tenant Directory\nAs of 11/23/2026\n\nResident ID,First Name,Last Name,Email,Lease Status\nR-1,Ana,Lopez,ana@example.com,Current\nR-2,Bo,Kim,bo@example.com,Current\nTotal,,,,\n');
    const third = await cli('import-csv', report, '--site', 'Maple Court');
    expect(third.code).toBe(0);
    expect(third.text).toMatch(/Header row on line 4/);
    expect(third.text).toMatch(/Skipped 1 line\(s\) that name nobody:\n {2}line 7: /);
  });

  it('says clearly which site it could not find', async () => {
    await cli('add-site', 'Tower');
    await expect(cli('sync', '--site', 'nowhere')).rejects.toThrow(/No site matches "nowhere"[\s\S]*Tower/);
    await expect(cli('frobnicate')).rejects.toThrow(/Unknown command/);
  });
});
