import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startConsoleHost } from './console-host';
import type { ConsoleHost } from './console-host';
import { callCore } from './core-call';

// A daily backup that keeps failing (disk full, folder not writable) shows in a manager's header,
// not only in Settings; the indicator leads to Settings → Backups and goes once a backup works.
// Front desk does not see it. Here the backup fails because a file sits where the folder should be.

/** A console whose data folder has a file named `backups`: its start-up backup fails. */
async function hostWithBrokenBackups(env: NodeJS.ProcessEnv = {}): Promise<ConsoleHost & { cleanUp(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-e2e-backup-'));
  writeFileSync(join(dataDir, 'backups'), 'not a folder');
  const host = await startConsoleHost({ dataDir, env });
  return {
    ...host,
    cleanUp: async () => {
      await host.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function inViewport(page: Page, testId: string): Promise<boolean> {
  return page.getByTestId(testId).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top < window.innerHeight && r.bottom > 0;
  });
}

test('a failing daily backup shows in the header, leads to Settings → Backups, and goes once a backup works', async ({ page, shot }) => {
  const host = await hostWithBrokenBackups();
  try {
    await page.goto(host.url);
    const indicator = page.getByTestId('backup-indicator');
    await expect(indicator).toBeVisible();
    await expect(indicator).toHaveText('Backup failed');
    await expect(indicator).toHaveAttribute('data-kind', 'failed');
    await expect(indicator).toHaveAttribute('title', /The last backup failed .*Rollcall cannot write backups to .*backups.*Open Settings → Backups\./);
    await shot('header-backup-failed');

    await indicator.click();
    await expect(page).toHaveURL(/#\/settings$/);
    await expect(page.getByTestId('backup-failure')).toContainText('Rollcall cannot write backups to');
    await expect.poll(() => inViewport(page, 'backup-section')).toBe(true);

    // The folder is put right and a backup is written: the header clears without a reload.
    rmSync(join(host.dataDir, 'backups'));
    await page.getByTestId('backup-now').click();
    await expect(page.getByTestId('backup-done')).toBeVisible();
    await expect(indicator).toHaveCount(0);

    // A backup that fails while the window is open (here: one asked for elsewhere) shows at once.
    rmSync(join(host.dataDir, 'backups'), { recursive: true, force: true });
    writeFileSync(join(host.dataDir, 'backups'), 'not a folder');
    await page.getByTestId('nav-people').click();
    await expect(callCore(host.url, 'app.backupNow', {})).rejects.toThrow(/cannot write backups/);
    await expect(indicator).toHaveText('Backup failed');
  } finally {
    await host.cleanUp();
  }
});

test('a backup not written for two days while the window is open shows as overdue', async ({ page, host }) => {
  await expect.poll(() => (existsSync(join(host.dataDir, 'backups')) ? readdirSync(join(host.dataDir, 'backups')).length : 0)).toBe(1);
  await page.clock.install();
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await expect(page.getByTestId('backup-indicator')).toHaveCount(0);

  // A day and a half: not yet.
  await page.clock.fastForward('36:00:00');
  await page.clock.fastForward('00:00:30');
  await expect(page.getByTestId('backup-indicator')).toHaveCount(0);
  // Past two days with no new backup (the core's own clock never moved, so it wrote none).
  await page.clock.fastForward('13:00:00');
  await page.clock.fastForward('00:00:30');
  const indicator = page.getByTestId('backup-indicator');
  await expect(indicator).toHaveText('Backup overdue');
  await expect(indicator).toHaveAttribute('title', /The last backup was written on .*, although Rollcall writes one every day\./);
});

test('front desk sees no backup indicator, even when backups fail', async ({ page }) => {
  const host = await hostWithBrokenBackups({ ROLLCALL_ROLE: 'frontDesk' });
  try {
    await page.goto(host.url);
    await expect(page.getByTestId('person-row').first()).toBeVisible();
    await expect(page.getByTestId('outbox-mode')).toBeVisible();
    // The start-up backup has failed by now (it runs before the core answers); a moment for any event.
    await page.waitForTimeout(1000);
    await expect(page.getByTestId('backup-indicator')).toHaveCount(0);
    // Nor an error from asking for a status front desk may not read.
    await expect(page.getByTestId('toast')).toHaveCount(0);
  } finally {
    await host.cleanUp();
  }
});
