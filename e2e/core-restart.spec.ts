import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';

/*
 * The core crashes and the host starts it again: the page, which heard nothing while the core was
 * down, re-reads what it shows once the core is back, so a change it could not hear appears.
 */

/** The core process the browser host forked (its only child). */
function corePid(hostPid: number): number {
  const children = readFileSync(`/proc/${hostPid}/task/${hostPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  expect(children, 'the browser host runs one core process').toHaveLength(1);
  return children[0];
}

/** A number in a tab label ("All 231"). */
const countIn = (text: string) => Number(/(\d[\d,]*)/.exec(text)?.[1].replace(/,/g, '') ?? NaN);

test('after the core restarts, the people list and the alert count show what changed meanwhile', async ({ page, host, shot }) => {
  await page.goto(host.url);
  const all = page.getByTestId('people-tab-all');
  await expect(page.getByTestId('person-row').first()).toBeVisible();
  await expect(all).toContainText(/\d/);
  const before = countIn(await all.innerText());
  const alertBadge = page.getByTestId('alert-count');
  await expect(alertBadge).toHaveText(/^\s*\d+\s*$/);
  const alertsBefore = Number((await alertBadge.innerText()).trim());

  // A change the page cannot hear: the CLI is another process on the same data folder, and its
  // events stay in that process. Two new people, and one alert decided.
  const file = join(host.dataDir, 'newcomers.csv');
  writeFileSync(file, 'Resident ID,First Name,Last Name,Email,Lease Status\nN-1,Ines,Quarrington,ines@example.com,Current\nN-2,Otto,Quarrington,otto@example.com,Current\n');
  const cli = (...args: string[]) => {
    const out = spawnSync(process.execPath, ['out/main/cli.js', '--data-dir', host.dataDir, ...args], { encoding: 'utf8', env: { ...process.env, USER: 'e2e' } });
    expect(out.status, `${out.stdout}\n${out.stderr}`).toBe(0);
    return out.stdout;
  };
  cli('import-csv', file, '--site', 'harbor', '--enable-integrations');
  const alerts = JSON.parse(cli('alerts', '--site', 'harbor', '--type', 'name_mismatch', '--json')) as Array<{ fingerprint: string }>;
  cli('decide', '--alert', alerts[0].fingerprint, '--resolution', 'dismiss');

  // The page still shows what it had.
  await page.waitForTimeout(1_000);
  expect(countIn(await all.innerText())).toBe(before);
  expect(Number((await alertBadge.innerText()).trim())).toBe(alertsBefore);

  // The core dies; the host says so and starts it again.
  const pid = corePid(host.process.pid!);
  process.kill(pid, 'SIGKILL');
  const restarting = page.getByTestId('core-restarting-banner');
  await expect(restarting).toBeVisible();
  await expect(restarting).toBeHidden({ timeout: 30_000 });
  expect(corePid(host.process.pid!)).not.toBe(pid);

  // Back: the page re-read what it shows, without a reload or a click.
  await expect(all).toContainText(String(before + 2));
  await expect(alertBadge).toHaveText(String(alertsBefore - 1));
  await page.getByTestId('people-search').fill('Quarrington');
  await expect(page.getByTestId('person-row')).toHaveCount(2);
  await shot('core-restart');
});
