import Database from 'better-sqlite3';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { goOffline } from './alerts-helpers';

// Offline bulk review at scale in the window: 520 open alerts of all four kinds, some with
// hostile names (very long, right-to-left override, zero-width, HTML), select all and apply.
// The alert rows are copied from the demo's own alerts straight into the data folder's database
// (setting the scene only; every decision goes through the window).

const HOSTILE = [
  `${'Wolfeschlegelsteinhausenbergerdorff'.repeat(8)} Maximilian-Alexander`,
  'Ali \u202Eevil.exe\u202C Hassan',
  'Zero\u200B\u200D\u2060 Width',
  '<img src=x onerror="window.__pwned=1"> <b>Bold</b>',
  'سارة المحمد',
];

function seedAlerts(dataDir: string, n: number): void {
  const db = new Database(join(dataDir, 'rollcall.db'));
  try {
    db.pragma('busy_timeout = 5000');
    type Row = { site_id: string; type: string; title: string; person_ids: string; detail: string; opened_at: string };
    const templates = db
      .prepare<[], Row>(`SELECT site_id, type, title, person_ids, detail, opened_at FROM alert WHERE status = 'open' GROUP BY type`)
      .all();
    expect(templates.map((t) => t.type).sort()).toEqual(['duplicate_accounts', 'duplicate_emails', 'email_mismatch', 'name_mismatch']);
    const insert = db.prepare(
      `INSERT INTO alert (id, site_id, type, fingerprint, status, title, person_ids, detail, records_hash, opened_at, updated_at)
       VALUES (?, ?, ?, ?, 'open', ?, ?, ?, 'seeded', ?, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const t = templates[i % templates.length];
        const detail = JSON.parse(t.detail) as Record<string, Record<string, unknown>>;
        const hostile = i % 10 === 0 ? HOSTILE[(i / 10) % HOSTILE.length] : null;
        if (hostile && detail.source) detail.source.firstName = hostile;
        const title = hostile ? `${hostile} #${i}` : `${t.title} #${i}`;
        insert.run(`scale-${i}`, t.site_id, t.type, `${t.type}:scale:${i}`, title, t.person_ids, JSON.stringify(detail), t.opened_at, t.opened_at);
      }
    })();
  } finally {
    db.close();
  }
}

test('520 alerts: select all and apply all of them at once, hostile names stay text and inside their cards', async ({ page, host, shot }) => {
  seedAlerts(host.dataDir, 520);
  await page.goto(host.url);

  await goOffline(page);

  await page.getByTestId('nav-alerts').click();
  const summary = page.getByTestId('alerts-summary');
  await expect(summary).toContainText(/5\d\d open/);
  const open = Number(/([\d,]+) open/.exec(await summary.innerText())![1].replace(/,/g, ''));
  expect(open).toBeGreaterThanOrEqual(520);

  // Hostile names are plain text: nothing they carry became markup.
  await page.getByTestId('filter-text').fill('onerror');
  await expect(page.getByTestId('alert-item').first()).toContainText('<img src=x');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await expect(page.locator('[data-testid="alerts-list"] img')).toHaveCount(0);
  await page.getByTestId('filter-text').fill('Wolfeschlegel');
  const long = page.getByTestId('alert-item').first();
  await expect(long).toContainText('Wolfeschlegel');
  // A 290-character name wraps or clips inside its card; the list does not scroll sideways.
  const overflow = await page.getByTestId('alerts-list').evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  const box = await long.boundingBox();
  const listBox = await page.getByTestId('alerts-list').boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(listBox!.x + listBox!.width + 1);
  // The whole title can be read (it wraps), and the card's "Opened …" stays inside the card.
  const title = long.locator('.alert-title');
  expect(await title.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
  const opened = await long.getByText(/^Opened /).boundingBox();
  expect(opened!.x + opened!.width).toBeLessThanOrEqual(box!.x + box!.width + 1);
  await shot('offline-review-long-name');
  await page.getByTestId('filter-text').fill('evil');
  await expect(page.getByTestId('alert-item').first()).toContainText('evil');
  await shot('offline-review-hostile-names');
  await page.getByTestId('filter-text').fill('');
  await expect(summary).toContainText(/5\d\d open/);

  // Select all (every page), one resolution for all of them: dismiss fits every kind.
  await page.getByTestId('select-all').check();
  await expect(page.getByTestId('bulk-bar')).toContainText(`${open.toLocaleString('en-US')} selected`);
  await page.getByTestId('bulk-resolution').selectOption('dismiss');
  await page.getByTestId('bulk-apply').click();
  await expect(page.getByTestId('bulk-result')).toBeVisible();
  await expect(page.getByTestId('bulk-errors')).toHaveAttribute('data-count', '0');
  await shot('offline-review-500-applied');
  await expect(summary).toContainText(/^\s*0 open/);
});
