import Database from 'better-sqlite3';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { goOffline } from './alerts-helpers';

// A site with years of history: more than 5,000 resolved alerts. A decision made offline waits to
// be pushed and must stay on the Alerts screen, in place, however many resolved alerts came
// before it. The old resolved alerts are written straight into the data folder's database
// (setting the scene only); the decision goes through the window.

function seedResolved(dataDir: string, n: number): void {
  const db = new Database(join(dataDir, 'rollcall.db'));
  try {
    db.pragma('busy_timeout = 5000');
    const siteId = db.prepare(`SELECT site_id FROM alert LIMIT 1`).pluck().get() as string;
    const alert = db.prepare(
      `INSERT INTO alert (id, site_id, type, fingerprint, status, title, person_ids, detail, records_hash, opened_at, updated_at, closed_at)
       VALUES (?, ?, 'duplicate_accounts', ?, 'resolved', ?, '[]', '{}', 'seeded', ?, ?, ?)`,
    );
    const decision = db.prepare(
      `INSERT INTO decision (id, site_id, alert_id, alert_type, fingerprint, person_key, resolution, actor, decided_at, status, finished_at)
       VALUES (?, ?, ?, 'duplicate_accounts', ?, ?, 'merge', 'seeded', ?, 'applied', ?)`,
    );
    const at = '2020-01-01T00:00:00.000Z';
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const fp = `duplicate_accounts:history:${i}`;
        alert.run(`history-${i}`, siteId, fp, `Old duplicate #${i}`, at, at, at);
        decision.run(`history-d-${i}`, siteId, `history-${i}`, fp, `history:${i}`, at, at);
      }
    })();
  } finally {
    db.close();
  }
}

test('a decision waiting to push stays on the Alerts screen behind 6,000 resolved alerts', async ({ page, host, shot }) => {
  seedResolved(host.dataDir, 6000);
  await page.goto(host.url);

  await goOffline(page);

  await page.getByTestId('nav-alerts').click();
  await page.getByTestId('filter-type').selectOption('name_mismatch');
  const card = page.getByTestId('alert-item').first();
  const alertId = await card.getAttribute('data-alert-id');
  await card.getByTestId('decide-source-is-right').click();
  const decided = page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`);
  await expect(decided).toHaveAttribute('data-pending', 'true');

  // Read again from the core, as any later event or a restart of the window would.
  await page.reload();
  await page.getByTestId('nav-alerts').click();
  await expect(page.getByTestId('alerts-summary')).toContainText('1 decided, waiting to push');
  await expect(decided).toHaveAttribute('data-pending', 'true');
  await expect(decided.getByTestId('alert-decision-status')).toHaveText('Decided — waiting to push');
  await page.getByTestId('filter-type').selectOption('name_mismatch');
  await expect(decided).toHaveAttribute('data-pending', 'true');
  await shot('pending-behind-resolved');
});
