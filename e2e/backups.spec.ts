import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { startConsoleHost } from './console-host';

// Backups from Settings, as a manager uses them: the daily one the core wrote on start, one made
// by hand, where they are kept and how to restore; and a backup that cannot be written.

const backupFiles = (dataDir: string) => readdirSync(join(dataDir, 'backups')).filter((n) => /^rollcall-\d{4}-\d\d-\d\d-\d{4}\.db$/.test(n));

test('a manager sees the last backup, backs up now, and reads where backups are and how to restore one', async ({ page, host, shot }) => {
  // The core backs up on start when the newest backup is a day old (here: there is none).
  await expect.poll(() => (existsSync(join(host.dataDir, 'backups')) ? backupFiles(host.dataDir).length : 0)).toBe(1);

  await page.goto(host.url);
  await page.getByTestId('nav-settings').click();
  const section = page.getByTestId('backup-section');
  await expect(section).toBeVisible();
  await expect(page.getByTestId('backup-last')).toContainText(/Last backup just now/);
  await expect(page.getByTestId('backup-folder')).toHaveText(join(host.dataDir, 'backups'));
  await expect(page.getByTestId('backup-restore')).toContainText(/quit Rollcall, copy the backup over rollcall\.db/);
  await expect(page.getByTestId('backup-restore')).toContainText(host.dataDir);

  await page.getByTestId('backup-now').click();
  await expect(page.getByTestId('backup-done')).toContainText(`Backup written to ${join(host.dataDir, 'backups', 'rollcall-')}`);
  const shown = /Backup written to (\S+\.db)/.exec(await page.getByTestId('backup-done').innerText())![1];
  expect(existsSync(shown)).toBe(true);
  await expect(page.getByTestId('backup-failure')).toHaveCount(0);
  await section.scrollIntoViewIfNeeded();
  await shot('settings-backups');

  // The Audit screen has who made it.
  await page.getByTestId('nav-audit').click();
  const row = page.getByTestId('audit-row').filter({ hasText: 'Backup written' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(shown.split('/').pop()!);
  await row.click();
  await expect(page.getByTestId('audit-message')).toContainText(`Backup of the database written to ${shown}`);
});

test('a backup that cannot be written says why, and the console carries on', async ({ page, host, shot }) => {
  await expect.poll(() => (existsSync(join(host.dataDir, 'backups')) ? backupFiles(host.dataDir).length : 0)).toBe(1);
  // A file where the backup folder should be.
  rmSync(join(host.dataDir, 'backups'), { recursive: true, force: true });
  writeFileSync(join(host.dataDir, 'backups'), 'not a folder');

  await page.goto(host.url);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('backup-now').click();
  await expect(page.getByTestId('backup-failure')).toContainText(/The last backup failed \(just now\): Rollcall cannot write backups to .*backups/);
  // Said once, not twice.
  await expect(page.getByTestId('backup-error')).toHaveCount(0);
  await expect(page.getByTestId('backup-last')).toContainText('No backup has been written yet.');
  await page.getByTestId('backup-section').scrollIntoViewIfNeeded();
  await shot('settings-backup-failed');
  // Everything else still answers.
  await page.getByTestId('nav-people').click();
  await expect(page.getByTestId('person-row').first()).toBeVisible();
});

test('front desk sees no backup controls', async ({ page }) => {
  const frontDesk = await startConsoleHost({ env: { ROLLCALL_ROLE: 'frontDesk' } });
  try {
    await page.goto(frontDesk.url);
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('settings-read-only')).toBeVisible();
    await expect(page.getByTestId('backup-section')).toHaveCount(0);
  } finally {
    await frontDesk.stop();
  }
});
