import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { startConsoleHost } from './console-host';

// Sync settings, "why not synced?", decoupling and the held-pass review, driven as a manager
// would on the embedded demo.

async function openSettings(page: Page) {
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('block-integrations')).toBeVisible();
}

async function syncNow(page: Page) {
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-status')).toContainText(/Sync complete/);
}

async function expectSaved(page: Page, what: string) {
  const status = page.getByTestId('settings-save-status');
  await expect(status).toHaveAttribute('data-state', 'saved');
  await expect(status).toContainText(what);
}

test('turning the integrations block off stops reading it, and the people stay', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  const allTab = page.getByTestId('people-tab-all');
  await expect(allTab).toContainText(/\d/);
  const before = (await allTab.innerText()).trim();

  await openSettings(page);
  const blockToggle = page.getByTestId('block-toggle-integrations');
  await expect(blockToggle).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('block-last-run-integrations')).toContainText(/Last run/);
  await expect(page.getByTestId('block-last-run-cctv')).toContainText('Never run');
  await expect(page.getByTestId('source-item')).toContainText('Demo PMS');
  await shot('settings');

  await blockToggle.click();
  await expect(blockToggle).toHaveAttribute('aria-checked', 'false');
  await expectSaved(page, 'Integrations');
  await expect(page.getByTestId('block-off-note')).toBeVisible();

  await syncNow(page);
  await page.getByTestId('nav-activity').click();
  const first = page.getByTestId('activity-row').first();
  await expect(first).toContainText('Skipped');
  await expect(first).toContainText(/turned off/);

  // Nobody was removed or disabled: the list is exactly as long as before.
  await page.getByTestId('nav-people').click();
  await expect(allTab).toHaveText(before);
  await expect(page.getByTestId('badge-disabled')).toHaveCount(0);

  await openSettings(page);
  await blockToggle.click();
  await expect(blockToggle).toHaveAttribute('aria-checked', 'true');
  await expectSaved(page, 'Integrations');
});

test('requiring both identifiers skips records, and "why not synced?" says why', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await page.keyboard.press('Alt+4');
  await expect(page.getByTestId('block-integrations')).toBeVisible();

  await page.getByTestId('require-identifier').selectOption({ label: 'Both required' });
  await expectSaved(page, 'Require identifier');

  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toHaveText(/Running…|Sync now/);
  await expect(page.getByTestId('sync-status')).toContainText(/Sync complete/);

  await page.getByTestId('nav-activity').click();
  await page.getByTestId('activity-search').fill('requires both');
  const rows = page.getByTestId('activity-row');
  await expect(rows.first()).toContainText('Skipped');
  await rows.first().click();
  const detail = page.getByTestId('activity-detail');
  await expect(page.getByTestId('activity-reason')).toContainText('requires both an email and a phone');
  await expect(detail).toContainText('Integrations');
  await expect(detail).toContainText('Demo PMS');
  await expect(detail.getByTestId('why-steps')).toContainText('Skipped: missing identifier');
  const externalId = (await page.getByTestId('activity-external-id').innerText()).trim();
  expect(externalId).not.toBe('—');
  await shot('activity-skipped-detail');

  // The front desk types the id from the property-management system.
  await page.getByTestId('nav-people').click();
  await page.getByTestId('why-lookup').click();
  await page.getByTestId('why-external-id').fill(externalId);
  await page.getByTestId('why-submit').click();
  const result = page.getByTestId('why-result');
  await expect(result.getByTestId('why-headline')).toContainText('skipped');
  await expect(result.getByTestId('why-steps')).toContainText('requires both an email and a phone');
  await shot('why-lookup');
});

test('a person with Track source updates off is skipped as decoupled', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await page.getByTestId('people-search').fill('Kowalski');
  const row = page.getByTestId('person-row').first();
  await expect(row).toContainText('Kowalski');
  await expect(row.getByTestId('badge-source')).toContainText('Demo PMS');
  await row.click();

  const panel = page.getByTestId('person-panel');
  await expect(panel.getByTestId('why')).toBeVisible();
  const externalId = (await panel.getByTestId('person-external-id').innerText()).trim();
  const track = panel.getByTestId('track-toggle');
  await expect(track).toHaveAttribute('aria-checked', 'true');
  await track.click();
  await expect(track).toHaveAttribute('aria-checked', 'false');
  await expect(panel.getByTestId('person-save-status')).toContainText('Saved: Track source updates');
  await expect(panel.getByTestId('track-help')).toContainText('sync skips this person');
  await expect(panel).toContainText(/Set by admin/);
  await expect(page.locator(`[data-testid="person-row"]:has-text("Kowalski")`).first().getByTestId('badge-decoupled')).toBeVisible();

  // Access off: the row stays listed, dimmed, with a Disabled badge; then back on.
  const access = panel.getByTestId('access-toggle');
  await access.click();
  await expect(access).toHaveAttribute('aria-checked', 'false');
  const kowalskiRow = page.locator('[data-testid="person-row"][data-disabled]');
  await expect(kowalskiRow.getByTestId('badge-disabled')).toBeVisible();
  await access.click();
  await expect(access).toHaveAttribute('aria-checked', 'true');
  await expect(kowalskiRow).toHaveCount(0);

  // A note is an admin-owned field: saved here, never touched by sync.
  await panel.getByTestId('notes-input').fill('Prefers the side door');
  await panel.getByTestId('notes-save').click();
  await expect(panel.getByTestId('person-save-status')).toContainText('Saved: Notes');

  await syncNow(page);
  await expect(panel.getByTestId('person-why')).toContainText('Why not synced?');
  await expect(panel.getByTestId('why-headline')).toContainText('was skipped');
  await expect(panel.getByTestId('why-steps')).toContainText(/Track source updates is off/);
  await expect(panel.getByTestId('notes-input')).toHaveValue('Prefers the side door');
  await panel.locator('.panel-body').evaluate((el) => el.scrollTo(0, 0));
  await shot('person-panel-decoupled');

  await page.getByTestId('nav-activity').click();
  await page.getByTestId('activity-search').fill(externalId);
  const first = page.getByTestId('activity-row').first();
  await expect(first).toContainText('Skipped');
  await expect(first).toContainText(/decoupled/);
});

test('a pass that would disable many people is held, reviewed and discarded', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await openSettings(page);

  // Dropping "Current" would turn off most residents: first look without changing anything.
  await page.locator('[data-status="current"]').uncheck();
  await expectSaved(page, 'Included statuses');
  await page.getByTestId('dry-run').click();
  const preview = page.getByTestId('dry-run-result');
  await expect(preview.getByTestId('preview-counts')).toContainText(/disabled/);
  await expect(preview).toContainText('Nothing was changed');
  await expect(page.getByTestId('held-banner')).toHaveCount(0);

  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-status')).toContainText('Held for review');
  const banner = page.getByTestId('held-banner');
  await expect(banner).toContainText(/Sync held for review: it would disable \d+ people/);
  await page.getByTestId('held-review').click();
  const dialog = page.getByTestId('held-review-dialog');
  await expect(dialog.getByTestId('preview-person').first()).toContainText('Disabled');
  await shot('held-review');

  await dialog.getByTestId('held-discard').click();
  await page.getByTestId('confirm-ok').click();
  await expect(banner).toHaveCount(0);
  await expect(dialog).not.toBeVisible();
  await expect(page.getByTestId('badge-disabled')).toHaveCount(0);

  // Put the rule back; the next pass goes through.
  await page.locator('[data-status="current"]').check();
  await expectSaved(page, 'Included statuses');
  await syncNow(page);
});

test('activity exports the filtered log as CSV', async ({ page, host }) => {
  await page.goto(host.url);
  await page.getByTestId('nav-activity').click();
  await expect(page.getByTestId('activity-row').first()).toBeVisible();
  await page.getByTestId('activity-outcome').selectOption('skipped');
  await expect(page.getByTestId('activity-row').first()).toContainText('Skipped');
  const download = page.waitForEvent('download');
  await page.getByTestId('activity-export').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^rollcall-activity-.*\.csv$/);
  const text = await (await file.createReadStream()).toArray();
  const csv = Buffer.concat(text).toString('utf8');
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toContain('outcome');
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(1)) expect(line).toContain(',skipped,');
});

test('the front desk can look and ask why, but not change settings or people', async ({ page, shot }) => {
  const desk = await startConsoleHost({ env: { ROLLCALL_ROLE: 'frontDesk' } });
  try {
    await page.goto(desk.url);
    await expect(page.getByTestId('person-row').first()).toBeVisible();
    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await expect(page.getByTestId('settings-read-only')).toBeVisible();
    await expect(page.getByTestId('block-toggle-integrations')).toBeDisabled();
    await expect(page.getByTestId('require-identifier')).toBeDisabled();
    // A preview changes nothing, so the front desk may run one.
    await page.getByTestId('dry-run').click();
    await expect(page.getByTestId('dry-run-result').getByTestId('preview-counts')).toContainText(/processed/);

    await page.getByTestId('nav-people').click();
    await page.getByTestId('person-row').first().click();
    const panel = page.getByTestId('person-panel');
    await expect(panel.getByTestId('why')).toBeVisible();
    await expect(panel.getByTestId('track-toggle')).toHaveCount(0);
    await expect(panel.getByTestId('notes-input')).toHaveCount(0);
    await shot('person-panel-front-desk');
  } finally {
    await desk.stop();
  }
});
