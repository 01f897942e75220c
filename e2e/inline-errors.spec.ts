/// <reference lib="dom" />
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from './fixtures';
import { callCore } from './core-call';
import { refuseCalls } from './refuse-calls';
import { askBulkResolution } from './alerts-helpers';
import { startAlarmPanelFake } from '../src-main/core/adapters/alarm-panel/fake-alarm-panel';

// Failures a front-desk person must not miss on a shared workstation: each one is said next to
// the control that failed and stays there (a toast fades in six seconds) until the action goes
// through. And bulk decisions that overwrite data upstream ask first.

/** Longer than a toast lives, to show that what is said stays. */
const TOAST_GONE_MS = 6500;

/** A SCIM directory (a real HTTP server on port 0) that refuses its token until `answer` says otherwise. */
async function startDirectory(): Promise<{ url: string; answer: 'refuse' | 'empty'; close(): Promise<void> }> {
  const state = { answer: 'refuse' as 'refuse' | 'empty' };
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/scim+json');
    if (state.answer === 'refuse') {
      res.statusCode = 401;
      res.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: 'The token has expired.' }));
      return;
    }
    res.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/scim/v2`,
    get answer() {
      return state.answer;
    },
    set answer(a) {
      state.answer = a;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('Sync now that cannot start says so under the header until a sync goes through', async ({ page, host, shot }) => {
  let failing = true;
  await refuseCalls(page, (name, args) => (failing && name === 'sync.runNow' && !args.dryRun ? 'The database is locked by another process.' : null));
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();

  await page.getByTestId('sync-now').click();
  const failure = page.getByTestId('sync-failure');
  await expect(failure).toContainText('Could not start the sync: The database is locked by another process.');
  await shot('inline-errors-sync-start');
  // Still there well after a toast would have gone, and on every screen.
  await page.waitForTimeout(TOAST_GONE_MS);
  await expect(failure).toBeVisible();
  await page.getByTestId('nav-activity').click();
  await expect(failure).toBeVisible();

  // "Try again" runs Sync now once more; when it goes through, the message goes.
  failing = false;
  await failure.getByTestId('sync-failure-retry').click();
  await expect(page.getByTestId('sync-status')).toContainText('Sync complete');
  await expect(failure).toHaveCount(0);
});

test('a sync that fails at an upstream says why and stays said until a pass goes through', async ({ page, host, shot }) => {
  const directory = await startDirectory();
  try {
    const sites = await callCore<Array<{ id: string; isDemo: boolean }>>(host.url, 'sites.list', {});
    await callCore(host.url, 'connections.add', {
      siteId: sites.find((s) => s.isDemo)!.id,
      role: 'source',
      kind: 'scim',
      name: 'Staff directory',
      config: { baseUrl: directory.url },
      secrets: { token: 'expired-token' },
    });
    await page.goto(host.url);
    await expect(page.getByTestId('person-row').first()).toBeVisible();
    await page.getByTestId('sync-now').click();
    const failure = page.getByTestId('sync-failure');
    await expect(failure).toContainText('The sync failed: Could not read Staff directory', { timeout: 30_000 });
    await expect(failure).toContainText('Nothing was changed');
    await shot('inline-errors-sync-failed');
    await page.waitForTimeout(TOAST_GONE_MS);
    await expect(failure).toBeVisible();

    directory.answer = 'empty';
    await failure.getByTestId('sync-failure-retry').click();
    await expect(failure).toHaveCount(0, { timeout: 30_000 });
  } finally {
    await directory.close();
  }
});

test('bulk “source is right” asks first, saying how many and what is overwritten; Cancel leaves the alerts open', async ({ page, host, shot }) => {
  await page.goto(host.url);
  const confirm = await askBulkResolution(page, 'name_mismatch', 3, 'source-is-right', 'Source is right');
  await expect(confirm).toContainText('“Source is right” for 3 alerts?');
  await expect(confirm).toContainText('3 access-system names are overwritten with the name in the source');
  await expect(confirm).toContainText('withdrawn');
  // Overwriting is destructive: the safe choice has the keyboard.
  await expect(confirm.getByTestId('confirm-cancel')).toBeFocused();
  await shot('inline-errors-bulk-source-confirm');
  await confirm.getByTestId('confirm-cancel').click();
  await expect(confirm).toBeHidden();
  // Nothing was recorded: the three stay open and selected.
  await expect(page.locator('[data-pending]')).toHaveCount(0);
  await expect(page.getByTestId('bulk-bar')).toContainText('3 selected');
  const cards = page.getByTestId('alert-item');
  for (const i of [0, 1, 2]) await expect(cards.nth(i).getByTestId('alert-actions')).toBeVisible();

  // Asked again, and confirmed, it is recorded.
  await page.getByTestId('bulk-apply').click();
  await confirm.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('bulk-recorded')).toHaveAttribute('data-count', '3');
});

test('bulk merge of duplicate accounts asks first too', async ({ page, host }) => {
  await page.goto(host.url);
  const confirm = await askBulkResolution(page, 'duplicate_accounts', 2, 'merge', 'Merge');
  await expect(confirm).toContainText('“Merge” for 2 alerts?');
  await expect(confirm).toContainText('2 duplicate accounts are linked to their person and take the source’s name, email and phone');
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(page.locator('[data-pending]')).toHaveCount(0);
});

test('a decision that cannot be withdrawn says so on its alert, and Try again withdraws it', async ({ page, host, shot }) => {
  let failing = true;
  await refuseCalls(page, (name) => (failing && name === 'decisions.cancel' ? 'The outbox is being pushed right now.' : null));
  await page.goto(host.url);
  await page.getByTestId('nav-alerts').click();
  await page.getByTestId('filter-type').selectOption('name_mismatch');
  const card = page.getByTestId('alert-item').first();
  await expect(card).toHaveAttribute('data-alert-type', 'name_mismatch');
  const id = await card.getAttribute('data-alert-id');
  const same = page.locator(`[data-testid="alert-item"][data-alert-id="${id}"]`);
  await same.getByTestId('decide-source-is-right').click();
  await expect(same).toHaveAttribute('data-pending', 'true');

  const withdraw = same.getByTestId('alert-withdraw');
  await withdraw.click();
  const error = same.getByTestId('alert-withdraw-error');
  await expect(error).toHaveText('Could not withdraw this decision: The outbox is being pushed right now. It still stands.');
  await expect(withdraw).toHaveText('Try again');
  await shot('inline-errors-withdraw');
  await page.waitForTimeout(TOAST_GONE_MS);
  await expect(error).toBeVisible();

  failing = false;
  await withdraw.click();
  await expect(same).not.toHaveAttribute('data-pending', 'true');
  await expect(same.getByTestId('alert-withdraw-error')).toHaveCount(0);
  await expect(same.getByTestId('alert-actions')).toBeVisible();
});

test('an activity export that fails is said next to the button until an export goes through', async ({ page, host, shot }) => {
  let failing = true;
  await refuseCalls(page, (name) => (failing && name === 'activity.export' ? 'The disk is full.' : null));
  await page.goto(host.url);
  await page.getByTestId('nav-activity').click();
  await expect(page.getByTestId('activity-row').first()).toBeVisible();
  const exportButton = page.getByTestId('activity-export');
  await exportButton.click();
  const error = page.getByTestId('activity-export-error');
  await expect(error).toContainText('Could not export the activity log: The disk is full. No file was saved.');
  await shot('inline-errors-activity-export');
  await page.waitForTimeout(TOAST_GONE_MS);
  await expect(error).toBeVisible();

  failing = false;
  const download = page.waitForEvent('download');
  await error.getByTestId('activity-export-retry').click();
  expect((await download).suggestedFilename()).toMatch(/\.csv$/);
  await expect(error).toHaveCount(0);
});

test('Locations: differences that cannot be read or fixed are said in the panel, with Try again', async ({ page, host, shot }) => {
  // An alarm service whose keypad was edited after the users were synced: one difference to fix.
  const fake = await startAlarmPanelFake({
    applyDelayMs: 200,
    locations: [{ locationId: 'LOC-E1', name: 'Test office', address: '1 Test Way', users: [{ slot: 1, name: 'Master', code: '9137', partitions: [1] }] }],
  });
  try {
    const sites = await callCore<Array<{ id: string; isDemo: boolean }>>(host.url, 'sites.list', {});
    const connected = await callCore<{ locations: Array<{ id: string }> }>(host.url, 'locations.connect', {
      siteId: sites.find((s) => s.isDemo)!.id,
      name: 'Test alarm service',
      baseUrl: fake.url,
      apiKey: fake.apiKey,
      locationIds: ['LOC-E1'],
    });
    const locationId = connected.locations[0].id;
    await callCore(host.url, 'locations.syncUsers', { locationId });
    fake.editPanelUser('LOC-E1', 44, { name: 'Contractor', code: '8842' });
    await callCore(host.url, 'locations.syncPanel', { locationId });

    let failing: string | null = 'locations.differences';
    await refuseCalls(page, (name) =>
      name === failing ? (name === 'locations.differences' ? 'The panel service did not answer in time.' : 'The panel is busy arming.') : null,
    );
    await page.goto(host.url);
    await page.getByTestId('nav-locations').click();
    await page.getByTestId('location-select').selectOption({ label: 'Test office (LOC-E1)' });
    const panel = page.getByTestId('location-differences-panel');
    await expect(panel).toHaveAttribute('data-location', 'LOC-E1');
    const loadError = panel.getByTestId('location-differences-error');
    await expect(loadError).toHaveText(/Could not read the differences for Test office: The panel service did not answer in time\.\s*Try again/);
    // An unread list is never taken for "they agree".
    await expect(panel).not.toContainText('agree');
    await page.waitForTimeout(TOAST_GONE_MS);
    await expect(loadError).toBeVisible();
    await shot('inline-errors-location-differences');

    failing = null;
    await panel.getByTestId('location-differences-retry').click();
    await expect(loadError).toHaveCount(0);
    const row = panel.locator('[data-testid="difference-row"][data-slot="44"]');
    await expect(row).toBeVisible();

    // A fix that fails stays on its row, with the server's words, until it goes through.
    failing = 'locations.resolveDifference';
    await row.getByTestId('difference-accept').click();
    const fixError = panel.locator('[data-testid="difference-error"][data-slot="44"]');
    await expect(fixError).toContainText("Could not fix slot 44 (Keep panel's version): The panel is busy arming.");
    await page.waitForTimeout(TOAST_GONE_MS);
    await expect(fixError).toBeVisible();
    await fixError.scrollIntoViewIfNeeded();
    await shot('inline-errors-location-fix');

    failing = null;
    await fixError.getByTestId('difference-retry').click();
    await expect(row).toHaveCount(0, { timeout: 20_000 });
    await expect(fixError).toHaveCount(0);
    expect(fake.serviceUsers('LOC-E1').find((u) => u.slot === 44)?.name).toBe('Contractor');
  } finally {
    await fake.close();
  }
});
