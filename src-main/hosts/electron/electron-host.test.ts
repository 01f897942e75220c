import { describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';

vi.mock('electron', async () => (await import('./testing/fake-electron')).electronModule);
const updater = vi.hoisted(() => ({ checks: 0, errorListeners: [] as Array<(e: Error) => void> }));
vi.mock('electron-updater', () => ({
  autoUpdater: {
    on: (event: string, cb: (e: Error) => void) => event === 'error' && updater.errorListeners.push(cb),
    checkForUpdatesAndNotify: async () => {
      updater.checks++;
      throw new Error('no update feed configured');
    },
  },
}));

import { FakeBrowserWindow, FakeUtilityProcess, app, ipcMain } from './testing/fake-electron';
import { IPC_EVENT, IPC_INVOKE } from '../../contract/bridge';
import type { RpcResult } from '../../contract/bridge';
import type { RpcMessage } from '../../contract/rpc';
import { checkForUpdates, runElectronHost } from './electron-host';

const mainDir = join('/opt', 'rollcall', 'out', 'main');
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('the Electron host', () => {
  it('lets a second instance on the same data folder quit at once', () => {
    app.gotLock = false;
    const quits = app.quitCalls;
    expect(runElectronHost({ mainDir, argv: [], env: {}, platform: 'linux', log: () => {} })).toBeNull();
    expect(app.quitCalls).toBe(quits + 1);
    expect(FakeUtilityProcess.forks).toHaveLength(0);
    app.gotLock = true;
  });

  it('uses the platform app-data folder named Rollcall unless told otherwise', () => {
    // The previous case already ran the naming step; the lock refusal stops before anything else.
    app.gotLock = false;
    runElectronHost({ mainDir, argv: [], env: {}, platform: 'linux', log: () => {} });
    expect(app.getPath('userData')).toBe('/home/test/.config/Rollcall');
    runElectronHost({ mainDir, argv: [], env: { ROLLCALL_DATA_DIR: '/srv/rollcall-env' }, platform: 'linux', log: () => {} });
    expect(app.getPath('userData')).toBe('/srv/rollcall-env');
    app.gotLock = true;
  });

  it('runs the core in a utility process, opens a hardened window and carries calls and events', async () => {
    const logs: string[] = [];
    const host = runElectronHost({
      mainDir,
      argv: ['/usr/bin/electron', '.', '--data-dir', '/tmp/rollcall-data'],
      env: {},
      platform: 'linux',
      log: (m) => logs.push(m),
    });
    expect(host?.dataDir).toBe('/tmp/rollcall-data');
    expect(app.getPath('userData')).toBe('/tmp/rollcall-data');
    // Nothing happens before Electron is ready: utilityProcess.fork would throw then.
    expect(FakeUtilityProcess.forks).toHaveLength(0);
    app.readyResolve();
    await tick();

    expect(FakeUtilityProcess.forks).toHaveLength(1);
    const fork = FakeUtilityProcess.forks[0];
    expect(fork.modulePath).toBe(join(mainDir, 'core-process.js'));
    expect(fork.args).toEqual(['--data-dir', '/tmp/rollcall-data', '--host', 'electron']);
    expect(fork.options).toMatchObject({ serviceName: 'rollcall-core' });

    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const win = FakeBrowserWindow.instances[0];
    expect((win.options.webPreferences as { preload: string }).preload).toBe(join(mainDir, '..', 'preload', 'index.cjs'));
    const wc = win.webContents;
    expect(wc.getURL()).toMatch(/^file:\/\/.*\/out\/renderer\/index\.html$/);

    // The core says it is ready; the window hears it.
    fork.proc.fromCore({ t: 'evt', name: 'core.ready', payload: { version: '0.1.0' } });
    expect(wc.sent).toContainEqual([IPC_EVENT, 'core.ready', { version: '0.1.0' }]);

    // A call from the window reaches the core as an RpcMessage and its answer comes back.
    const handler = ipcMain.handlers.get(IPC_INVOKE) as unknown as (e: IpcMainInvokeEvent, n: string, a: unknown) => Promise<RpcResult>;
    const event = { sender: wc, senderFrame: wc.mainFrame } as unknown as IpcMainInvokeEvent;
    const pending = handler(event, 'sites.list', {});
    await tick();
    const req = fork.proc.posted.at(-1) as Extract<RpcMessage, { t: 'req' }>;
    expect(req).toMatchObject({ t: 'req', name: 'sites.list', args: {} });
    fork.proc.fromCore({ t: 'res', id: req.id, ok: true, result: [{ id: 's1', name: 'Demo' }] });
    await expect(pending).resolves.toEqual({ ok: true, result: [{ id: 's1', name: 'Demo' }] });

    // The core crashes mid-call: the call fails as unavailable, the window is told, a new core starts.
    const inFlight = handler(event, 'sync.runNow', { siteId: 's1' });
    await tick();
    fork.proc.crash(139);
    await expect(inFlight).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(wc.sent).toContainEqual([IPC_EVENT, 'core.status', expect.objectContaining({ state: 'restarting' })]);
    await tick(700);
    expect(FakeUtilityProcess.forks).toHaveLength(2);
    FakeUtilityProcess.forks[1].proc.fromCore({ t: 'evt', name: 'core.ready', payload: { version: '0.1.0' } });
    expect(wc.sent).toContainEqual([IPC_EVENT, 'core.status', expect.objectContaining({ state: 'ready' })]);

    // A second launch brings this window forward.
    app.emit('second-instance');
    expect(win.focused).toBe(1);

    // Closing the last window on Linux quits; quitting waits for the core to stop.
    const quits = app.quitCalls;
    win.close();
    app.emit('window-all-closed');
    expect(app.quitCalls).toBe(quits + 1);
    let prevented = false;
    app.emit('before-quit', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(FakeUtilityProcess.forks[1].proc.killed).toBe(true);
    await tick();
    expect(app.quitCalls).toBe(quits + 2);
    expect(host?.supervisor.state()).toBe('stopped');
  });

  it('a core that cannot start: the window shows its reason, also when it loads later, and no restart loop', async () => {
    // The host of the case above stays registered in these fakes; this one installs its own bridge.
    ipcMain.removeHandler(IPC_INVOKE);
    const forksBefore = FakeUtilityProcess.forks.length;
    const windowsBefore = FakeBrowserWindow.instances.length;
    runElectronHost({ mainDir, argv: ['/usr/bin/electron', '.', '--data-dir', '/tmp/rollcall-damaged'], env: {}, platform: 'linux', log: () => {} });
    await tick();
    expect(FakeUtilityProcess.forks).toHaveLength(forksBefore + 1);
    const proc = FakeUtilityProcess.forks[forksBefore].proc;
    const wc = FakeBrowserWindow.instances[windowsBefore].webContents;

    const message = 'The Rollcall database /tmp/rollcall-damaged/rollcall.db is damaged. Rollcall has left it exactly as it is.';
    proc.fromCore({ t: 'core.startFailed', message, lasting: true });
    proc.crash(1);
    const failed = [IPC_EVENT, 'core.status', { state: 'failed', message, restarts: 0 }];
    expect(wc.sent).toContainEqual(failed);
    await tick(700);
    expect(FakeUtilityProcess.forks).toHaveLength(forksBefore + 1);

    // The page (re)loads after the failure: it is told again rather than left empty.
    wc.sent = [];
    wc.emit('did-finish-load');
    expect(wc.sent).toEqual([failed]);
    // Calls are answered with the same reason.
    const handler = ipcMain.handlers.get(IPC_INVOKE) as unknown as (e: IpcMainInvokeEvent, n: string, a: unknown) => Promise<RpcResult>;
    const event = { sender: wc, senderFrame: wc.mainFrame } as unknown as IpcMainInvokeEvent;
    await expect(handler(event, 'sites.list', {})).resolves.toEqual({ ok: false, error: { code: 'unavailable', message } });
  });

  it('checks for updates only when packaged, and a failing check is only logged', async () => {
    const logs: string[] = [];
    app.isPackaged = false;
    await checkForUpdates((m) => logs.push(m));
    expect(updater.checks).toBe(0);
    app.isPackaged = true;
    await checkForUpdates((m) => logs.push(m));
    expect(updater.checks).toBe(1);
    expect(logs.join('\n')).toMatch(/update check failed: no update feed configured/);
    app.isPackaged = false;
  });
});
