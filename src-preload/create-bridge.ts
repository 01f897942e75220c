import { IPC_EVENT, IPC_INVOKE } from '../src-main/contract/bridge';
import type { RollcallBridge, RpcResult } from '../src-main/contract/bridge';

/** The two ipcRenderer methods the bridge uses, plus removal; never handed to the page. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

const MAX_NAME_LENGTH = 100;
const NAME = /^[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)+$/;

function isSaneName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

/**
 * Builds `window.rollcall`: two plain functions over fixed channels. The page never sees
 * ipcRenderer, an IPC event object or a channel name, so it cannot reach any other channel.
 */
export function createBridge(ipc: IpcRendererLike): RollcallBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  // One IPC listener for all events; callbacks get the payload only.
  ipc.on(IPC_EVENT, (_event, name, payload) => {
    if (typeof name !== 'string') return;
    for (const cb of [...(listeners.get(name) ?? [])]) {
      try {
        cb(payload);
      } catch (err) {
        // One broken subscriber must not stop the others hearing the event.
        console.error(`[rollcall] a listener for ${name} failed:`, err);
      }
    }
  });

  return {
    async invoke(name: string, args: unknown): Promise<RpcResult> {
      if (!isSaneName(name)) {
        return { ok: false, error: { code: 'unknown_call', message: `There is no call named ${String(name).slice(0, 80)}.` } };
      }
      try {
        return (await ipc.invoke(IPC_INVOKE, name, args)) as RpcResult;
      } catch (err) {
        // Only when the main process has no handler (starting up, shutting down) or args would not clone.
        return { ok: false, error: { code: 'unavailable', message: err instanceof Error ? err.message : String(err) } };
      }
    },
    on(event: string, cb: (payload: unknown) => void): () => void {
      if (!isSaneName(event)) throw new TypeError('An event name looks like "domain.name".');
      if (typeof cb !== 'function') throw new TypeError('on() needs a callback function.');
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(cb);
      return () => {
        set.delete(cb);
        if (set.size === 0 && listeners.get(event) === set) listeners.delete(event);
      };
    },
  };
}
