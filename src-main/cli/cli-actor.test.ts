import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../contract/dispatch';
import type { AuditEntryDto } from '../contract/calls/decisions';
import { createCore } from '../core/core';
import { runCli } from './run-cli';

/*
 * The CLI is the host of its own calls: it sets who is acting in the call context ("cli:<user>",
 * or --actor), for every command that leaves a trace in the audit, not only `decide`.
 */

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rollcall-cli-actor-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const lines: string[] = [];
  const code = await runCli(argv, { out: (l) => lines.push(l), env: { ROLLCALL_DATA_DIR: dir, USER: 'ops' } });
  return { code, text: lines.join('\n') };
}

/** The audit trail of the data folder, oldest first, read through the API as the console would. */
async function auditTrail(): Promise<AuditEntryDto[]> {
  const core = await createCore({ dataDir: dir, host: 'test', seedDemoWhenEmpty: false });
  try {
    const out = await dispatch(core.handlers, 'audit.list', { limit: 1000 }, { role: 'manager' });
    if (!out.ok) throw new Error(out.error.message);
    return [...(out.result as { rows: AuditEntryDto[] }).rows].reverse();
  } finally {
    await core.close();
  }
}

describe('who the CLI says is acting', () => {
  it('records --actor on the decision, and cli:<user> on the commands run without it, pushes and mode switches included', async () => {
    expect((await cli('demo')).code).toBe(0);
    const alerts: Array<{ id: string; type: string; fingerprint: string }> = JSON.parse((await cli('alerts', '--site', 'harbor', '--json')).text);
    const [first, second] = alerts.filter((a) => a.type === 'name_mismatch');

    expect((await cli('decide', '--alert', first.fingerprint, '--resolution', 'source-is-right', '--actor', 'night shift')).code).toBe(0);
    expect((await cli('decide', '--alert', second.fingerprint, '--resolution', 'source-is-right')).code).toBe(0);
    expect((await cli('push', '--actor', 'night shift')).code).toBe(0);
    expect((await cli('outbox', '--offline')).code).toBe(0);

    const trail = await auditTrail();
    const decisions = trail.filter((e) => e.kind === 'decision');
    expect(decisions.map((e) => [e.alertId, e.actor])).toEqual([
      [first.id, 'night shift'],
      [second.id, 'cli:ops'],
    ]);
    const writes = trail.filter((e) => e.kind === 'write');
    expect(writes.length).toBe(2);
    expect(new Set(writes.map((e) => e.actor))).toEqual(new Set(['night shift']));
    expect(trail.filter((e) => e.kind === 'outbox').map((e) => e.actor)).toEqual(['cli:ops']);
  });

  it('refuses an --actor longer than the audit keeps', async () => {
    expect((await cli('demo')).code).toBe(0);
    await expect(cli('outbox', '--offline', '--actor', 'x'.repeat(121))).rejects.toThrow(/--actor .*120/);
    expect((await cli('outbox', '--json')).text).toMatch(/"mode": "online"/);
  });
});
