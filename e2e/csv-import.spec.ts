import { test, expect } from './fixtures';
import { startConsoleHost } from './console-host';

// A manager imports a property-management export from the Connections page: Rollcall reads it
// first (title line above the header, a broken row, a total line), the manager moves one column,
// previews the pass, imports skipping the bad row, and finds a newcomer on the People page.

// The header holds many screens now; at 1440 px its right end slides under the alert indicator.
test.use({ viewport: { width: 1680, height: 900 } });

const EXPORT = [
  'Tenant Directory - Harbor View', // line 1
  'Printed 11/20/2026', // 2
  '', // 3
  'Tenant Code,Tenant,Unit,Lease Status,Email,Mobile Phone,Home Phone', // 4
  't0901,"Quarrington, Wilhelmina",12B,Current,w.quarrington@example.com,(415) 555-0182,(415) 555-0100', // 5
  't0902,"Ystrad, Bartholomew",4A,Notice,bart.ystrad@example.com,,(415) 555-0101', // 6
  't0903,"Abernethy, Coralie",9D', // 7: cut short by a bad export
  't0904,"Fenwick, Ottoline",7C,Current,o.fenwick@example.com,(415) 555-0183,(415) 555-0104', // 8
  'Total,,,,,,', // 9
].join('\r\n');

test('import a CSV export from the console: inspect, remap a column, preview, import, find the person', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await page.getByTestId('nav-connections').click();
  const sources = page.getByTestId('connections-source');
  await expect(sources).toBeVisible();

  await sources.getByTestId('csv-import-open').click();
  const dialog = page.getByTestId('csv-import-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('csv-choose')).toBeFocused();
  await dialog.getByTestId('csv-file').setInputFiles({ name: 'harbor-view-tenants.csv', mimeType: 'text/csv', buffer: Buffer.from(EXPORT, 'utf8') });

  // How Rollcall read it: the header under the title, the guessed columns, the first people.
  await expect(dialog.getByTestId('csv-read')).toContainText('UTF-8, comma-separated');
  await expect(dialog.getByTestId('csv-header-line')).toContainText('Header on line 4');
  const select = (column: string) => dialog.locator(`[data-testid="csv-map-row"][data-column="${column}"]`).getByTestId('csv-map-select');
  await expect(select('Tenant Code')).toHaveValue('externalId');
  await expect(select('Tenant')).toHaveValue('fullName');
  await expect(select('Lease Status')).toHaveValue('status');
  await expect(select('Mobile Phone')).toHaveValue('phone');
  await expect(select('Home Phone')).toHaveValue('ignore');
  const sample = dialog.getByTestId('csv-sample-row');
  await expect(sample).toHaveCount(3);
  await expect(sample.first()).toContainText('Wilhelmina');
  await expect(sample.first()).toContainText('Quarrington');
  await expect(sample.first()).toContainText('555-0182');

  // The broken row by its line, the total line listed as skipped; the import waits for a choice.
  await expect(dialog.getByTestId('csv-bad-row')).toHaveCount(1);
  await expect(dialog.getByTestId('csv-bad-row')).toContainText('Line 7: 3 fields, expected 7');
  await expect(dialog.getByTestId('csv-skipped-row')).toContainText('Line 9');
  await expect(dialog.getByTestId('csv-import-run')).toBeDisabled();
  await shot('csv-import-inspect');

  // The manager wants the home numbers: the file is read again with that column.
  await select('Home Phone').selectOption('phone');
  await expect(select('Mobile Phone')).toHaveValue('ignore');
  await expect(sample.first()).toContainText('555-0100');
  await expect(select('Home Phone')).toHaveValue('phone');

  await dialog.getByTestId('csv-allow-bad-rows').check();
  await dialog.getByTestId('csv-preview-run').click();
  const preview = dialog.getByTestId('csv-preview');
  await expect(preview).toContainText('nothing was changed');
  // The file's own outcomes, apart from the pass over the site's other source (the demo PMS)…
  const fileCounts = preview.getByTestId('csv-preview-file-counts');
  await expect(fileCounts.locator('[data-outcome="added"]')).toHaveAttribute('data-count', '3');
  await expect(fileCounts.locator('[data-outcome="processed"]')).toHaveCount(0);
  await expect(preview.getByTestId('preview-counts').locator('[data-outcome="processed"]')).toBeVisible();
  // The preview also counts the site's sources one by one.
  await expect(preview.getByTestId('preview-sources').locator('li')).toHaveCount(2);
  // …and the file's people lead the list of people affected.
  await expect(preview.getByTestId('preview-person').first()).toContainText('Added');
  await shot('csv-import-preview');

  await dialog.getByTestId('csv-import-run').click();
  const done = dialog.getByTestId('csv-done');
  await expect(done).toBeVisible();
  await expect(dialog.getByTestId('csv-done-status')).toHaveText('Complete');
  await expect(done.getByTestId('csv-done-counts').locator('[data-outcome="added"]')).toHaveAttribute('data-count', '3');
  await expect(done.getByTestId('csv-done-pass-counts').locator('[data-outcome="processed"]')).toBeVisible();
  await expect(dialog.getByTestId('csv-open-activity')).toBeVisible();
  await shot('csv-import-done');

  // Escape closes; the file is now the site's CSV source.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(sources.locator('[data-testid="connection-item"][data-kind="csv"]')).toContainText('3 people');

  await page.getByTestId('nav-people').click();
  await page.getByTestId('people-search').fill('Fenwick');
  const row = page.getByTestId('person-row').filter({ hasText: 'Ottoline' });
  await expect(row).toBeVisible();
  await expect(row).toContainText('Fenwick');
});

test('with integrations off the dialog says so, and importing can turn them on', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await page.getByTestId('nav-settings').click();
  const blockToggle = page.getByTestId('block-toggle-integrations');
  await blockToggle.click();
  await expect(blockToggle).toHaveAttribute('aria-checked', 'false');

  await page.getByTestId('nav-connections').click();
  await page.getByTestId('csv-import-open').click();
  const dialog = page.getByTestId('csv-import-dialog');
  const clean = EXPORT.split('\r\n').filter((_, i) => i !== 6).join('\r\n');
  await dialog.getByTestId('csv-file').setInputFiles({ name: 'tenants.csv', mimeType: 'text/csv', buffer: Buffer.from(clean, 'utf8') });
  await expect(dialog.getByTestId('csv-integrations-off')).toContainText('Integrations are off for this site');
  await expect(dialog.getByTestId('csv-bad-rows')).toHaveCount(0);
  await dialog.getByTestId('csv-enable-integrations').check();
  await shot('csv-import-integrations-off');
  await dialog.getByTestId('csv-import-run').click();
  await expect(dialog.getByTestId('csv-done-status')).toHaveText('Complete');
  await expect(dialog.getByTestId('csv-done')).toContainText('they are on now');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(dialog).toBeHidden();

  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('block-toggle-integrations')).toHaveAttribute('aria-checked', 'true');
});

test('a multi-megabyte export goes through the browser console', async ({ page, host }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await page.getByTestId('nav-connections').click();
  await page.getByTestId('csv-import-open').click();
  const dialog = page.getByTestId('csv-import-dialog');
  // About 3 MB: over the socket's limit for ordinary calls, well under the 20 MB a file may be.
  const rows = Array.from({ length: 30_000 }, (_, i) => `m${i},Member ${i},${i % 500},Active,member${i}@example.com,Notes that make the row longer than it needs to be ${i}`);
  const big = ['Member ID,Name,Unit,Status,Email,Notes', ...rows].join('\n');
  await dialog.getByTestId('csv-file').setInputFiles({ name: 'members.csv', mimeType: 'text/csv', buffer: Buffer.from(big, 'utf8') });
  await expect(dialog.getByTestId('csv-read')).toContainText('30,000 rows under the header', { timeout: 30_000 });
  await expect(dialog.getByTestId('csv-sample-row')).toHaveCount(20);
  await expect(page.getByTestId('csv-error')).toHaveCount(0);
});

test('the front desk sees no Import CSV button (the core refuses the calls too; see csv-handlers.test.ts)', async ({ page }) => {
  const desk = await startConsoleHost({ env: { ROLLCALL_ROLE: 'frontDesk' } });
  try {
    await page.goto(desk.url);
    await expect(page.getByTestId('person-row').first()).toBeVisible();
    await page.getByTestId('nav-connections').click();
    await expect(page.getByTestId('connections-source')).toBeVisible();
    await expect(page.getByTestId('csv-import-open')).toHaveCount(0);
    await expect(page.getByTestId('csv-import-dialog')).toHaveCount(0);
  } finally {
    await desk.stop();
  }
});
