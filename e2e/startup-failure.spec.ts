import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * `npm start` on a data folder whose database file is damaged: one line in the terminal says which
 * file and what to do, the console in the browser says the same, the core is not started over and
 * over, and the file is left exactly as it was.
 */

let host: ChildProcess | null = null;
let dataDir = '';

test.afterEach(async () => {
  if (host && host.exitCode === null) {
    const exited = new Promise((r) => host!.once('exit', r));
    host.kill('SIGTERM');
    await exited;
  }
  host = null;
  rmSync(dataDir, { recursive: true, force: true });
});

test('a damaged database file: the terminal and the console say which file and what to do', async ({ page }) => {
  dataDir = mkdtempSync(join(tmpdir(), 'rollcall-e2e-damaged-'));
  const file = join(dataDir, 'rollcall.db');
  const junk = Buffer.from('The minutes of the residents meeting, saved over the database by mistake.\n'.repeat(100));
  writeFileSync(file, junk);

  const child = spawn(process.execPath, ['out/main/browser-host.js', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROLLCALL_BACKGROUND_PUSH: '0' },
  });
  host = child;
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await expect.poll(() => /ROLLCALL_URL=(\S+)/.exec(output)?.[1] ?? null, { timeout: 30_000 }).not.toBeNull();
  const url = /ROLLCALL_URL=(\S+)/.exec(output)![1];

  // The terminal: the reason, once, on one line that names the file and the way out.
  const reasonLines = output.split('\n').filter((l) => l.includes('could not start'));
  expect(reasonLines, output).toHaveLength(1);
  expect(reasonLines[0]).toContain(file);
  expect(reasonLines[0]).toMatch(/move it aside/);
  // No stack trace and no restart loop behind it.
  expect(output).not.toMatch(/\n\s+at /);
  expect(output).not.toContain('stopped unexpectedly');

  // The console: the same explanation instead of an empty screen.
  await page.goto(url);
  const failed = page.getByTestId('core-failed');
  await expect(failed).toBeVisible();
  await expect(failed.getByRole('heading')).toHaveText('Rollcall is not running');
  await expect(failed).toContainText(file);
  await expect(failed).toContainText('Restore it from a backup, or move it aside');
  mkdirSync('e2e/artifacts', { recursive: true });
  await page.screenshot({ path: 'e2e/artifacts/startup-failure.png' });

  // A page opened later hears it too, and the core was started once only.
  const again = await page.context().newPage();
  await again.goto(url);
  await expect(again.getByTestId('core-failed')).toContainText(file);
  expect(output.split('\n').filter((l) => l.includes('could not start'))).toHaveLength(1);
  expect(readFileSync(file).equals(junk)).toBe(true);
});
