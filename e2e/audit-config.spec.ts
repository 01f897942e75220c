import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';
import { callCore } from './core-call';

// "Who turned off the PMS sync?": a manager switches a source off on the Sync settings screen and
// finds it on the Audit screen, with who did it and the value before and after. A change made in
// another window shows up on an open Audit screen without reloading.

test('a source switched off and a setting changed show on the Audit screen with who, what and before → after', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await page.getByTestId('nav-settings').click();
  const source = page.getByTestId('source-item').filter({ hasText: 'Demo PMS' });
  const toggle = source.getByTestId('source-toggle');
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'false');

  await page.getByTestId('nav-audit').click();
  const changes = page.locator('[data-testid="audit-row"][data-kind="change"]');
  const off = changes.filter({ hasText: 'Source turned off' });
  await expect(off).toHaveCount(1);
  await expect(off).toContainText('Change');
  await expect(off).toContainText('Demo PMS');
  await expect(off.locator('.au-who')).toHaveText(/\(manager, browser\)/);
  await off.click();
  await expect(page.getByTestId('audit-message')).toHaveText("Source 'Demo PMS' turned off: it is no longer synced (the people it brought in stay)");
  const table = page.getByTestId('audit-changes');
  await expect(table).toContainText('Status');
  await expect(table.locator('tbody tr').first().locator('td')).toHaveText(['on', 'off']);
  await shot('audit-change');

  // Another window changes the schedule: the open trail picks it up.
  const [site] = await callCore<Array<{ id: string }>>(host.url, 'sites.list', {});
  await callCore(host.url, 'settings.update', { siteId: site.id, patch: { scheduleMinutes: 30 } });
  const schedule = changes.filter({ hasText: 'Sync settings changed' });
  await expect(schedule).toHaveCount(1);
  await schedule.click();
  await expect(page.getByTestId('audit-message')).toHaveText('Sync settings changed: schedule (minutes) 60 → 30');

  // A connection edited elsewhere: its settings by name, its secret by label only.
  const { access } = await callCore<{ access: Array<{ id: string; name: string }> }>(host.url, 'connections.list', { siteId: site.id });
  const secret = 'tok_e2e_never_shown_31337';
  await callCore(host.url, 'connections.update', { id: access[0].id, name: 'Lobby doors', secrets: { token: secret } });
  const edited = changes.filter({ hasText: 'Connection updated' });
  await expect(edited).toHaveCount(1);
  await expect(edited).toContainText('Lobby doors');
  await edited.click();
  await expect(page.getByTestId('audit-message')).toHaveText("Connection 'Lobby doors' updated: name; secrets changed: API token");
  await expect(page.getByTestId('audit-secrets')).toContainText('API token');
  await expect(page.getByTestId('audit-changes')).toContainText(`${access[0].name}`);
  await shot('audit-connection-change');

  // The CSV export carries the change entries.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  expect(csv.split('\r\n')[0]).toMatch(/,changes$/);
  expect(csv).toContain('source-turned-off');
  expect(csv).toContain('Schedule (minutes): 60 → 30');
  expect(csv).toContain('secrets changed: API token');
  expect(csv).not.toContain(secret);
});
