import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { startEntrataFake } from '../src-main/core/adapters/entrata/fake-entrata';
import type { EntrataFake } from '../src-main/core/adapters/entrata/fake-entrata';
import { startSeamFake } from '../src-main/core/adapters/seam/fake-seam';
import type { SeamFake } from '../src-main/core/adapters/seam/fake-seam';

// A manager connects a real-shaped Entrata (its fake, on 127.0.0.1) and a Seam access system
// (Seam's own published fake behind our fault front) on the Connections page, tests both, syncs,
// and re-syncs one resident to Seam from their row in the people list.

const PROPERTY = '100234';

// The header holds many screens now; at 1440 px its right end (Sync now) slides under the alert
// indicator. Wider than the default until the header wraps or collapses (reported to the lead).
test.use({ viewport: { width: 1680, height: 900 } });

let entrata: EntrataFake;
let seam: SeamFake;

test.beforeEach(async () => {
  entrata = await startEntrataFake({
    residents: [
      { customerId: '7001', leaseId: 'L-7001', propertyId: PROPERTY, firstName: 'Wilhelmina', lastName: 'Quarrington', email: 'w.quarrington@example.com', phone: '+1 415 555 0182', unitNumber: '12B', status: 'Current' },
      { customerId: '7002', leaseId: 'L-7002', propertyId: PROPERTY, firstName: 'Bartholomew', lastName: 'Ystrad', email: 'bart.ystrad@example.com', unitNumber: '4A', status: 'Notice' },
    ],
    properties: [{ id: PROPERTY, name: 'Harbor View' }],
  });
  seam = await startSeamFake();
});

test.afterEach(async () => {
  await entrata?.close();
  await seam?.close();
});

async function openConnections(page: Page) {
  await page.getByTestId('nav-connections').click();
  await expect(page.getByTestId('connections-source')).toBeVisible();
}

test('add Entrata and Seam, test them, sync, and re-sync one resident to Seam from their row', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await openConnections(page);
  await expect(page.getByTestId('secret-storage')).toContainText('Secrets are stored in an encrypted file in the data folder');
  await expect(page.getByTestId('secret-storage')).toContainText('not in the OS keychain');

  // --- Entrata, from the spec's form ---
  const sources = page.getByTestId('connections-source');
  await sources.getByTestId('add-source').click();
  const form = sources.getByTestId('connection-form');
  await form.getByTestId('connection-kind').selectOption('entrata');
  await form.getByTestId('connection-name').fill('Entrata — Harbor View');
  await form.getByTestId('connection-field-propertyCodes').fill(PROPERTY);
  await form.getByTestId('connection-field-username').fill(entrata.username);
  await form.getByTestId('connection-secret-password').fill(entrata.password);
  await form.getByTestId('connection-field-baseUrl').fill(entrata.url);
  await expect(form.getByTestId('connection-secret-password')).toHaveAttribute('type', 'password');
  await form.getByTestId('connection-form-test').click();
  await expect(form.getByTestId('connection-test-result')).toContainText(/Connected|Entrata/);
  await expect(form.getByTestId('connection-test-result')).not.toContainText(entrata.password);
  await shot('connections-entrata-form');
  await form.getByTestId('connection-save').click();

  const entrataItem = sources.getByTestId('connection-item').filter({ hasText: 'Entrata — Harbor View' });
  await expect(entrataItem).toBeVisible();
  await expect(entrataItem.getByTestId('connection-secret-state')).toContainText('•••• set');
  await entrataItem.getByTestId('connection-test').click();
  const entrataTest = entrataItem.getByTestId('connection-test-result');
  await expect(entrataTest).toBeVisible();
  await expect(entrataTest).not.toContainText('✕');

  // Editing shows the stored password as set, never its value.
  await entrataItem.getByTestId('connection-edit').click();
  const editForm = entrataItem.getByTestId('connection-form');
  await expect(editForm.getByTestId('connection-secret-password')).toHaveValue('');
  await expect(editForm.getByTestId('connection-secret-password')).toHaveAttribute('placeholder', '•••• set');
  await expect(editForm.getByTestId('secret-set-password')).toBeVisible();
  // A saved password is only sent where it was saved: a new address asks for it again.
  const address = editForm.getByTestId('connection-field-baseUrl');
  await address.fill('https://elsewhere.example');
  await expect(editForm.getByTestId('secret-retype-password')).toContainText('The address changed, so enter the API password again');
  await expect(editForm.getByTestId('connection-secret-password')).toHaveAttribute('required', '');
  await address.fill(`${entrata.url.toUpperCase()}/another-path`);
  await expect(editForm.getByTestId('secret-retype-password')).toHaveCount(0);
  await expect(editForm.getByTestId('connection-secret-password')).not.toHaveAttribute('required', '');
  await editForm.getByRole('button', { name: 'Cancel' }).click();

  // --- Seam as an access system ---
  const access = page.getByTestId('connections-access');
  await access.getByTestId('add-access').click();
  const seamForm = access.getByTestId('connection-form');
  await seamForm.getByTestId('connection-kind').selectOption('seam');
  await seamForm.getByTestId('connection-name').fill('Seam (lobby doors)');
  await seamForm.getByTestId('connection-field-baseUrl').fill(seam.url);
  await seamForm.getByTestId('connection-secret-apiKey').fill(seam.apiKey);
  await seamForm.getByTestId('connection-field-acsSystemId').fill(seam.acsSystemId);
  await seamForm.getByTestId('connection-save').click();
  const seamItem = access.getByTestId('connection-item').filter({ hasText: 'Seam (lobby doors)' });
  await expect(seamItem).toBeVisible();
  await seamItem.getByTestId('connection-test').click();
  await expect(seamItem.getByTestId('connection-test-result')).toBeVisible();
  await expect(seamItem.getByTestId('connection-test-result')).not.toContainText('✕');
  await shot('connections');

  // Secrets never come back to the page.
  const html = await page.content();
  expect(html).not.toContain(entrata.password);
  expect(html).not.toContain(seam.apiKey);

  // --- Sync: the Entrata residents arrive ---
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-status')).toContainText(/Sync complete/, { timeout: 30_000 });
  await page.getByTestId('nav-people').click();
  await page.getByTestId('people-search').fill('Quarrington');
  const row = page.getByTestId('person-row').filter({ hasText: 'Wilhelmina Quarrington' });
  await expect(row).toBeVisible();
  await expect(row.getByTestId('badge-source')).toContainText('Entrata — Harbor View');

  // --- Re-sync from the row's Sync button ---
  await row.getByTestId('person-sync').click();
  const menu = page.getByTestId('sync-menu');
  await expect(menu).toBeVisible();
  // Every access system of the site is offered (the demo's own ones too).
  await expect(menu.getByTestId('sync-target').filter({ hasText: 'Demo Access' })).toBeVisible();
  await shot('sync-menu');
  await menu.getByTestId('sync-target').filter({ hasText: 'Seam (lobby doors)' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Key re-synced to Seam (lobby doors)' })).toBeVisible({ timeout: 30_000 });
  expect(seam.users.list().filter((u) => u.full_name === 'Wilhelmina Quarrington')).toHaveLength(1);

  // The card shows the delivery, and a second push from the panel changes nothing upstream.
  await row.click();
  const panel = page.getByTestId('person-panel');
  const seamDelivery = panel.getByTestId('delivery-row').filter({ hasText: 'Seam (lobby doors)' });
  await expect(seamDelivery).toHaveAttribute('data-state', 'applied');
  await expect(seamDelivery.getByTestId('delivery-state')).toHaveText('Applied');
  await expect(seamDelivery.getByTestId('delivery-reason')).toContainText('account created');
  await shot('person-panel-delivery');

  await panel.getByTestId('person-sync').click();
  await page.getByTestId('sync-menu').getByTestId('sync-target').filter({ hasText: 'Seam (lobby doors)' }).click();
  await expect(seamDelivery.getByTestId('delivery-reason')).toContainText('already up to date', { timeout: 30_000 });
  expect(seam.users.list().filter((u) => u.full_name === 'Wilhelmina Quarrington')).toHaveLength(1);
});

test('a failed re-sync shows the reason in the toast and on the card', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await openConnections(page);
  const access = page.getByTestId('connections-access');
  await access.getByTestId('add-access').click();
  const seamForm = access.getByTestId('connection-form');
  await seamForm.getByTestId('connection-kind').selectOption('seam');
  await seamForm.getByTestId('connection-name').fill('Seam');
  await seamForm.getByTestId('connection-field-baseUrl').fill(seam.url);
  await seamForm.getByTestId('connection-secret-apiKey').fill(seam.apiKey);
  await seamForm.getByTestId('connection-field-acsSystemId').fill(seam.acsSystemId);
  await seamForm.getByTestId('connection-save').click();
  await expect(access.getByTestId('connection-item').filter({ hasText: 'Seam' })).toBeVisible();

  // Seam refuses every write with 401 (the key was revoked).
  seam.misbehave({ status: 401, times: Infinity });
  await page.getByTestId('nav-people').click();
  const row = page.getByTestId('person-row').first();
  await row.click();
  const panel = page.getByTestId('person-panel');
  await panel.getByTestId('person-sync').click();
  await page.getByTestId('sync-menu').getByTestId('sync-target').filter({ hasText: 'Seam' }).click();
  const toast = page.getByTestId('toast').filter({ hasText: 'Could not re-sync to Seam' });
  await expect(toast).toBeVisible({ timeout: 30_000 });
  await expect(toast).not.toContainText(seam.apiKey);
  const delivery = panel.getByTestId('delivery-row').filter({ hasText: 'Seam' });
  await expect(delivery).toHaveAttribute('data-state', 'failed');
  await expect(delivery.getByTestId('delivery-reason')).not.toBeEmpty();
  await shot('person-panel-delivery-failed');
});
