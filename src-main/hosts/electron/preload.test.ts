// The preload lives in src-preload/; its test sits here because vitest collects src-main only.
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./testing/fake-electron')).electronModule);

import { contextBridge, ipcRenderer } from './testing/fake-electron';
import { IPC_EVENT, IPC_INVOKE } from '../../contract/bridge';
import type { RollcallBridge } from '../../contract/bridge';
import '../../../src-preload/index';

const bridge = contextBridge.exposed.get('rollcall') as RollcallBridge;

describe('the preload', () => {
  it('exposes window.rollcall with exactly invoke and on, and nothing else', () => {
    expect([...contextBridge.exposed.keys()]).toEqual(['rollcall']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
    expect(typeof bridge.invoke).toBe('function');
    expect(typeof bridge.on).toBe('function');
    expect(Object.values(bridge)).not.toContain(ipcRenderer);
  });

  it('sends calls on the one invoke channel and returns the envelope', async () => {
    ipcRenderer.reply = (_channel, name, args) => ({ ok: true, result: { name, args } });
    await expect(bridge.invoke('people.list', { q: 'ann' })).resolves.toEqual({
      ok: true,
      result: { name: 'people.list', args: { q: 'ann' } },
    });
    expect(ipcRenderer.invoked.at(-1)).toEqual([IPC_INVOKE, 'people.list', { q: 'ann' }]);
  });

  it('refuses odd call names without sending anything', async () => {
    const before = ipcRenderer.invoked.length;
    for (const name of ['', 'x'.repeat(101), 'rollcall:invoke', 42 as unknown as string]) {
      await expect(bridge.invoke(name, {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    }
    expect(ipcRenderer.invoked.length).toBe(before);
  });

  it('turns a failed IPC round trip into an unavailable envelope', async () => {
    ipcRenderer.reply = () => {
      throw new Error("No handler registered for 'rollcall:invoke'");
    };
    await expect(bridge.invoke('people.list', {})).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('delivers only the named event, payload only, until unsubscribed', () => {
    const got: unknown[][] = [];
    const off = bridge.on('alerts.changed', (...args: unknown[]) => got.push(args));
    const fakeIpcEvent = { sender: ipcRenderer, ports: [] };
    ipcRenderer.emit(IPC_EVENT, fakeIpcEvent, 'alerts.changed', { open: 2 });
    ipcRenderer.emit(IPC_EVENT, fakeIpcEvent, 'people.changed', { siteId: 's' });
    off();
    ipcRenderer.emit(IPC_EVENT, fakeIpcEvent, 'alerts.changed', { open: 3 });
    expect(got).toEqual([[{ open: 2 }]]);
  });

  it('keeps other listeners going when one throws', () => {
    const got: unknown[] = [];
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const offA = bridge.on('sites.changed', () => {
      throw new Error('listener bug');
    });
    const offB = bridge.on('sites.changed', (p) => got.push(p));
    ipcRenderer.emit(IPC_EVENT, {}, 'sites.changed', {});
    expect(got).toEqual([{}]);
    offA();
    offB();
    quiet.mockRestore();
  });

  it('rejects bad subscriptions', () => {
    expect(() => bridge.on('', () => {})).toThrow(TypeError);
    expect(() => bridge.on('x'.repeat(200), () => {})).toThrow(TypeError);
    expect(() => bridge.on('alerts.changed', 'nope' as unknown as () => void)).toThrow(TypeError);
  });
});
