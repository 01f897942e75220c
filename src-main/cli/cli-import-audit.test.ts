import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../contract/dispatch';
import type { AuditEntryDto } from '../contract/calls/decisions';
import { createCore } from '../core/core';
import { runCli } from './run-cli';

/*
 * A CSV import from the CLI leaves the same one change entry as one from the console, with the
 * CLI's actor ("cli:<user>", or --actor); a dry run leaves none.
 */

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rollcall-cli-import-audit-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const lines: string[] = [];
  const code = await runCli(argv, { out: (l) => lines.push(l), env: { ROLLCALL_DATA_DIR: dir, USER: 'ops' } });
  return { code, text: lines.join('\n') };
}

async function importEntries(): Promise<AuditEntryDto[]> {
  const core = await createCore({ dataDir: dir, host: 'test', seedDemoWhenEmpty: false });
  try {
    const out = await dispatch(core.handlers, 'audit.list', { limit: 1000 }, { role: 'manager' });
    if (!out.ok) throw new Error(out.error.message);
    return (out.result as { rows: AuditEntryDto[] }).rows.filter((e) => e.kind === 'change' && e.action === 'csv-imported').reverse();
  } finally {
    await core.close();
  }
}

const staffFile = (n: number) =>
  ['Resident ID,First Name,Last Name,Email,Status', ...Array.from({ length: n }, (_, i) => `R-${i},Pat${i},Lee,pat${i}@example.com,Current`)].join('\n');

describe('CSV imports from the CLI in the audit trail', () => {
  it('records applied and held imports once each, with the CLI actor, and nothing for a dry run', async () => {
    expect((await cli('add-site', 'Maple', 'Court')).code).toBe(0);
    const write = (name: string, n: number) => {
      const file = join(dir, name);
      writeFileSync(file, staffFile(n));
      return file;
    };

    expect((await cli('import-csv', write('preview.csv', 20), '--site', 'Maple Court', '--enable-integrations', '--dry-run')).code).toBe(0);
    expect(await importEntries()).toEqual([]);

    expect((await cli('import-csv', write('staff.csv', 20), '--site', 'Maple Court', '--enable-integrations')).code).toBe(0);
    // Most of the list gone at once: the pass is held for approval, and that is recorded too.
    expect((await cli('import-csv', write('staff-march.csv', 2), '--site', 'Maple Court', '--actor', 'night shift')).code).toBe(0);

    const entries = await importEntries();
    expect(entries.map((e) => [e.actor, e.target, e.result])).toEqual([
      ['cli:ops', 'staff.csv', 'applied'],
      ['night shift', 'staff-march.csv', 'held'],
    ]);
    expect(entries[0].message).toBe("CSV file 'staff.csv' imported: 20 records; 20 added; integrations were turned on for this site");
    expect(entries[0].detail).toMatchObject({ subject: 'csv-import', fileName: 'staff.csv', records: 20, counts: { added: 20 }, integrationsTurnedOn: true });
    expect(entries[1].message).toMatch(/^CSV file 'staff-march\.csv' stored: 2 records; the pass was held for approval/);
  });

  it('records a failed pass with the CLI actor', async () => {
    expect((await cli('add-site', 'Tower')).code).toBe(0);
    const broken = join(dir, 'broken.csv');
    // A bad row without --allow-bad-rows: the file is stored, but the pass fails.
    writeFileSync(broken, 'Resident ID,First Name,Last Name,Email,Lease Status\nR-1,Ana,Lopez,ana@example.com,Current\nR-2,Bo\n');
    expect((await cli('import-csv', broken, '--site', 'Tower', '--enable-integrations')).code).toBe(2);
    const [entry, ...rest] = await importEntries();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ actor: 'cli:ops', target: 'broken.csv', result: 'failed' });
    expect(entry.message).toMatch(/^CSV file 'broken\.csv' stored, but the pass failed: /);
  });
});
