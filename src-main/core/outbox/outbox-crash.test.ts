import { fork } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { pair, removeTestDirs, startTestCore } from '../decisions/test-core';
import type { TestCore } from '../decisions/test-core';
import { databaseFile } from '../app-paths';

const cores: TestCore[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  removeTestDirs();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a core process killed in the middle of a push', () => {
  it('loses no decision and applies no upstream operation twice', async () => {
    // Decide, then close: the decisions wait in the outbox of this data folder.
    const first = await startTestCore();
    const { dataDir } = first;
    const emails = await first.alerts('email_mismatch');
    const names = await first.alerts('name_mismatch');
    await first.call('decisions.decideMany', { alertIds: emails.map((a) => a.id), resolution: 'source-is-right' });
    await first.call('decisions.decideMany', { alertIds: names.map((a) => a.id), resolution: 'source-is-right' });
    const decisions = emails.length + names.length;
    const usersBefore = first.core.upstreams.demo!.access.users.list().length;
    await first.close();

    // Push from a child process whose writes answer slowly, and kill it mid-push.
    const child = fork(join(__dirname, 'crash-child.mjs'), [dataDir, '150'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (b) => (stderr += String(b)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const db = new Database(databaseFile(dataDir), { readonly: true, fileMustExist: true });
    let atKill: Record<string, number> = {};
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`The child stopped before it was killed: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`The push never got going: ${stderr}`);
        const counts = Object.fromEntries(
          (db.prepare('SELECT status, count(*) AS n FROM outbox_op GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
        );
        if ((counts.applied ?? 0) >= 3 && (counts.sending ?? 0) === 1) {
          child.kill('SIGKILL');
          atKill = counts;
          break;
        }
        await sleep(10);
      }
      await exited;
    } finally {
      db.close();
    }
    expect(atKill.sending).toBe(1);
    expect(atKill.pending).toBeGreaterThan(0);

    // Start again on the same folder and push what is left.
    const again = await startTestCore({ dataDir });
    cores.push(again);
    const summary = await again.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ conflicts: 0, failed: 0, waiting: 0 });
    const all = await again.call('decisions.list', { siteId: again.siteId, limit: 100 });
    expect(all.total).toBe(decisions);
    expect(all.rows.every((d) => d.status === 'applied')).toBe(true);
    expect(await again.call('outbox.status', {})).toMatchObject({ pending: 0, pendingDecisions: 0 });

    // The access system's own state: one account per email, each old account gone, nothing extra.
    const users = again.core.upstreams.demo!.access.users.list();
    expect(users.length).toBe(usersBefore);
    for (const a of emails) {
      expect(users.filter((u) => u.email?.toLowerCase() === pair(a).source.email!.toLowerCase())).toHaveLength(1);
      expect(users.find((u) => u.id === pair(a).account!.remoteId)).toBeUndefined();
    }
    const seen = new Set<string>();
    for (const u of users) {
      if (!u.email) continue;
      expect(seen.has(u.email.toLowerCase())).toBe(false);
      seen.add(u.email.toLowerCase());
    }
    const audit = await again.call('audit.list', { siteId: again.siteId, limit: 1000 });
    expect(audit.rows.filter((r) => r.action === 'recover')).toHaveLength(1);
  }, 60_000);
});
