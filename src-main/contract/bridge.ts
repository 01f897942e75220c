import type { ApiErrorShape } from './errors';

export type RpcResult = { ok: true; result: unknown } | { ok: false; error: ApiErrorShape };

/**
 * What the Electron preload exposes as `window.rollcall`, and nothing more: two functions.
 * The renderer wraps it in the typed client; the browser host offers the same over a WebSocket.
 */
export interface RollcallBridge {
  invoke(name: string, args: unknown): Promise<RpcResult>;
  on(event: string, cb: (payload: unknown) => void): () => void;
}

export const IPC_INVOKE = 'rollcall:invoke';
export const IPC_EVENT = 'rollcall:event';
/** The browser host's WebSocket path; the per-launch token rides in the query string. */
export const WS_PATH = '/rpc';
