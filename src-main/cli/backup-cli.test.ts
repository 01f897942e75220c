import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../contract/dispatch';
import type { AuditEntryDto } from '../contract/calls/decisions';
import { createCore } from '../core/core';
import { runCli } from './run-cli';

/* `backup`: one consistent copy of the database now, its path printed (or the details as JSON). */

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rollcall-cli-backup-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const lines: string[] = [];
  const code = await runCli(argv, { out: (l) => lines.push(l), env: { ROLLCALL_DATA_DIR: dir, USER: 'ops' } });
  return { code, text: lines.join('\n') };
}

describe('the backup command', () => {
  it('writes a backup, prints where it is, and --json gives file, bytes and time; both are audited with the CLI actor', async () => {
    expect((await cli('add-site', 'Maple', 'Court')).code).toBe(0);
    const plain = await cli('backup');
    expect(plain.code).toBe(0);
    const path = /^Backup written to (.+\.db) \(/.exec(plain.text)?.[1];
    expect(path).toMatch(new RegExp(`^${join(dir, 'backups', 'rollcall-').replace(/[\\/.]/g, '\\$&')}\\d{4}-\\d\\d-\\d\\d-\\d{4}\\.db$`));
    const copy = new Database(path!, { readonly: true });
    expect(copy.prepare('SELECT name FROM site').pluck().all()).toEqual(['Maple Court']);
    copy.close();

    const json = await cli('backup', '--json');
    expect(json.code).toBe(0);
    const done = JSON.parse(json.text) as { file: string; bytes: number; at: string };
    expect(existsSync(done.file)).toBe(true);
    expect(done.bytes).toBe(statSync(done.file).size);
    expect(Number.isNaN(Date.parse(done.at))).toBe(false);

    const core = await createCore({ dataDir: dir, host: 'test', seedDemoWhenEmpty: false });
    try {
      const out = await dispatch(core.handlers, 'audit.list', { limit: 100 }, { role: 'manager' });
      if (!out.ok) throw new Error(out.error.message);
      const entries = (out.result as { rows: AuditEntryDto[] }).rows.filter((e) => e.action === 'backup-written');
      expect(entries.map((e) => [e.actor, e.result])).toEqual([
        ['cli:ops', 'saved'],
        ['cli:ops', 'saved'],
      ]);
    } finally {
      await core.close();
    }
  });

  it('is refused to front desk', async () => {
    await expect(cli('backup', '--role', 'frontDesk')).rejects.toThrow(/manager/i);
  });
});
