import type { Page } from '@playwright/test';

/**
 * Stands between the console and the core and answers the calls `refuse` picks with an error, as
 * the core would answer a call that fails, after an optional delay (to see the screen while the
 * call runs). Every other message passes through untouched.
 */
export async function refuseCalls(page: Page, refuse: (name: string, args: Record<string, unknown>) => string | null, delayMs = 0): Promise<void> {
  await page.routeWebSocket(/\/rpc/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((text) => {
      const msg = JSON.parse(String(text)) as { t: string; id: number; name: string; args?: Record<string, unknown> };
      const message = msg.t === 'req' ? refuse(msg.name, msg.args ?? {}) : null;
      if (message) {
        setTimeout(() => ws.send(JSON.stringify({ t: 'res', id: msg.id, ok: false, error: { code: 'internal', message } })), delayMs);
        return;
      }
      server.send(text);
    });
  });
}
