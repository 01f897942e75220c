import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { callCore } from './core-call';
import { startConsoleHost } from './console-host';

// Bulk delete of synced people, as a manager does it on the embedded demo: preview, read who
// would go, acknowledge, delete; and the refusals that keep it to exactly what was previewed.

async function openBulkDelete(page: Page) {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('bulk-delete-open').click();
  await expect(page.getByTestId('bulk-delete-dialog')).toBeVisible();
}

const tabCount = async (page: Page) => Number((await page.getByTestId('people-tab-all').innerText()).replace(/\D/g, ''));

test('a manager previews, acknowledges and deletes the people of one source; a pass does not bring them back', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  const someone = (await page.getByTestId('person-row').first().locator('.col-name').innerText()).trim();
  await openBulkDelete(page);
  await page.getByTestId('bulk-delete-scope').selectOption({ label: 'Demo PMS' });
  await page.getByTestId('bulk-delete-preview').click();
  await expect(page.getByTestId('bulk-delete-count')).toContainText(/\d+ people synced from Demo PMS will be deleted/);
  await expect(page.getByTestId('bulk-delete-sample').locator('tbody tr')).toHaveCount(20);
  await expect(page.getByTestId('bulk-delete-accounts')).toContainText(/Demo Access: \d+ accounts? stays? in Demo Access/);
  await expect(page.getByTestId('bulk-delete-turn-off')).toBeChecked();
  // Nothing can be deleted before the acknowledgement.
  await expect(page.getByTestId('bulk-delete-confirm')).toBeDisabled();
  await page.getByTestId('bulk-delete-understood').check();
  await expect(page.getByTestId('bulk-delete-confirm')).toBeEnabled();
  await shot('bulk-delete-preview');

  await page.getByTestId('bulk-delete-confirm').click();
  await expect(page.getByTestId('bulk-delete-done')).toContainText(/Deleted \d+ people/);
  await expect(page.getByTestId('bulk-delete-done')).toContainText(/Syncing is off for Demo PMS/);
  await shot('bulk-delete-done');
  await page.getByTestId('bulk-delete-cancel').click();
  await expect(page.getByTestId('source-item').filter({ hasText: 'Demo PMS' }).getByTestId('source-toggle')).toHaveAttribute('aria-checked', 'false');

  await page.getByTestId('nav-people').click();
  await expect.poll(() => tabCount(page)).toBe(0);
  // Sync now reads nothing from the switched-off source: nobody comes back.
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-status')).toContainText(/Sync complete/);
  await expect.poll(() => tabCount(page)).toBe(0);
  // Their history stays in the activity log.
  await page.getByTestId('nav-activity').click();
  await page.getByTestId('activity-search').fill(someone);
  await expect(page.getByTestId('activity-row').first()).toContainText(someone);
});

test('a set that changed after the preview is refused, and nothing is deleted', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  const before = await tabCount(page);
  await openBulkDelete(page);
  await page.getByTestId('bulk-delete-preview').click();
  await expect(page.getByTestId('bulk-delete-count')).toContainText(/every source of/);
  // Meanwhile someone imports a file: one more synced person in the scope.
  const [site] = await callCore<Array<{ id: string }>>(host.url, 'sites.list', {});
  const csv = 'Resident ID,First Name,Last Name,Unit,Status,Email\nn1,Nadia,Newcomer,1301,Current,nadia.newcomer@example.com\n';
  await callCore(host.url, 'csv.import', { siteId: site.id, fileName: 'late.csv', content: Buffer.from(csv).toString('base64') });
  await page.getByTestId('bulk-delete-understood').check();
  await page.getByTestId('bulk-delete-confirm').click();
  await expect(page.getByTestId('bulk-delete-error')).toContainText(/changed since the preview/);
  await expect(page.getByTestId('bulk-delete-confirm')).toBeDisabled();
  await shot('bulk-delete-refused');
  // A new preview counts the newcomer and can go on.
  await page.getByTestId('bulk-delete-repreview').click();
  await expect(page.getByTestId('bulk-delete-error')).toHaveCount(0);
  await expect(page.getByTestId('bulk-delete-understood')).not.toBeChecked();
  await page.getByTestId('bulk-delete-cancel').click();
  await page.getByTestId('nav-people').click();
  await expect.poll(() => tabCount(page)).toBe(before + 1);
});

test('the front desk does not see bulk delete', async ({ page }) => {
  const desk = await startConsoleHost({ env: { ROLLCALL_ROLE: 'frontDesk' } });
  try {
    await page.goto(desk.url);
    await expect(page.getByTestId('person-row').first()).toBeVisible();
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('settings-read-only')).toBeVisible();
    await expect(page.getByTestId('bulk-delete-section')).toHaveCount(0);
  } finally {
    await desk.stop();
  }
});
