/// <reference lib="dom" />
import { test, expect } from './fixtures';
import { refuseCalls } from './refuse-calls';
import type { Page } from '@playwright/test';
import { callCore } from './core-call';

// A front-desk shift on a shared workstation, done the hard way: keyboard only, with the awkward
// names real buildings have (very long, right-to-left, emoji, markup), and a typed external id.

const LONG_FIRST = 'Maximiliana-Josephina'.repeat(5); // 105 characters
const LONG_LAST = 'Wolfeschlegelsteinhausenbergerdorff'.repeat(3).slice(0, 95); // 95: 200 together
const HOSTILE = [
  'Resident ID,First Name,Last Name,Unit,Status,Email,Phone',
  `u1,${LONG_FIRST},${LONG_LAST},1201,Current,maximiliana.josephina.wolfeschlegelsteinhausen@residents.harborviewliving.com,(415) 555-0141`,
  'u2,محمد,العلي,1202,Current,m.alali@example.com,(415) 555-0142',
  'u3,Zoë 🌈,Nguyễn 👩‍🚀,1203,Current,zoe.nguyen@example.com,(415) 555-0143',
  'u4,<script>alert(1)</script>,<b>Tester</b>,1204,Current,script.tester@example.com,(415) 555-0144',
].join('\n');

/** Imports the hostile rows as the site's CSV source (what a manager's import would do). */
async function bringInHostilePeople(hostUrl: string) {
  const sites = await callCore<Array<{ id: string; name: string }>>(hostUrl, 'sites.list', {});
  const siteId = sites[0].id;
  await callCore(hostUrl, 'csv.import', {
    siteId,
    fileName: 'hostile.csv',
    content: Buffer.from(HOSTILE, 'utf8').toString('base64'),
  });
  return siteId;
}

async function search(page: Page, text: string) {
  await page.getByTestId('people-search').fill(text);
}

test('hostile names keep the layout, truncated cells keep their full text, and nothing runs', async ({ page, host, shot }) => {
  await bringInHostilePeople(host.url);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await page.goto(host.url);
  const rows = page.getByTestId('person-row');
  await expect(rows.first()).toBeVisible();
  await search(page, '1201');
  const long = rows.filter({ hasText: 'Maximiliana' });
  await expect(long).toHaveCount(1);
  // The row stays one line high and the name cell offers the whole name on hover.
  const box = await long.boundingBox();
  expect(box!.height).toBeLessThanOrEqual(36);
  await expect(long.locator('.col-name')).toHaveAttribute('title', `${LONG_FIRST} ${LONG_LAST}`);
  await expect(long.locator('.col-email')).toHaveAttribute('title', /residents\.harborviewliving\.com$/);
  // Nothing spills sideways out of the list.
  const overflow = await page.getByTestId('people-list').evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot('ux-hostile-row');

  await long.click();
  const panel = page.getByTestId('person-panel');
  await expect(panel).toContainText('Maximiliana');
  // The "why" headline repeats the whole name: it wraps inside the panel instead of running off it.
  await expect(panel.getByTestId('why-headline')).toContainText('was added');
  const bodyOverflow = await panel.locator('.panel-body').evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(bodyOverflow).toBeLessThanOrEqual(0);
  // The title is cut with an ellipsis, so the whole name is on hover.
  await expect(panel.locator('h2')).toHaveAttribute('title', `${LONG_FIRST} ${LONG_LAST}`);
  await shot('ux-hostile-panel');

  await search(page, '<script>');
  const script = rows.filter({ hasText: '<script>alert(1)</script>' });
  await expect(script).toHaveCount(1);
  await script.click();
  await expect(panel.locator('h2')).toHaveText('<script>alert(1)</script> <b>Tester</b>');
  await expect(panel.locator('b')).toHaveCount(0);

  await search(page, '1202');
  const rtl = rows.filter({ hasText: 'محمد' });
  await expect(rtl).toHaveCount(1);
  await rtl.click();
  await expect(panel.locator('h2')).toContainText('محمد');
  await shot('ux-hostile-rtl');

  await search(page, '1203');
  await expect(rows.filter({ hasText: '🌈' })).toHaveCount(1);
  expect(dialogs).toBe(0);
});

test('an email in the person panel wraps after its @ or a dot, never inside a word', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await search(page, 'naomi.abernathy@harborviewliving.com');
  await page.getByTestId('person-row').first().click();
  const email = page.getByTestId('person-panel').getByTestId('field-email');
  await expect(email).toHaveText('naomi.abernathy@harborviewliving.com');
  // Where each rendered line starts, read from the layout itself.
  const starts = await email.evaluate((el) => {
    const text = el.textContent ?? '';
    const out: number[] = [];
    let top = -1;
    let seen = 0;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (let i = 0; i < (n.textContent ?? '').length; i++) {
        const r = document.createRange();
        r.setStart(n, i);
        r.setEnd(n, i + 1);
        const t = Math.round(r.getBoundingClientRect().top);
        if (top >= 0 && t > top) out.push(seen + i);
        top = Math.max(top, t);
      }
      seen += (n.textContent ?? '').length;
    }
    return out.map((i) => text.slice(0, i));
  });
  for (const before of starts) expect(before).toMatch(/[@.]$/);
  // Copying the address gives it back whole, with no hidden characters.
  expect(await email.evaluate((el) => (el as HTMLElement).innerText.replace(/\n/g, ''))).toBe('naomi.abernathy@harborviewliving.com');
  await shot('ux-email-wrap');
});

test('keyboard only: find a person, open, sync from the panel, Escape back to the list', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await page.keyboard.press('/');
  await expect(page.getByTestId('people-search')).toBeFocused();
  await page.keyboard.type('Kowalski');
  await expect(page.getByTestId('person-row').first()).toContainText('Kowalski');
  await page.keyboard.press('Enter');
  const list = page.getByTestId('people-list');
  await expect(list).toBeFocused();
  await page.keyboard.press('Enter');
  const panel = page.getByTestId('person-panel');
  await expect(panel).toContainText('Kowalski');

  // Tab moves into the panel: its Sync button opens the list of access systems, focus on the first.
  await page.keyboard.press('Tab');
  const sync = panel.getByTestId('person-sync');
  await expect(sync).toBeFocused();
  await page.keyboard.press('Enter');
  const menu = page.getByTestId('sync-menu');
  await expect(menu).toBeVisible();
  const targets = menu.getByTestId('sync-target');
  await expect(targets.first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(targets.nth(1)).toBeFocused();
  await shot('ux-sync-menu-keyboard');
  // Escape closes the menu only, and focus goes back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(panel).toBeVisible();
  await expect(sync).toBeFocused();

  // Escape anywhere in the panel closes it and puts the cursor back on the row that was open.
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(list).toBeFocused();
  await expect(page.locator('.people-row.active')).toContainText('Kowalski');

  // The close button does the same for a mouse-and-keyboard user.
  await page.keyboard.press('Enter');
  await expect(panel).toBeVisible();
  await panel.getByRole('button', { name: /Close/ }).click();
  await expect(panel).toBeHidden();
  await expect(list).toBeFocused();
});

test('a row\'s Sync menu takes the keyboard when it opens and gives it back after a choice', async ({ page, host }) => {
  await page.goto(host.url);
  const row = page.getByTestId('person-row').first();
  await expect(row).toBeVisible();
  await row.getByTestId('person-sync').click();
  const menu = page.getByTestId('sync-menu');
  await expect(menu.getByTestId('sync-target').first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(menu).toBeHidden();
  await expect(row.getByTestId('person-sync')).toBeFocused();
});

test('"Why not synced?": Enter looks up a typed id, Escape closes and gives focus back', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  const button = page.getByTestId('why-lookup');
  await button.focus();
  await page.keyboard.press('Enter');
  const input = page.getByTestId('why-external-id');
  await expect(input).toBeFocused();
  await page.keyboard.type('V-30035');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('why-result')).toContainText('Wei Brennan');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('why-popover')).toBeHidden();
  await expect(button).toBeFocused();

  // An id nobody knows gets a plain answer, not silence.
  await page.keyboard.press('Enter');
  await input.fill('NO-SUCH-ID-42');
  await page.keyboard.press('Enter');
  const popover = page.getByTestId('why-popover');
  await expect(popover).toContainText(/NO-SUCH-ID-42|not found|no record|never/i);
  await shot('ux-why-unknown');
});

test('a search with no match says what to try next', async ({ page, host, shot }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await search(page, 'Zzyzx-nobody');
  const empty = page.getByTestId('people-empty');
  await expect(empty).toContainText('No people match “Zzyzx-nobody”');
  await expect(empty).toContainText('Why not synced?');
  await shot('ux-people-empty');
});

test('when the people list cannot be read, the list says so in plain words and can try again', async ({ page, host, shot }) => {
  let failing = true;
  await refuseCalls(page, (name) => (failing && name === 'people.list' ? 'The database is busy. Try again in a moment.' : null));
  await page.goto(host.url);
  const error = page.getByTestId('people-error');
  await expect(error).toContainText('Could not load people: The database is busy');
  await shot('ux-people-error');
  failing = false;
  await error.getByTestId('people-retry').click();
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await expect(error).toHaveCount(0);
});

test('thousands of people: the list stays small in the page, End reaches the last one, search narrows fast', async ({ page, host, shot }) => {
  const rows = Array.from({ length: 5000 }, (_, i) => `m${i},Member${i},Bulkperson${String(i).padStart(4, '0')},${i % 900},Current,bulk${i}@example.com,`);
  const sites = await callCore<Array<{ id: string }>>(host.url, 'sites.list', {});
  await callCore(host.url, 'csv.import', {
    siteId: sites[0].id,
    fileName: 'many.csv',
    content: Buffer.from(['Resident ID,First Name,Last Name,Unit,Status,Email,Phone', ...rows].join('\n'), 'utf8').toString('base64'),
  });
  await page.goto(host.url);
  const list = page.getByTestId('people-list');
  await expect(page.getByTestId('people-tab-all')).toContainText('5,2');
  // Only what is on screen is in the page.
  expect(await page.getByTestId('person-row').count()).toBeLessThan(80);
  await list.focus();
  await page.keyboard.press('End');
  await expect(page.locator('.people-row.active')).toContainText(/\S/);
  const lastName = await page.locator('.people-row.active .col-name').innerText();
  expect(lastName.length).toBeGreaterThan(0);
  // A fling through the middle fills in rows rather than leaving blanks behind.
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  await expect(page.locator('.people-row .skeleton')).toHaveCount(0);
  await shot('ux-many-middle');
  const started = Date.now();
  await search(page, 'Bulkperson4321');
  await expect(page.getByTestId('person-row')).toHaveCount(1);
  await expect(page.getByTestId('person-row')).toContainText('Member4321');
  expect(Date.now() - started).toBeLessThan(3000);
});

test('header popovers: Tab into them, Escape closes and the keyboard is back on their button', async ({ page, host }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  for (const [button, popover] of [
    ['outbox-mode', 'outbox-menu'],
    ['site-menu', null],
  ] as const) {
    const trigger = page.getByTestId(button);
    await trigger.focus();
    await page.keyboard.press('Enter');
    await expect(trigger).toHaveAttribute('aria-expanded', 'true');
    if (popover) await expect(page.getByTestId(popover)).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(trigger).not.toBeFocused();
    await page.keyboard.press('Escape');
    await expect(trigger).toHaveAttribute('aria-expanded', 'false');
    await expect(trigger).toBeFocused();
  }
});
