import { describe, expect, it, vi, beforeEach } from 'vitest';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

vi.mock('electron', async () => (await import('./testing/fake-electron')).electronModule);

import { FakeBrowserWindow, defaultSession, shell } from './testing/fake-electron';
import { createMainWindow } from './create-window';
import { rendererTarget } from './app-url';
import { parseContentSecurityPolicy } from '../content-security-policy';

const mainDir = join('/opt', 'Rollcall', 'resources', 'app', 'out', 'main');
const preloadPath = join(mainDir, '..', 'preload', 'index.cjs');
const appUrl = pathToFileURL(join(mainDir, '..', 'renderer', 'index.html')).href;

function openWindow(devServerUrl?: string) {
  const target = rendererTarget({ mainDir, devServerUrl, isPackaged: false });
  const win = createMainWindow({ target, preloadPath, log: () => {} }) as unknown as FakeBrowserWindow;
  return win;
}

beforeEach(() => {
  shell.opened.length = 0;
});

describe('the console window', () => {
  it('runs the page isolated, sandboxed and without Node', () => {
    const win = openWindow();
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      preload: preloadPath,
    });
  });

  it('loads the built console from a file URL', () => {
    const win = openWindow();
    expect(win.webContents.getURL()).toBe(appUrl);
  });

  it('ignores ELECTRON_RENDERER_URL in a packaged app', () => {
    const target = rendererTarget({ mainDir, devServerUrl: 'https://evil.example/', isPackaged: true });
    expect(target.url).toBe(appUrl);
  });

  it('stays on the console: other origins and other local files are not navigated to', () => {
    const wc = openWindow().webContents;
    expect(wc.fire('will-navigate', 'https://example.com/phish')).toBe(true);
    expect(wc.fire('will-navigate', pathToFileURL('/etc/passwd').href)).toBe(true);
    expect(wc.fire('will-navigate', 'javascript:alert(1)')).toBe(true);
    expect(wc.fire('will-redirect', 'http://127.0.0.1:9/')).toBe(true);
    expect(wc.fire('will-frame-navigate', 'https://example.com/')).toBe(true);
    // Moving between the console's own routes is fine.
    expect(wc.fire('will-navigate', `${appUrl}#/people`)).toBe(false);
    expect(wc.fire('will-navigate', `${appUrl}?site=1#/alerts`)).toBe(false);
  });

  it('hands https links to the OS browser, and nothing else', async () => {
    const wc = openWindow().webContents;
    wc.fire('will-navigate', 'https://docs.example.com/help');
    wc.fire('will-navigate', 'http://insecure.example.com/');
    wc.fire('will-navigate', 'file:///etc/passwd');
    await Promise.resolve();
    expect(shell.opened).toEqual(['https://docs.example.com/help']);
  });

  it('never opens a second window: window.open is denied', () => {
    const wc = openWindow().webContents;
    expect(wc.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler!({ url: appUrl })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(shell.opened).toEqual(['https://example.com/']);
  });

  it('refuses webview attachment', () => {
    const wc = openWindow().webContents;
    expect(wc.fire('will-attach-webview')).toBe(true);
  });

  it('denies every permission request and check', () => {
    openWindow();
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      let granted: boolean | undefined;
      defaultSession.permissionRequestHandler!({}, permission, (g) => (granted = g));
      expect(granted, permission).toBe(false);
      expect(defaultSession.permissionCheckHandler!({}, permission)).toBe(false);
    }
    expect(defaultSession.devicePermissionHandler!({})).toBe(false);
  });

  it('puts a strict Content-Security-Policy on responses, replacing any the response had', () => {
    openWindow();
    let out: Record<string, string[]> | undefined;
    defaultSession.headersListener!(
      { url: appUrl, responseHeaders: { 'content-type': ['text/html'], 'content-security-policy': ["default-src *"] } },
      (r) => (out = r.responseHeaders),
    );
    expect(out!['content-type']).toEqual(['text/html']);
    expect(out!['content-security-policy']).toBeUndefined();
    const policy = parseContentSecurityPolicy(out!['Content-Security-Policy'][0]);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('form-action')).toEqual(["'none'"]);
  });

  it('shows the window only once it has painted', () => {
    const win = openWindow();
    expect(win.shown).toBe(false);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });
});

describe('with the Vite dev server', () => {
  it('loads the dev URL and accepts only its origin', () => {
    const target = rendererTarget({ mainDir, devServerUrl: 'http://localhost:5173', isPackaged: false });
    expect(target.url).toBe('http://localhost:5173/');
    expect(target.isAppUrl('http://localhost:5173/#/people')).toBe(true);
    expect(target.isAppUrl('http://localhost:5174/')).toBe(false);
    expect(target.isAppUrl(appUrl)).toBe(false);
  });
});
