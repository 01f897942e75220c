import WebSocket from 'ws';
import { test, expect } from './fixtures';
import { startAlarmPanelFake } from '../src-main/core/adapters/alarm-panel/fake-alarm-panel';
import type { AlarmPanelFake } from '../src-main/core/adapters/alarm-panel/fake-alarm-panel';

// Alarm-panel locations: sync users for all locations, watch per-location progress, then read
// the event log of one location (and make sure the page says which one it shows).

/** One call to the console's API over its WebSocket, as the page itself would make it. */
async function invoke<T>(consoleUrl: string, name: string, args: unknown): Promise<T> {
  const url = new URL(consoleUrl);
  const ws = new WebSocket(`ws://${url.host}/rpc?token=${encodeURIComponent(url.searchParams.get('token') ?? '')}`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return await new Promise<T>((resolve, reject) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { t: string; id?: number; ok?: boolean; result?: unknown; error?: { message: string } };
        if (msg.t !== 'res' || msg.id !== 1) return;
        if (msg.ok) resolve(msg.result as T);
        else reject(new Error(msg.error?.message));
      });
      ws.send(JSON.stringify({ t: 'req', id: 1, name, args }));
    });
  } finally {
    ws.close();
  }
}

let fake: AlarmPanelFake;

test.beforeEach(async () => {
  fake = await startAlarmPanelFake({
    applyDelayMs: 600,
    locations: [
      { locationId: 'LOC-E1', name: 'Test office', address: '1 Test Way', users: [{ slot: 1, name: 'Master', code: '9137', partitions: [1] }] },
      { locationId: 'LOC-E2', name: 'Test gym', address: '1 Test Way, B', users: [{ slot: 1, name: 'Master', code: '5820', partitions: [1] }] },
      { locationId: 'LOC-E3', name: 'Test garage', address: '3 Test Way', online: false, users: [{ slot: 1, name: 'Master', code: '2468', partitions: [1] }] },
    ],
  });
});

test.afterEach(async () => {
  await fake.close();
});

test('sync users for all locations, then read the event log of one location', async ({ page, host, shot }) => {
  const sites = await invoke<Array<{ id: string; isDemo: boolean }>>(host.url, 'sites.list', {});
  const siteId = sites.find((s) => s.isDemo)!.id;
  await invoke(host.url, 'locations.connect', { siteId, name: 'Test alarm service', baseUrl: fake.url, apiKey: fake.apiKey });

  await page.goto(host.url);
  await page.getByTestId('nav-locations').click();
  const card = (id: string) => page.locator(`[data-testid="location-card"][data-location="${id}"]`);
  await expect(card('LOC-E1')).toBeVisible();
  await expect(card('LOC-E3')).toHaveAttribute('data-connection', 'offline');
  await expect(card('LOC-E1').getByTestId('location-connection')).toHaveText('Online');
  await shot('locations');

  await page.getByTestId('all-sync-users').click();
  const run = page.getByTestId('locations-run');
  await expect(run).toBeVisible();
  // Progress is per location while it runs.
  await expect(run.locator('[data-testid="locations-run-row"][data-state="running"]').first()).toBeVisible();
  await shot('locations-sync-all-running');
  await expect(run).toHaveAttribute('data-finished', 'true', { timeout: 30_000 });
  const row = (name: string) => run.locator(`[data-testid="locations-run-row"][data-location-name="${name}"]`);
  await expect(row('Test garage')).toHaveAttribute('data-state', 'failed');
  await expect(row('Test garage')).toContainText(/offline/);
  await expect(row('Test office')).toHaveAttribute('data-state', 'done');
  await expect(row('Test gym')).toHaveAttribute('data-state', 'done');
  await expect(card('LOC-E1').getByTestId('location-last-sync')).toContainText('Success');
  await shot('locations-sync-all-done');

  // The staff of the demo now hold codes on the online panels; never a full code on screen.
  const onPanel = fake.panelUsers('LOC-E1').filter((u) => u.slot !== 1);
  expect(onPanel.length).toBeGreaterThan(5);
  const pageText = await page.locator('main').innerText();
  for (const u of onPanel.slice(0, 10)) expect(pageText).not.toContain(u.code);

  // "Go to events" for the garage (the demo's own locations sit beside these): the events page names the garage, not the previously selected location.
  await row('Test garage').getByTestId('locations-run-events').click();
  await expect(page.getByTestId('events-location-name')).toHaveText('Test garage');
  await expect(page.getByTestId('location-select')).toHaveValue(/.+/);
  const garageEvents = page.getByTestId('location-event');
  await expect(garageEvents.first()).toHaveAttribute('data-type', 'user_sync');
  await expect(garageEvents.first()).toHaveAttribute('data-result', 'failed');
  await expect(garageEvents.first()).toContainText(/offline/);
  await shot('location-events-garage');

  // Switching the selected location switches the log, and the page says so.
  await page.getByTestId('location-select').selectOption({ label: 'Test office (LOC-E1)' });
  await expect(page.getByTestId('events-location-name')).toHaveText('Test office');
  await expect(garageEvents.first()).toHaveAttribute('data-result', 'success');
  await expect(garageEvents.first()).toContainText(/Users synced/);
  await shot('location-events-office');
});

test('sync panel shows the keypad changes as differences, and one is resolved', async ({ page, host, shot }) => {
  const sites = await invoke<Array<{ id: string; isDemo: boolean }>>(host.url, 'sites.list', {});
  const siteId = sites.find((s) => s.isDemo)!.id;
  const connected = await invoke<{ locations: Array<{ id: string; remoteId: string }> }>(host.url, 'locations.connect', {
    siteId,
    name: 'Test alarm service',
    baseUrl: fake.url,
    apiKey: fake.apiKey,
    locationIds: ['LOC-E1'],
  });
  await invoke(host.url, 'locations.syncUsers', { locationId: connected.locations[0].id });
  const someone = fake.serviceUsers('LOC-E1').find((u) => u.slot === 2)!;
  fake.editPanelUser('LOC-E1', someone.slot, null);
  fake.editPanelUser('LOC-E1', 44, { name: 'Contractor', code: '8842' });

  await page.goto(host.url);
  await page.getByTestId('nav-locations').click();
  const card = page.locator('[data-testid="location-card"][data-location="LOC-E1"]');
  await card.getByTestId('location-sync-panel').click();
  await expect(card.getByTestId('location-differences')).toHaveText('2 differences', { timeout: 20_000 });
  // The differences list follows the selected location: make sure it is this one.
  await page.getByTestId('location-select').selectOption({ label: 'Test office (LOC-E1)' });
  const diffs = page.getByTestId('difference-row');
  await expect(diffs).toHaveCount(2);
  await expect(page.locator('[data-testid="difference-row"][data-kind="extra_on_panel"]')).toContainText('•••2');
  await shot('location-differences');

  // Keep the contractor the installer added at the keypad; push the missing person back.
  await page.locator('[data-testid="difference-row"][data-kind="extra_on_panel"]').getByTestId('difference-accept').click();
  await expect(diffs).toHaveCount(1, { timeout: 20_000 });
  expect(fake.serviceUsers('LOC-E1').find((u) => u.slot === 44)?.name).toBe('Contractor');
  await page.locator('[data-testid="difference-row"][data-kind="missing_on_panel"]').getByTestId('difference-push').click();
  await expect(diffs).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId('location-differences-panel')).toContainText('agree');
  expect(fake.panelUsers('LOC-E1').some((u) => u.slot === someone.slot)).toBe(true);
  await page.getByTestId('location-events-tab').click();
  await expect(page.getByTestId('events-location-name')).toHaveText('Test office');
  await expect(page.locator('[data-testid="location-event"][data-type="resolve"]')).toHaveCount(2);
  await shot('location-events-resolved');
});

test('a panel user whose name holds a hidden direction character shows it as a marker in the differences', async ({ page, host }) => {
  const sites = await invoke<Array<{ id: string; isDemo: boolean }>>(host.url, 'sites.list', {});
  const siteId = sites.find((s) => s.isDemo)!.id;
  await invoke(host.url, 'locations.connect', { siteId, name: 'Test alarm service', baseUrl: fake.url, apiKey: fake.apiKey, locationIds: ['LOC-E1'] });
  // Typed at the keypad: an override that would make the name, and the code after it, read backwards.
  fake.editPanelUser('LOC-E1', 45, { name: 'Ali \u202Eexe.live', code: '7731' });

  await page.goto(host.url);
  await page.getByTestId('nav-locations').click();
  const card = page.locator('[data-testid="location-card"][data-location="LOC-E1"]');
  await card.getByTestId('location-sync-panel').click();
  await page.getByTestId('location-select').selectOption({ label: 'Test office (LOC-E1)' });
  const row = page.locator('[data-testid="difference-row"][data-slot="45"]');
  await expect(row).toBeVisible({ timeout: 20_000 });
  // Slot, difference, at the service, on the panel.
  const onPanel = row.locator('td').nth(3);
  await expect(onPanel.getByTestId('hidden-char')).toHaveText('U+202E');
  expect(await onPanel.evaluate((el) => el.textContent)).not.toContain('\u202E');
  // The name is isolated: the code and partitions after it read as they should.
  await expect(onPanel).toContainText(/live\s*· code •••1 · partition 1$/);
  await expect(onPanel.locator('bdi')).toHaveCSS('unicode-bidi', 'isolate');
});
