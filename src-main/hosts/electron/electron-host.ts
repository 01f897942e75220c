import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, safeStorage, utilityProcess } from 'electron';
import type { UtilityProcess } from 'electron';
import type { EventName } from '../../contract/events';
import { APP_NAME, resolveDataDir } from '../../core/app-paths';
import { rendererTarget } from './app-url';
import { createCoreSupervisor } from '../core-supervisor';
import type { CoreProcess, CoreSupervisor } from '../core-supervisor';
import { createMainWindow } from './create-window';
import { broadcastEvent, installIpcBridge } from './ipc-bridge';
import { createSafeStorageSecretStore } from './secret-store';
import type { SecretStore } from '../../core/secrets/secret-store';
import { serveSecretChannel } from '../../core/secrets/secret-channel';
import { CORE_EXEC_ARGV } from '../core-process-flags';

export interface ElectronHostOptions {
  /** The folder of the built main process (out/main); the core, preload and renderer sit beside it. */
  mainDir: string;
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  log?(message: string): void;
}

export interface ElectronHost {
  dataDir: string;
  supervisor: CoreSupervisor;
  windows(): BrowserWindow[];
}

/** The event name windows hear when the core goes away or comes back (payload: CoreStatus). */
export const CORE_STATUS_EVENT = 'core.status' satisfies EventName;

/** Adapts Electron's UtilityProcess to what the supervisor needs. */
export function utilityCoreProcess(proc: UtilityProcess, log: (m: string) => void): CoreProcess {
  proc.on('error', (type, location) => log(`[rollcall] the core hit a fatal error (${type} at ${location}).`));
  return {
    send: (m) => proc.postMessage(m),
    onMessage: (cb) => void proc.on('message', cb),
    onExit: (cb) => void proc.on('exit', cb),
    kill: () => void proc.kill(),
  };
}

/**
 * The desktop app: one instance per data folder, one hardened window (more on macOS
 * re-activation), the core in a utility process, and IPC between them.
 * Returns null when another instance already owns the data folder (this one then quits).
 */
export function runElectronHost(opts: ElectronHostOptions): ElectronHost | null {
  const argv = opts.argv ?? process.argv;
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const log = opts.log ?? ((m: string) => console.error(m));

  // userData then ends in "Rollcall", the same folder the browser host computes.
  app.setName(APP_NAME);
  const dataDir = resolveDataDir(argv, env, app.getPath('userData'));
  // Chromium's own files and the single-instance lock follow the data folder, so two data
  // folders are two independent apps (handy for trying things out, and for tests).
  app.setPath('userData', dataDir);

  if (!app.requestSingleInstanceLock()) {
    log('[rollcall] Rollcall is already running with this data folder; switching to it.');
    app.quit();
    return null;
  }

  const windows = new Set<BrowserWindow>();
  const liveWindows = () => [...windows].filter((w) => !w.isDestroyed());
  const target = rendererTarget({ mainDir: opts.mainDir, devServerUrl: env.ELECTRON_RENDERER_URL, isPackaged: app.isPackaged });

  // Connection secrets: safeStorage works only in this (main) process, so the core, in its
  // utilityProcess, asks here over its parent port (core/secrets/secret-channel.ts). The store
  // is made on first use, so a run that never touches a secret never touches the keychain.
  let keychain: SecretStore | null = null;
  const secrets = (): SecretStore => (keychain ??= createSafeStorageSecretStore({ safeStorage, dataDir, platform }));
  const lazySecrets: SecretStore = {
    get: (ref) => secrets().get(ref),
    set: (ref, value) => secrets().set(ref, value),
    delete: (ref) => secrets().delete(ref),
    describe: () => secrets().describe(),
  };

  const supervisor = createCoreSupervisor({
    fork: () => {
      const proc = utilityProcess.fork(join(opts.mainDir, 'core-process.js'), ['--data-dir', dataDir, '--host', 'electron'], {
        serviceName: 'rollcall-core',
        stdio: 'inherit',
        execArgv: CORE_EXEC_ARGV,
      });
      serveSecretChannel(lazySecrets, { send: (m) => proc.postMessage(m), onMessage: (cb) => proc.on('message', cb) });
      return utilityCoreProcess(proc, log);
    },
    onEvent: (name, payload) => broadcastEvent(liveWindows(), target.isAppUrl, name, payload),
    onStatus: (status) => {
      if (status.state !== 'ready') log(`[rollcall] core: ${status.state}: ${status.message}`);
      broadcastEvent(liveWindows(), target.isAppUrl, CORE_STATUS_EVENT, status);
    },
    log,
  });

  const openWindow = () => {
    const win = createMainWindow({ target, preloadPath: join(opts.mainDir, '..', 'preload', 'index.cjs'), log });
    windows.add(win);
    win.on('closed', () => windows.delete(win));
    // A window that loads after the core failed to start (or while it restarts) missed the status
    // event: tell it now, so it shows the reason rather than an empty console.
    win.webContents.on('did-finish-load', () => {
      const status = supervisor.status();
      if (status.state !== 'ready') broadcastEvent([win], target.isAppUrl, CORE_STATUS_EVENT, status);
    });
    return win;
  };

  // Defaults for every webContents, including any we did not create ourselves; our windows
  // then install stricter, URL-aware guards on top (create-window.ts).
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });

  app.on('second-instance', () => {
    const win = liveWindows()[0];
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.on('window-all-closed', () => {
    // macOS apps stay in the dock with no windows; elsewhere closing the window ends the app.
    if (platform !== 'darwin') app.quit();
  });

  let coreStopped = false;
  app.on('before-quit', (event) => {
    if (coreStopped) return;
    // Hold the quit until the core has closed its database cleanly (bounded by stop()'s timeout).
    event.preventDefault();
    coreStopped = true;
    supervisor.stop().finally(() => app.quit());
  });

  app
    .whenReady()
    .then(() => {
      installIpcBridge({
        ipcMain,
        core: supervisor,
        isOurContents: (contents) => liveWindows().some((w) => w.webContents.id === contents.id),
        isAppUrl: target.isAppUrl,
        log,
      });
      supervisor.start();
      openWindow();
      app.on('activate', () => {
        if (liveWindows().length === 0) openWindow();
      });
      void checkForUpdates(log);
    })
    .catch((err: unknown) => {
      log(`[rollcall] could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      app.exit(1);
    });

  return { dataDir, supervisor, windows: liveWindows };
}

/** Packaged builds only; an update problem is logged and never stops the app. */
export async function checkForUpdates(log: (m: string) => void): Promise<void> {
  if (!app.isPackaged) return;
  try {
    // electron-updater is CommonJS; its named export sits on the default export under ESM.
    const mod = (await import('electron-updater')) as typeof import('electron-updater') & { default?: typeof import('electron-updater') };
    const autoUpdater = mod.autoUpdater ?? mod.default?.autoUpdater;
    autoUpdater.on('error', (err: Error) => log(`[rollcall] update check failed: ${err.message}`));
    await autoUpdater.checkForUpdatesAndNotify();
  } catch (err) {
    log(`[rollcall] update check failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
