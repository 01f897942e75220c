import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decisionOptionsFromArgv, runCli } from './run-cli';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rollcall-cli-decide-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const lines: string[] = [];
  const code = await runCli(argv, { out: (l) => lines.push(l), env: { ROLLCALL_DATA_DIR: dir, USER: 'ops' } });
  return { code, text: lines.join('\n') };
}

interface CliAlert {
  id: string;
  type: string;
  fingerprint: string;
  records: { side: string; remoteId?: string; externalId?: string; personId?: string | null }[];
  decision: string | null;
}

describe('scripted bulk review from the CLI', () => {
  it('lists alerts with ids, decides one by fingerprint and a whole type at once, and pushes', async () => {
    expect((await cli('demo')).code).toBe(0);
    const alerts: CliAlert[] = JSON.parse((await cli('alerts', '--site', 'harbor', '--json')).text);
    expect(new Set(alerts.map((a) => a.type))).toEqual(new Set(['duplicate_accounts', 'name_mismatch', 'email_mismatch', 'duplicate_emails']));
    const email = alerts.find((a) => a.type === 'email_mismatch')!;
    expect(email.records).toEqual([
      expect.objectContaining({ side: 'source', externalId: expect.any(String), personId: expect.any(String) }),
      expect.objectContaining({ side: 'access', remoteId: expect.stringMatching(/^usr_/) }),
    ]);

    const one = await cli('decide', '--alert', email.fingerprint, '--resolution', 'source-is-right', '--option', 'oldAccount=suspend', '--json');
    expect(one.code).toBe(0);
    expect(JSON.parse(one.text)).toMatchObject({ recorded: 1, errors: 0 });

    const many = await cli('decide', '--all', '--site', 'harbor', '--type', 'name_mismatch', '--resolution', 'source-is-right');
    expect(many.code).toBe(0);
    expect(many.text).toMatch(/Recorded [1-9]\d*, .*errors 0/);

    // A resolution that does not fit the type is reported per alert, with a non-zero exit.
    const wrong = await cli('decide', '--all', '--site', 'harbor', '--type', 'duplicate_emails', '--resolution', 'merge');
    expect(wrong.code).toBe(2);
    expect(wrong.text).toMatch(/does not apply to duplicate emails/);

    const status = JSON.parse((await cli('outbox', '--json')).text);
    expect(status).toMatchObject({ mode: 'online', pendingDecisions: 1 + alerts.filter((a) => a.type === 'name_mismatch').length });

    const pushed = await cli('push', '--json');
    expect(pushed.code).toBe(0);
    const summary = JSON.parse(pushed.text);
    expect(summary).toMatchObject({ applied: status.pendingDecisions, conflicts: 0, failed: 0 });

    const after: CliAlert[] = JSON.parse((await cli('alerts', '--site', 'harbor', '--json')).text);
    expect(after.filter((a) => a.type === 'name_mismatch')).toEqual([]);
    expect(after.map((a) => a.id)).not.toContain(email.id);
  });

  it('refuses to push while working offline, with a clear message', async () => {
    await cli('demo');
    expect((await cli('outbox', '--offline')).text).toMatch(/Mode: offline-manual/);
    await expect(cli('push')).rejects.toThrow(/working offline/);
    expect((await cli('outbox', '--online')).text).toMatch(/Mode: online/);
  });

  it('reads --option pairs, repeated or comma-separated', () => {
    expect(decisionOptionsFromArgv(['decide', '--option', 'remember=true', '--option=firstName=access,phone=source'])).toEqual({
      remember: true,
      winners: { firstName: 'access', phone: 'source' },
    });
    expect(() => decisionOptionsFromArgv(['--option', 'color=blue'])).toThrow(/Unknown option/);
  });
});
