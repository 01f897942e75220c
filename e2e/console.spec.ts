import { test, expect } from './fixtures';

// The foundation's flow: a newcomer opens the console on the embedded demo and finds their way.

test('opens on the demo with people, and search finds a named person', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('site-switcher')).toContainText('demo');
  const rows = page.getByTestId('person-row');
  await expect(rows.first()).toBeVisible();
  await expect(page.getByTestId('people-tab-resident')).toContainText(/\d+/);
  await shot('people');

  // The token was moved out of the address bar, so it does not end up in screenshots or history.
  expect(page.url()).not.toContain('token=');

  await page.getByTestId('people-search').fill('Kowalski');
  await expect(rows.first()).toContainText('Kowalski');
  for (const text of await rows.allInnerTexts()) expect(text).toContain('Kowalski');

  // Phones show grouped for reading ("+1 628 555 0182"), and are found however they are typed.
  const withPhone = (await rows.allInnerTexts()).map((t) => ({ t, m: t.match(/\+1 (\d{3}) (\d{3}) (\d{4})/) })).find((x) => x.m);
  expect(withPhone).toBeDefined();
  const [, area, exchange, line] = withPhone!.m!;
  await page.getByTestId('people-search').fill(`(${area}) ${exchange}-${line}`);
  await expect(rows.first()).toContainText('Kowalski');
  await expect(rows.first()).toContainText(`+1 ${area} ${exchange} ${line}`);
  await page.getByTestId('people-search').fill(`+1${area}${exchange}${line}`);
  await expect(rows.first()).toContainText('Kowalski');

  await rows.first().click();
  await expect(page.getByTestId('person-panel')).toContainText('Kowalski');
  await expect(page.getByTestId('person-panel')).toContainText(`+1 ${area} ${exchange} ${line}`);
  await expect(page.getByTestId('person-panel')).toContainText('Demo PMS');
  await shot('person-panel');
});

test('Sync now runs a pass and moves the last-sync time forward', async ({ page, host, shot }) => {
  await page.goto(host.url);
  const lastSync = page.getByTestId('last-sync');
  await expect(lastSync).toHaveAttribute('data-at', /\d{4}-/);
  const before = await lastSync.getAttribute('data-at');
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-status')).toContainText(/Sync complete/);
  await expect(lastSync).not.toHaveAttribute('data-at', before!);
  const after = await lastSync.getAttribute('data-at');
  expect(Date.parse(after!)).toBeGreaterThan(Date.parse(before!));
  await shot('sync-complete');
});

test('the alert indicator shows the open count, and Alerts groups them by type in order', async ({ page, host, shot }) => {
  await page.goto(host.url);
  const badge = page.getByTestId('alert-count');
  await expect(badge).toHaveText(/^\s*\d+\s*$/);
  const count = Number((await badge.innerText()).trim());
  expect(count).toBeGreaterThan(0);

  await page.getByTestId('nav-alerts').click();
  await expect(page.getByTestId('alert-item')).toHaveCount(count);
  const groups = page.locator('[data-testid^="alert-group-"]');
  const order = await groups.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
  expect(order).toEqual([
    'alert-group-duplicate_accounts',
    'alert-group-name_mismatch',
    'alert-group-email_mismatch',
    'alert-group-duplicate_emails',
  ]);
  await shot('alerts');
});

test('activity lists the first pass, searches by reason, and opens an entry', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await page.getByTestId('nav-activity').click();
  const rows = page.getByTestId('activity-row');
  await expect(rows.first()).toBeVisible();
  await expect(rows.first()).toContainText(/Added|Skipped/);
  await shot('activity');

  await page.getByTestId('activity-search').fill('duplicate');
  await expect(rows.first()).toContainText(/Skipped/);
  await rows.first().click();
  const detail = page.getByTestId('activity-detail');
  await expect(detail).toBeVisible();
  await expect(detail).toContainText(/email/i);
  await shot('activity-detail');
});

test('a second pass logs each unchanged record, and its entry shows the record it was last seen with', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-status')).toContainText(/Sync complete/);
  await page.getByTestId('nav-activity').click();
  const rows = page.getByTestId('activity-row');

  // Unchanged records are kept compactly, but read back one entry each.
  await page.getByTestId('activity-outcome').selectOption('processed');
  await expect(rows.first()).toContainText('No change since the last pass');
  await expect(page.getByTestId('activity-total')).toContainText(/\d{3} entries/);
  await rows.first().click();
  const detail = page.getByTestId('activity-detail');
  await expect(detail.getByTestId('activity-unchanged-since')).toBeVisible();
  await expect(detail.getByTestId('activity-record')).toBeVisible();
  await shot('activity-unchanged-detail');

  // The first pass's adds, also kept compactly, open with their rule chain and record.
  await page.getByTestId('activity-outcome').selectOption('added');
  await expect(rows.first()).toContainText('Added from the source');
  await rows.first().click();
  await expect(detail).toContainText(/Found in Demo PMS as/);
  await expect(detail).toContainText(/added/);
  await expect(detail.getByTestId('activity-record')).toBeVisible();
});

test('a console without its token cannot reach the core', async ({ page, host }) => {
  const bare = host.url.replace(/\?token=.*/, '');
  await page.goto(bare);
  await expect(page.getByTestId('person-row')).toHaveCount(0);
  await expect(page.locator('body')).toContainText(/token|address|link/i);
});
