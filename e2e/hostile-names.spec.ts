/// <reference lib="dom" />
import { test, expect } from './fixtures';
import type { Locator } from '@playwright/test';
import { callCore } from './core-call';

// Names read from an access system are shown as that system sent them. One holding a bidi
// override ("Ali \u202Eexe.live Hassan", never closed) would read as another name and reorder
// the words after it. On screen such characters show as a small visible code, and each name is
// isolated from the text around it. The scene is set through the demo access system's own
// console (someone renamed an account there); everything asserted is what the window shows.

const HOSTILE_FIRST = 'Ali \u202Eexe.live';
const HOSTILE_LAST = 'Hassan';

interface AlertRow {
  id: string;
  title: string;
  detail: { account?: { remoteId: string } | null; source?: { firstName: string; lastName: string } };
}

/**
 * Where each piece starts on screen, left to right, in the element's rendered text (the first
 * occurrence after the previous piece). Text that a bidi control reordered starts elsewhere.
 */
async function startsOf(el: Locator, pieces: string[]): Promise<number[]> {
  return el.evaluate((root, wanted) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes: Text[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
    const whole = nodes.map((n) => n.data).join('');
    const xs: number[] = [];
    let from = 0;
    for (const piece of wanted) {
      const at = whole.indexOf(piece, from);
      if (at < 0) throw new Error(`"${piece}" is not in "${whole}"`);
      from = at + piece.length;
      // The node and offset of the piece's first character.
      let offset = at;
      const node = nodes.find((n) => (offset < n.data.length ? true : ((offset -= n.data.length), false)))!;
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + 1);
      xs.push(range.getBoundingClientRect().left);
    }
    return xs;
  }, pieces);
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

/**
 * Waits until the pieces start left to right. Measured again until then: a list that re-renders
 * (the search filter settling) can detach the nodes being measured, and a detached range reads 0.
 */
async function expectInOrder(el: Locator, pieces: string[]): Promise<void> {
  await expect.poll(async () => {
    const xs = await startsOf(el, pieces);
    return increasing(xs) ? 'left to right' : `left edges: ${xs.join(', ')}`;
  }).toBe('left to right');
}

test('a bidi override in an account name shows as a marker and cannot reorder the text around it', async ({ page, host, shot }) => {
  const [site] = await callCore<Array<{ id: string }>>(host.url, 'sites.list', {});
  const [mismatch] = await callCore<AlertRow[]>(host.url, 'alerts.query', { siteId: site.id, type: 'name_mismatch' });
  const remoteId = mismatch.detail.account!.remoteId;
  // Someone renames the account in the access system's own console; the next pass reads it.
  await callCore(host.url, 'demo.editAccessAccount', { remoteId, patch: { firstName: HOSTILE_FIRST, lastName: HOSTILE_LAST } });
  await callCore(host.url, 'sync.runNow', { siteId: site.id });
  const [renamed] = (await callCore<AlertRow[]>(host.url, 'alerts.query', { siteId: site.id, type: 'name_mismatch' })).filter((a) => a.id === mismatch.id);
  // Stored as sent: the override is still in the title the core keeps.
  expect(renamed.title).toContain(`“${HOSTILE_FIRST} ${HOSTILE_LAST}”`);

  await page.goto(host.url);
  await page.getByTestId('nav-alerts').click();
  await page.getByTestId('filter-text').fill('exe.live');
  const card = page.locator(`[data-testid="alert-item"][data-alert-id="${mismatch.id}"]`);
  await expect(card).toBeVisible();

  // The title: the override shows as its code, and the words keep their order left to right.
  const title = card.locator('.alert-title');
  const marker = title.getByTestId('hidden-char');
  await expect(marker).toHaveCount(1);
  await expect(marker).toBeVisible();
  await expect(marker).toHaveText('U+202E');
  await expect(marker).toHaveAttribute('title', /hidden direction character/);
  expect(await title.evaluate((el) => el.textContent)).not.toContain('\u202E');
  await expectInOrder(title, ['Name differs', 'vs', '“', 'Ali', 'U+202E', 'exe', 'live', 'Hassan', '”']);
  // The name is isolated from the text around it.
  await expect(title.locator('bdi')).toHaveCSS('unicode-bidi', 'isolate');

  // The compared first name in the card, the same way.
  const firstRow = card.locator('table.compare tbody tr').filter({ hasText: 'First name' });
  const cell = firstRow.locator('td').nth(1);
  await expect(cell.getByTestId('hidden-char')).toHaveText('U+202E');
  await expectInOrder(cell, ['Ali', 'U+202E', 'exe', 'live']);
  await shot('hostile-names-alert-card');

  // The detail panel: its heading and its comparison.
  await card.getByTestId('alert-details').click();
  const panel = page.getByTestId('alert-detail');
  await expect(panel).toBeVisible();
  const heading = panel.locator('h2');
  await expect(heading.getByTestId('hidden-char')).toHaveText('U+202E');
  // A tooltip takes plain text only: the code is written out there too.
  await expect(heading).toHaveAttribute('title', /“Ali \[U\+202E\]exe\.live Hassan”/);
  // (The heading is cut to one line; the panel's own comparison shows the name whole.)
  const panelCell = panel.locator('table.compare tbody tr').filter({ hasText: 'First name' }).locator('td').nth(1);
  await expect(panelCell.getByTestId('hidden-char')).toBeVisible();
  await expectInOrder(panelCell, ['Ali', 'U+202E', 'exe', 'live']);
  await shot('hostile-names-alert-detail');
});

test('names in a CSV file show their hidden characters in the import preview', async ({ page, host, shot }) => {
  // A zero-width space makes "Mira" and "Mi\u200Bra" look like the same name; an override reorders the text.
  const file = ['id,first,last,email', 'c-1,Mi\u200Bra,Holt,mira@example.com', `c-2,${HOSTILE_FIRST},${HOSTILE_LAST},ali@example.com`].join('\n');
  await page.goto(host.url);
  await page.getByTestId('nav-connections').click();
  await page.getByTestId('connections-source').getByTestId('csv-import-open').click();
  const dialog = page.getByTestId('csv-import-dialog');
  await dialog.getByTestId('csv-file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(file, 'utf8') });

  // Cells by position: ID, first name, last name…
  const rows = dialog.getByTestId('csv-sample-row');
  await expect(rows).toHaveCount(2);
  const mira = rows.nth(0).locator('td').nth(1);
  await expect(mira.getByTestId('hidden-char')).toHaveText('U+200B');
  await expect(mira).toHaveAttribute('title', 'Mi[U+200B]ra');
  const ali = rows.nth(1).locator('td').nth(1);
  await expect(ali.getByTestId('hidden-char')).toHaveText('U+202E');
  expect(await ali.evaluate((el) => el.textContent)).not.toContain('\u202E');
  await expectInOrder(ali, ['Ali', 'U+202E', 'exe', 'live']);
  // The override, never closed in the file, stays inside its cell: the last name reads as sent.
  await expect(rows.nth(1).locator('td').nth(2)).toHaveText(HOSTILE_LAST);
  await shot('hostile-names-csv-preview');
});
