import { BrowserWindow, shell } from 'electron';
import type { Session, WebContents, WebPreferences } from 'electron';
import { isExternalLinkAllowed } from './app-url';
import type { RendererTarget } from './app-url';
import { contentSecurityPolicy } from '../content-security-policy';

export interface CreateWindowOptions {
  target: RendererTarget;
  /** Absolute path of the built preload (out/preload/index.cjs). */
  preloadPath: string;
  log?: (message: string) => void;
}

/**
 * The renderer is our own code, but it shows data that came from other systems (names, notes,
 * units). If any of that ever turned into markup, these settings keep it away from Node, other
 * sites and the OS: no Node in the page, an isolated preload world, Chromium's sandbox on.
 */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

/** Creates the console window, hardened, and starts loading the console into it. */
export function createMainWindow(opts: CreateWindowOptions): BrowserWindow {
  const log = opts.log ?? ((m: string) => console.error(m));
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    title: 'Rollcall',
    // Shown once painted, so people never see a blank white frame.
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#f6f7f9',
    webPreferences: secureWebPreferences(opts.preloadPath),
  });
  hardenSession(win.webContents.session, {
    // Vite's dev server injects CSS as <style> elements; built CSS comes as files.
    csp: contentSecurityPolicy({ allowInlineStyleElements: !opts.target.isFile }),
  });
  guardWebContents(win.webContents, opts.target, log);
  win.once('ready-to-show', () => win.show());
  win.loadURL(opts.target.url).catch((err: unknown) => {
    log(`[rollcall] could not load the console: ${err instanceof Error ? err.message : String(err)}`);
  });
  return win;
}

const hardenedSessions = new WeakSet<Session>();

/**
 * Session-wide rules: every permission prompt (camera, notifications, geolocation, USB…) is
 * refused without asking, and every response carries our Content-Security-Policy header.
 * The header works alongside the <meta> policy in index.html; browsers enforce both.
 */
export function hardenSession(session: Session, opts: { csp: string }): void {
  if (hardenedSessions.has(session)) return;
  hardenedSessions.add(session);
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler?.(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      // Drop any policy the response brought (the dev server's, say) so ours is the one in force.
      if (/^content-security-policy(-report-only)?$/i.test(name)) continue;
      headers[name] = value;
    }
    headers['Content-Security-Policy'] = [opts.csp];
    callback({ responseHeaders: headers });
  });
}

/**
 * Keeps a window on our console: navigation, redirects and frames to anywhere else are
 * stopped, popups are never opened inside the app, and https links go to the OS browser.
 */
export function guardWebContents(contents: WebContents, target: RendererTarget, log: (message: string) => void): void {
  const openOutside = (url: string) => {
    if (!isExternalLinkAllowed(url)) return;
    shell.openExternal(url).catch((err: unknown) => {
      log(`[rollcall] could not open ${url} in the browser: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
  contents.on('will-navigate', (event) => {
    if (target.isAppUrl(event.url)) return;
    event.preventDefault();
    // A plain link click (no target=_blank) also lands here; send https ones to the browser.
    openOutside(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (!target.isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!target.isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
}
