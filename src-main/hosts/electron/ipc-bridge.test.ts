import { describe, expect, it, vi } from 'vitest';
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';

vi.mock('electron', async () => (await import('./testing/fake-electron')).electronModule);

import { FakeIpcMain, FakeWebContents, FakeWebFrame } from './testing/fake-electron';
import { IPC_EVENT, IPC_INVOKE } from '../../contract/bridge';
import type { RpcResult } from '../../contract/bridge';
import { broadcastEvent, installIpcBridge } from './ipc-bridge';
import type { CoreCaller } from './ipc-bridge';

const APP_URL = 'file:///opt/rollcall/out/renderer/index.html';
const isAppUrl = (u: string) => u.split(/[?#]/)[0] === APP_URL;

/** A core that records what reached it and answers like the real one. */
function recordingCore(): CoreCaller & { calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = [];
  return {
    calls,
    async call(name, args): Promise<RpcResult> {
      calls.push([name, args]);
      if (name === 'people.get') return { ok: false, error: { code: 'not_found', message: 'No such person.' } };
      return { ok: true, result: { echoed: args } };
    },
  };
}

function setup() {
  const ipcMain = new FakeIpcMain();
  const core = recordingCore();
  const ours = new FakeWebContents();
  ours.mainFrame.url = `${APP_URL}#/people`;
  installIpcBridge({
    ipcMain: ipcMain as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>,
    core,
    isOurContents: (wc) => wc.id === ours.id,
    isAppUrl,
    log: () => {},
  });
  const handler = ipcMain.handlers.get(IPC_INVOKE) as unknown as (e: IpcMainInvokeEvent, name: unknown, args: unknown) => Promise<RpcResult>;
  const invoke = (sender: FakeWebContents, frame: FakeWebFrame | null, name: unknown, args: unknown) =>
    handler({ sender: sender as unknown as WebContents, senderFrame: frame } as unknown as IpcMainInvokeEvent, name, args);
  return { ipcMain, core, ours, invoke };
}

describe('the IPC bridge', () => {
  it('forwards a call from our window to the core and returns its envelope', async () => {
    const { core, ours, invoke } = setup();
    await expect(invoke(ours, ours.mainFrame, 'people.list', { siteId: 's1' })).resolves.toEqual({
      ok: true,
      result: { echoed: { siteId: 's1' } },
    });
    await expect(invoke(ours, ours.mainFrame, 'people.get', { id: 'x' })).resolves.toEqual({
      ok: false,
      error: { code: 'not_found', message: 'No such person.' },
    });
    expect(core.calls).toEqual([
      ['people.list', { siteId: 's1' }],
      ['people.get', { id: 'x' }],
    ]);
  });

  it('refuses a subframe of our window, even one showing our page', async () => {
    const { core, ours, invoke } = setup();
    const sub = new FakeWebFrame(APP_URL, ours.mainFrame.processId);
    sub.parent = ours.mainFrame;
    const res = await invoke(ours, sub, 'people.list', {});
    expect(res).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(core.calls).toEqual([]);
  });

  it('refuses our window once it shows another page', async () => {
    const { core, ours, invoke } = setup();
    ours.mainFrame.url = 'https://example.com/';
    expect(await invoke(ours, ours.mainFrame, 'people.list', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    ours.mainFrame.url = 'file:///home/someone/Downloads/evil.html';
    expect(await invoke(ours, ours.mainFrame, 'people.list', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(core.calls).toEqual([]);
  });

  it('refuses any other webContents, even at our URL', async () => {
    const { core, invoke } = setup();
    const stranger = new FakeWebContents();
    stranger.mainFrame.url = APP_URL;
    expect(await invoke(stranger, stranger.mainFrame, 'people.list', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(core.calls).toEqual([]);
  });

  it('refuses a sender whose frame is gone', async () => {
    const { core, ours, invoke } = setup();
    expect(await invoke(ours, null, 'people.list', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(core.calls).toEqual([]);
  });

  it('answers junk call names itself without bothering the core', async () => {
    const { core, ours, invoke } = setup();
    for (const name of [42, null, '', 'x'.repeat(500), 'people', '__proto__.x', 'people.list; drop']) {
      expect(await invoke(ours, ours.mainFrame, name, {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    }
    expect(core.calls).toEqual([]);
  });

  it('turns a throwing core into an envelope instead of an IPC exception', async () => {
    const ipcMain = new FakeIpcMain();
    const ours = new FakeWebContents();
    ours.mainFrame.url = APP_URL;
    installIpcBridge({
      ipcMain: ipcMain as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>,
      core: { call: () => Promise.reject(new Error('boom')) },
      isOurContents: () => true,
      isAppUrl,
    });
    const handler = ipcMain.handlers.get(IPC_INVOKE) as unknown as (e: unknown, n: string, a: unknown) => Promise<RpcResult>;
    await expect(handler({ sender: ours, senderFrame: ours.mainFrame }, 'people.list', {})).resolves.toEqual({
      ok: false,
      error: { code: 'internal', message: 'boom' },
    });
  });

  it('pushes core events to every live window showing the console', () => {
    const win = (url: string, destroyed = false) => {
      const webContents = new FakeWebContents();
      webContents.mainFrame.url = url;
      return { webContents: webContents as unknown as WebContents, isDestroyed: () => destroyed, fake: webContents };
    };
    const a = win(`${APP_URL}#/alerts`);
    const b = win('https://example.com/');
    const c = win(APP_URL, true);
    broadcastEvent([a, b, c], isAppUrl, 'alerts.changed', { siteId: 's1', open: 3 });
    expect(a.fake.sent).toEqual([[IPC_EVENT, 'alerts.changed', { siteId: 's1', open: 3 }]]);
    expect(b.fake.sent).toEqual([]);
    expect(c.fake.sent).toEqual([]);
  });
});
