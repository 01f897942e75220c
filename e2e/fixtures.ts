import { test as base, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startConsoleHost } from './console-host';
import type { ConsoleHost } from './console-host';

/** Every test gets its own console on its own data folder, seeded with the embedded demo. */
export const test = base.extend<{ host: ConsoleHost; shot(name: string): Promise<void> }>({
  host: async ({}, use) => {
    const host = await startConsoleHost();
    await use(host);
    await host.stop();
  },
  // Screenshots of each screen are kept as artifacts (e2e/artifacts) to look at.
  shot: async ({ page }, use) => {
    mkdirSync('e2e/artifacts', { recursive: true });
    await use(async (name) => {
      await page.screenshot({ path: `e2e/artifacts/${name}.png`, fullPage: false });
    });
  },
});

export { expect };
