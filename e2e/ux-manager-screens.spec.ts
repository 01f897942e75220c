/// <reference lib="dom" />
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { callCore } from './core-call';
import { refuseCalls } from './refuse-calls';
import { askBulkResolution, goOffline } from './alerts-helpers';

// A manager's day on the manager screens, done the demanding way: offline, keyboard first, with
// calls that fail, long lists to check before approving, and a connection that will not go away.

/** Excludes the current residents, so Sync now would disable them: the guard holds the pass; opens its review. */
async function holdAPassAndOpenIt(page: Page) {
  await page.getByTestId('nav-settings').click();
  await page.locator('[data-status="current"]').uncheck();
  await expect(page.getByTestId('settings-save-status')).toContainText('Included statuses');
  await page.getByTestId('sync-now').click();
  await page.getByTestId('held-review').click();
  return page.getByTestId('held-review-dialog');
}

test('offline is said on the Alerts screen itself, and a decision that fails stays said until read', async ({ page, host, shot }) => {
  let failing = true;
  await refuseCalls(page, (name) => (failing && name === 'decisions.decide' ? 'The database is locked by another process.' : null));
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await goOffline(page);
  await page.getByTestId('nav-alerts').click();
  const offline = page.getByTestId('alerts-offline');
  await expect(offline).toBeVisible();
  await expect(offline).toContainText('Offline (manual)');
  await expect(offline).toContainText('kept on this computer');

  const card = page.getByTestId('alert-item').first();
  const title = (await card.locator('.alert-title').innerText()).trim();
  await card.getByTestId('decide-dismiss').click();
  const error = page.getByTestId('alerts-decide-error');
  await expect(error).toContainText(`Could not record “Dismiss” for ${title}: The database is locked by another process.`);
  await expect(error).toContainText('Nothing was recorded');
  await shot('ux-manager-alerts-offline-error');
  // Still there well after a toast would have gone.
  await page.waitForTimeout(6500);
  await expect(error).toBeVisible();
  await expect(card).not.toHaveAttribute('data-pending', 'true');

  // The next decision that goes through clears it.
  failing = false;
  await card.getByTestId('decide-dismiss').click();
  await expect(error).toHaveCount(0);
});

test('alert details: Escape from inside the panel closes it and the keyboard is back on the card', async ({ page, host }) => {
  await page.goto(host.url);
  await page.getByTestId('nav-alerts').click();
  const card = page.getByTestId('alert-item').nth(1);
  const details = card.getByTestId('alert-details');
  await details.click();
  const panel = page.getByTestId('alert-detail');
  await expect(panel).toBeVisible();
  // Work in the panel first: the focus is on one of its choices when Escape comes.
  await panel.locator('input[type="radio"]').first().focus();
  await page.keyboard.press('Escape');
  await expect(panel).toHaveCount(0);
  await expect(details).toBeFocused();
  // Tab goes on from the card, not from the top of the page.
  await page.keyboard.press('Shift+Tab');
  await expect(card.locator(':focus')).toHaveCount(1);
});

test('bulk removal of duplicate accounts asks first and names how many accounts go', async ({ page, host, shot }) => {
  await page.goto(host.url);
  const confirm = await askBulkResolution(page, 'duplicate_accounts', 3, 'remove-duplicate', 'duplicate account');
  await expect(confirm).toContainText('Remove 3 duplicate accounts?');
  await expect(confirm).toContainText('3 duplicate accounts are deleted in the access system');
  await expect(confirm).toContainText('withdrawn');
  await shot('ux-manager-bulk-remove-confirm');
  // The safe choice has the keyboard: Enter cancels, nothing is recorded.
  await page.keyboard.press('Enter');
  await expect(confirm).toBeHidden();
  await expect(page.locator('[data-pending]')).toHaveCount(0);
  await expect(page.getByTestId('bulk-bar')).toContainText('3 selected');

  await page.getByTestId('bulk-apply').click();
  await confirm.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('bulk-recorded')).toHaveAttribute('data-count', '3');
});

test('activity: Escape from anywhere in the detail closes it and the keyboard is back on the row', async ({ page, host }) => {
  await page.goto(host.url);
  await page.getByTestId('nav-activity').click();
  const row = page.getByTestId('activity-row').nth(2);
  await row.click();
  const detail = page.getByTestId('activity-detail');
  await expect(detail).toBeVisible();
  await detail.getByTestId('activity-copy-ids').focus();
  await page.keyboard.press('Escape');
  await expect(detail).toHaveCount(0);
  await expect(row).toBeFocused();
  // And with the close button.
  await page.keyboard.press('Enter');
  await expect(detail).toBeVisible();
  await detail.getByRole('button', { name: 'Close (Esc)' }).click();
  await expect(detail).toHaveCount(0);
  await expect(row).toBeFocused();
});

test('activity: older entries that cannot be read are said next to the button, which tries again', async ({ page, host, shot }) => {
  let failing = true;
  await refuseCalls(page, (name, args) => (failing && name === 'activity.list' && args.beforeId !== undefined ? 'The activity log is being pruned.' : null));
  await page.goto(host.url);
  await page.getByTestId('nav-activity').click();
  await expect(page.getByTestId('activity-row').first()).toBeVisible();
  const more = page.getByTestId('activity-load-more');
  await more.click();
  const error = page.getByTestId('activity-more-error');
  await expect(error).toHaveText('Could not load older entries: The activity log is being pruned.');
  await expect(more).toHaveText('Try again');
  await shot('ux-manager-activity-more-error');
  failing = false;
  await more.click();
  await expect(error).toHaveCount(0);
  await expect(page.getByTestId('activity-row')).toHaveCount(200);
});

test('removing a connection: the question names the people, the button waits, a failure stays on the card', async ({ page, host, shot }) => {
  await refuseCalls(page, (name) => (name === 'connections.remove' ? 'The connection is in use by a running pass.' : null), 800);
  await page.goto(host.url);
  await page.getByTestId('nav-connections').click();
  const source = page.getByTestId('connections-source').getByTestId('connection-item').first();
  await expect(source).toBeVisible();
  const people = /([\d,]+) people/.exec(await source.innerText())?.[1];
  expect(people).toBeTruthy();
  const name = (await source.locator('.conn-name').innerText()).trim();
  await expect(source.locator('.conn-name')).toHaveAttribute('title', name);

  await source.getByTestId('connection-remove').click();
  const confirm = page.getByTestId('confirm-dialog').filter({ hasText: `Remove ${name}?` });
  await expect(confirm).toContainText(`The ${people} people it synced stay in Rollcall`);
  await confirm.getByTestId('confirm-ok').click();
  // While the call runs, no second removal can start.
  const remove = source.getByTestId('connection-remove');
  await expect(remove).toBeDisabled();
  await expect(remove).toHaveText('Removing…');
  const error = source.getByTestId('connection-remove-error');
  await expect(error).toHaveText(`Could not remove ${name}: The connection is in use by a running pass. It is still connected.`);
  await expect(remove).toBeEnabled();
  await shot('ux-manager-connection-remove-error');
  await page.waitForTimeout(6500);
  await expect(error).toBeVisible();
});

test('a held pass with hundreds of people: find anyone by name or id, and see them all', async ({ page, host, shot }) => {
  const rows = Array.from({ length: 450 }, (_, i) => `h${i},Heldmember${i},Heldperson${String(i).padStart(4, '0')},${i % 900},Current,held${i}@example.com,`);
  const sites = await callCore<Array<{ id: string }>>(host.url, 'sites.list', {});
  await callCore(host.url, 'csv.import', {
    siteId: sites[0].id,
    fileName: 'held.csv',
    content: Buffer.from(['Resident ID,First Name,Last Name,Unit,Status,Email,Phone', ...rows].join('\n'), 'utf8').toString('base64'),
  });
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  const dialog = await holdAPassAndOpenIt(page);
  await expect(dialog.getByTestId('preview-person').first()).toContainText('Disabled');
  // Far down the list: past the first batch drawn.
  await expect(dialog.getByTestId('preview-person')).toHaveCount(300);
  await dialog.getByTestId('preview-search').fill('Heldperson0449');
  await expect(dialog.getByTestId('preview-person')).toHaveCount(1);
  await expect(dialog.getByTestId('preview-person')).toContainText('Disabled');
  await dialog.getByTestId('preview-search').fill('h312');
  await expect(dialog.getByTestId('preview-person')).toContainText('Heldperson0312');
  await shot('ux-manager-held-search');
  await dialog.getByTestId('preview-search').fill('nobody-like-this');
  await expect(dialog.getByTestId('preview-no-match')).toContainText('Nobody in this list matches “nobody-like-this”');
  // Escape in the search clears it; the dialog stays.
  await page.keyboard.press('Escape');
  await expect(dialog.getByTestId('preview-search')).toHaveValue('');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('preview-more').click();
  expect(await dialog.getByTestId('preview-person').count()).toBeGreaterThan(450);

  // Discarding names what it spares.
  await dialog.getByTestId('held-discard').click();
  await expect(page.getByTestId('confirm-dialog').filter({ hasText: 'Discard the held pass?' })).toContainText(/The [\d,]+ people it would turn off keep their access/);
});

test('activity with hostile names: rows stay one line, cells and the detail title keep the whole text, nothing runs', async ({ page, host, shot }) => {
  const long = `${'Maximiliana-Josephina'.repeat(5)} ${'Wolfeschlegelsteinhausenbergerdorff'.repeat(3).slice(0, 94)}`;
  const [first, last] = long.split(' ');
  const sites = await callCore<Array<{ id: string }>>(host.url, 'sites.list', {});
  await callCore(host.url, 'csv.import', {
    siteId: sites[0].id,
    fileName: 'hostile.csv',
    content: Buffer.from(
      [
        'Resident ID,First Name,Last Name,Unit,Status,Email,Phone',
        `x1,${first},${last},1201,Current,long.name@example.com,`,
        'x2,محمد,العلي,1202,Current,m.alali@example.com,',
        'x3,<script>alert(1)</script>,<b>Tester</b>,1204,Current,script.tester@example.com,',
      ].join('\n'),
      'utf8',
    ).toString('base64'),
  });
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await page.goto(host.url);
  await page.getByTestId('nav-activity').click();
  await page.getByTestId('activity-search').fill('x1');
  const row = page.getByTestId('activity-row').filter({ hasText: 'Maximiliana' }).first();
  await expect(row).toBeVisible();
  expect((await row.boundingBox())!.height).toBeLessThanOrEqual(40);
  await expect(row.locator('.a-name')).toHaveAttribute('title', long);
  const overflow = await page.locator('.activity-view .table-scroll').evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await row.click();
  const detail = page.getByTestId('activity-detail');
  await expect(detail.locator('h2')).toHaveAttribute('title', long);
  await shot('ux-manager-activity-hostile');

  await page.getByTestId('activity-search').fill('x3');
  const script = page.getByTestId('activity-row').filter({ hasText: '<script>' }).first();
  await script.click();
  await expect(detail.locator('h2')).toHaveText('<script>alert(1)</script> <b>Tester</b>');
  await expect(detail.locator('b')).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test('a held pass that cannot be discarded says so inside the review, where the manager is looking', async ({ page, host, shot }) => {
  await refuseCalls(page, (name) => (name === 'sync.discardHeld' ? 'The site is being synced by the schedule right now.' : null), 600);
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  const dialog = await holdAPassAndOpenIt(page);
  await dialog.getByTestId('held-discard').click();
  await page.getByTestId('confirm-dialog').filter({ hasText: 'Discard the held pass?' }).getByTestId('confirm-ok').click();
  // No double submit while it runs.
  await expect(dialog.getByTestId('held-discard')).toBeDisabled();
  await expect(dialog.getByTestId('held-discard')).toHaveText('Discarding…');
  const error = dialog.getByTestId('held-error');
  await expect(error).toHaveText('Could not discard the held pass: The site is being synced by the schedule right now. Nothing was changed.');
  await expect(dialog.getByTestId('held-discard')).toBeEnabled();
  await shot('ux-manager-held-error');
  await page.waitForTimeout(6500);
  await expect(error).toBeVisible();
  // Closing and reopening starts clean.
  await page.keyboard.press('Escape');
  await page.getByTestId('held-review').click();
  await expect(dialog.getByTestId('held-error')).toHaveCount(0);
});
