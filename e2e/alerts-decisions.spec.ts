import { test, expect } from './fixtures';
import type { Locator, Page } from '@playwright/test';
import { callCore } from './core-call';

// Issue 4's scenario, as a manager would do it on the embedded demo: work offline, resolve 20
// alerts of all four types (some in bulk, some by keyboard), meanwhile someone edits one involved
// account in the access system's own console, go online, push: 19 applied, 1 back for re-review.

async function alertCount(page: Page): Promise<number> {
  const badge = page.getByTestId('alert-count');
  await expect(badge).toHaveText(/^\s*\d+\s*$/);
  return Number((await badge.innerText()).trim());
}

async function showType(page: Page, type: string) {
  await page.getByTestId('filter-type').selectOption(type);
  const cards = page.getByTestId('alert-item');
  await expect(cards.first()).toHaveAttribute('data-alert-type', type);
  for (const t of await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-alert-type')))) expect(t).toBe(type);
  return cards;
}

async function applyBulk(page: Page, resolution: string, expected: number) {
  await page.getByTestId('bulk-resolution').selectOption(resolution);
  await page.getByTestId('bulk-apply').click();
  // Bulk choices that overwrite the access system ask first (e2e/inline-errors.spec.ts covers the question).
  if (['merge', 'source-is-right', 'remove-duplicate'].includes(resolution)) {
    await page.getByTestId('confirm-dialog').filter({ hasText: 'Once pushed' }).getByTestId('confirm-ok').click();
  }
  const result = page.getByTestId('bulk-result');
  await expect(result).toBeVisible();
  await expect(page.getByTestId('bulk-recorded')).toHaveAttribute('data-count', String(expected));
  await expect(page.getByTestId('bulk-errors')).toHaveAttribute('data-count', '0');
  return result;
}

/** The cards of a list that show a decision waiting to push. */
const pendingIn = (cards: Locator) => cards.and(cards.page().locator('[data-pending]'));

test('offline decisions on 20 alerts push later: 19 applied, the one edited upstream comes back', async ({ page, host, shot }) => {
  await page.goto(host.url);
  const initial = await alertCount(page);
  expect(initial).toBeGreaterThanOrEqual(25);

  // Work offline: decisions stay on this computer.
  await page.getByTestId('outbox-mode').click();
  await page.getByTestId('work-offline').click();
  await expect(page.getByTestId('outbox-mode')).toHaveAttribute('data-mode', 'offline-manual');
  await expect(page.getByTestId('outbox-mode-label')).toHaveText('Offline (manual)');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('outbox-menu')).toHaveCount(0);

  await page.getByTestId('nav-alerts').click();
  const cards = page.getByTestId('alert-item');
  await expect(cards).toHaveCount(initial);
  await expect(page.getByTestId('shortcut-legend')).toContainText('accept source');
  await shot('alerts-window');

  // 1) Duplicate accounts (8): five in bulk (click, then shift-click a range), one merged with a
  //    per-field choice in the details, one removed, one merged by keyboard keeping the account's values.
  const dups = await showType(page, 'duplicate_accounts');
  expect(await dups.count()).toBeGreaterThanOrEqual(8);
  await dups.nth(0).getByTestId('alert-select').click();
  await dups.nth(4).getByTestId('alert-select').click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('bulk-bar')).toContainText('5 selected');
  await page.getByTestId('bulk-resolution').selectOption('merge');
  await shot('bulk-review');
  const result = await applyBulk(page, 'merge', 5);
  await expect(result.getByTestId('bulk-result-item')).toHaveCount(5);
  await shot('bulk-result');
  await page.getByTestId('bulk-result-close').click();
  await expect(pendingIn(dups)).toHaveCount(5);
  await expect(dups.nth(0).getByTestId('alert-decision-status')).toHaveText('Decided — waiting to push');

  await dups.nth(5).getByTestId('alert-details').click();
  const panel = page.getByTestId('alert-detail');
  await expect(panel).toBeVisible();
  await panel.getByTestId('detail-choice-merge').check();
  await expect(panel.getByTestId('merge-winners')).toBeVisible();
  await panel.getByTestId('winner-phone-access').check();
  await shot('alert-merge-details');
  await panel.getByTestId('detail-apply').click();
  await expect(dups.nth(5)).toHaveAttribute('data-pending', 'true');
  await panel.getByRole('button', { name: 'Close (Esc)' }).click();
  await expect(panel).toHaveCount(0);

  await dups.nth(6).getByTestId('decide-remove-duplicate').click();
  await expect(dups.nth(6)).toHaveAttribute('data-pending', 'true');
  await dups.nth(7).locator('.alert-title').click();
  await expect(dups.nth(7)).toHaveAttribute('data-active', 'true');
  await page.keyboard.press('a');
  await expect(pendingIn(dups)).toHaveCount(8);

  // 2) Name mismatch (4), by keyboard: j to the first one, then "s" (source is right) for each.
  const names = await showType(page, 'name_mismatch');
  await expect(names).toHaveCount(4);
  const remoteId = /Account (\S+)/.exec(await names.nth(0).locator('tfoot').innerText())?.[1];
  expect(remoteId).toBeTruthy();
  const firstNameTitle = await names.nth(0).locator('.alert-title').innerText();
  await page.getByRole('heading', { name: 'Alerts' }).click();
  await page.keyboard.press('j');
  await expect(names.nth(0)).toHaveAttribute('data-active', 'true');
  await shot('keyboard-review');
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('s');
    await expect(pendingIn(names)).toHaveCount(i + 1);
  }

  // 3) Email mismatch (8), in bulk: select all filtered, source is right, suspend the old accounts.
  const emails = await showType(page, 'email_mismatch');
  await expect(emails).toHaveCount(8);
  await page.getByTestId('select-all').check();
  await expect(page.getByTestId('bulk-bar')).toContainText('8 selected');
  await emails.nth(7).getByTestId('alert-select').click();
  await expect(page.getByTestId('bulk-bar')).toContainText('7 selected');
  await emails.nth(7).getByTestId('alert-select').click();
  await expect(page.getByTestId('bulk-bar')).toContainText('8 selected');
  await page.getByTestId('bulk-resolution').selectOption('source-is-right');
  await page.getByTestId('bulk-old-account').selectOption('suspend');
  await applyBulk(page, 'source-is-right', 8);
  await page.getByTestId('bulk-result-close').click();
  await expect(pendingIn(emails)).toHaveCount(8);

  // 4) Duplicate emails: everyone sharing the address is listed with ids; a fix-at-source task each.
  const shared = await showType(page, 'duplicate_emails');
  expect(await shared.count()).toBeGreaterThanOrEqual(2);
  for (let i = 0; i < 2; i++) {
    const card = shared.nth(i);
    await expect(card.locator('table.records tbody tr').first()).toContainText(/\S/);
    await card.getByTestId('decide-fix-at-source').click();
    await expect(card.getByTestId('fix-task')).toBeVisible();
    await expect(card.getByTestId('fix-task-instruction')).toContainText('own email address');
    await expect(card.getByTestId('alert-decision-status')).toHaveAttribute('data-status', 'awaiting_source');
  }

  // 20 decisions with writes wait; their alerts no longer count as open (the two tasks still do).
  await page.getByTestId('filter-type').selectOption('');
  await expect(page.getByTestId('outbox-pending')).toHaveAttribute('data-count', '20');
  await expect(page.getByTestId('outbox-pending')).toContainText('20 decisions waiting to push');
  await expect(page.getByTestId('alert-count')).toHaveText(String(initial - 20));

  // The person panel says so too.
  const dupName = (await dups.nth(0).locator('.alert-title').innerText()).replace(/ is in the access system twice$/, '');
  await page.getByTestId('nav-people').click();
  await page.getByTestId('people-search').fill(dupName);
  const personRow = page.getByTestId('person-row').first();
  await expect(personRow).toContainText(dupName);
  await expect(personRow.getByTestId('badge-pending')).toHaveText('1 to push');
  await personRow.click();
  await expect(page.getByTestId('person-pending')).toContainText('1 decision waiting to push');
  await expect(page.getByTestId('person-decisions').getByTestId('person-decision').first()).toHaveAttribute('data-status', 'pending');
  await shot('person-pending');

  // Meanwhile someone edits one of the decided accounts in the access system's own console.
  await callCore(host.url, 'demo.editAccessAccount', { remoteId, patch: { firstName: 'Edited-Upstream' } });

  // Online again, push.
  await page.getByTestId('outbox-mode').click();
  await page.getByTestId('work-offline').click();
  await expect(page.getByTestId('outbox-mode')).toHaveAttribute('data-mode', 'online');
  await page.keyboard.press('Escape');
  await page.getByTestId('push-now').click();
  const summary = page.getByTestId('push-summary');
  await expect(summary).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('push-applied')).toHaveAttribute('data-count', '19');
  await expect(page.getByTestId('push-conflicts')).toHaveAttribute('data-count', '1');
  await expect(page.getByTestId('push-failed')).toHaveAttribute('data-count', '0');
  const conflict = summary.locator('[data-testid="push-item"][data-result="conflict"]');
  await expect(conflict).toHaveCount(1);
  await expect(conflict.getByTestId('review-changes')).toContainText('Edited-Upstream');
  await expect(summary.locator('[data-testid="push-item"][data-result="applied"]')).toHaveCount(19);
  await shot('push-summary');

  // The indicator: 20 fewer open, plus the one that came back.
  await expect(page.getByTestId('alert-count')).toHaveText(String(initial - 19));
  await expect(page.getByTestId('outbox-pending')).toHaveCount(0);

  // The conflict links to its reopened alert, which shows what changed.
  await conflict.getByTestId('push-item-review').click();
  const reopened = page.getByTestId('alert-detail');
  await expect(reopened).toBeVisible();
  await expect(reopened).toContainText(firstNameTitle.slice(0, 20));
  await expect(reopened.getByTestId('review-change-row')).toContainText('Edited-Upstream');
  const reopenedCard = page.locator(`[data-testid="alert-item"][data-alert-id="${await reopened.getAttribute('data-alert-id')}"]`);
  await expect(reopenedCard.getByTestId('alert-reopened')).toBeVisible();
  await shot('alert-reopened');

  // The audit has every decision and write, per person, and exports.
  await page.getByTestId('nav-audit').click();
  const rows = page.getByTestId('audit-row');
  await expect(rows.first()).toBeVisible();
  await expect(page.locator('[data-testid="audit-row"][data-kind="decision"]')).not.toHaveCount(0);
  await expect(page.locator('[data-testid="audit-row"][data-kind="write"]').first()).toBeVisible();
  await expect(page.locator('[data-testid="audit-row"][data-result="conflict"]').first()).toBeVisible();
  await shot('audit');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);

  const who = rows.first().locator('.au-person .link-btn');
  const person = (await who.innerText()).trim();
  await who.click();
  await expect(page.getByTestId('audit-person-chip')).toContainText(person);
  for (const text of await rows.locator('.au-person').allInnerTexts()) expect(text.trim()).toBe(person);
});

test('keyboard review: access system is right makes a task, x skips, d dismisses, Enter opens details', async ({ page, host }) => {
  await page.goto(host.url);
  const initial = await alertCount(page);
  await page.getByTestId('nav-alerts').click();

  // Text filter: one person's name finds their alert.
  const names = await showType(page, 'name_mismatch');
  const title = await names.nth(1).locator('.alert-title').innerText();
  const who = /“([^”]+)”/.exec(title)![1];
  await page.getByTestId('filter-text').fill(who);
  await expect(page.getByTestId('alert-item')).toHaveCount(1);
  await page.getByTestId('filter-text').fill('');
  await expect(names).toHaveCount(4);

  await page.getByRole('heading', { name: 'Alerts' }).click();
  await page.keyboard.press('j');
  await page.keyboard.press('a');
  // The fix-at-source task says what to change in which system; the alert stays open until then.
  await expect(names.nth(0).getByTestId('fix-task-instruction')).toContainText('In Demo PMS, change the name of');
  await expect(names.nth(0).getByTestId('alert-decision-status')).toHaveAttribute('data-status', 'awaiting_source');
  await expect(names.nth(1)).toHaveAttribute('data-active', 'true');
  await page.keyboard.press('x');
  await expect(names.nth(2)).toHaveAttribute('data-active', 'true');
  await page.keyboard.press('k');
  await expect(names.nth(1)).toHaveAttribute('data-active', 'true');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('alert-detail')).toContainText(title.slice(0, 30));
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('alert-detail')).toHaveCount(0);

  // d dismisses (remembered), the indicator drops by one.
  await page.keyboard.press('d');
  await expect(names).toHaveCount(3);
  await expect(page.getByTestId('alert-count')).toHaveText(String(initial - 1));
});
