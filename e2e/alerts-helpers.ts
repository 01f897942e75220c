import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';

/**
 * On the Alerts screen: shows one type, ticks its first `count` alerts (a click, then a
 * shift-click for the range, as a manager would) and asks for `resolution` in bulk. Returns the
 * confirmation dialog whose text contains `dialogText`; the caller answers it.
 */
export async function askBulkResolution(page: Page, type: string, count: number, resolution: string, dialogText: string): Promise<Locator> {
  await page.getByTestId('nav-alerts').click();
  await page.getByTestId('filter-type').selectOption(type);
  const cards = page.getByTestId('alert-item');
  await expect(cards.first()).toHaveAttribute('data-alert-type', type);
  await cards.nth(0).getByTestId('alert-select').click();
  await cards.nth(count - 1).getByTestId('alert-select').click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('bulk-bar')).toContainText(`${count} selected`);
  await page.getByTestId('bulk-resolution').selectOption(resolution);
  await page.getByTestId('bulk-apply').click();
  const confirm = page.getByTestId('confirm-dialog').filter({ hasText: dialogText });
  await expect(confirm).toBeVisible();
  return confirm;
}

/** Switches the outbox to "work offline" from the header menu: decisions stay on this computer. */
export async function goOffline(page: Page): Promise<void> {
  await page.getByTestId('outbox-mode').click();
  await page.getByTestId('work-offline').click();
  await expect(page.getByTestId('outbox-mode')).toHaveAttribute('data-mode', 'offline-manual');
  await page.keyboard.press('Escape');
}
