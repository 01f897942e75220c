import { ApiError, clientOverPipe } from '../contract';
import type { CallName, CallOutput, EventMap, EventName, MessagePipe, RpcMessage } from '../contract';
import type { ApiClient, ConnectionStatus } from './types';

const MAX_DELAY_MS = 10_000;
/** After this many failed attempts in a row, tell the user it may be more than a blip. */
const UNREACHABLE_AFTER = 5;

/**
 * Browser host: RPC over one WebSocket. The pipe outlives the socket, so subscriptions made
 * at start-up survive reconnects; requests in flight when the socket drops are failed (the
 * core may or may not have run them), and stores refresh once the socket is back.
 */
export function webSocketClient(url: string): ApiClient {
  const subscribers = new Set<(msg: RpcMessage) => void>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  let socket: WebSocket | null = null;
  let queue: string[] = [];
  let attempt = 0;
  let status: ConnectionStatus = 'connecting';

  const setStatus = (s: ConnectionStatus) => {
    status = s;
    for (const cb of statusListeners) cb(s);
  };

  const pipe: MessagePipe = {
    send(msg) {
      const text = JSON.stringify(msg);
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
      else queue.push(text);
    },
    onMessage(cb) {
      subscribers.add(cb);
      return () => subscribers.delete(cb);
    },
  };
  const rpc = clientOverPipe(pipe);

  function connect() {
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      const pending = queue;
      queue = [];
      for (const text of pending) ws.send(text);
      setStatus('open');
    };
    ws.onmessage = (ev) => {
      let msg: RpcMessage;
      try {
        msg = JSON.parse(String(ev.data)) as RpcMessage;
      } catch {
        return;
      }
      for (const cb of subscribers) cb(msg);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      queue = [];
      rpc.failAll({ code: 'unavailable', message: 'Lost the connection to Rollcall. Reconnecting…' });
      setStatus(attempt + 1 >= UNREACHABLE_AFTER ? 'unreachable' : 'reconnecting');
      // Exponential backoff with jitter, so a restarted host is not hammered by every tab at once.
      const delay = Math.min(MAX_DELAY_MS, 300 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      attempt++;
      setTimeout(connect, delay);
    };
  }
  connect();

  return {
    transport: 'browser',
    invoke<K extends CallName>(name: K, args: unknown): Promise<CallOutput<K>> {
      // While reconnecting, fail fast instead of leaving buttons spinning; the banner says why.
      if (status === 'reconnecting' || status === 'unreachable') {
        return Promise.reject(new ApiError('unavailable', 'Not connected to Rollcall. Reconnecting…'));
      }
      return rpc.invoke(name, (args ?? {}) as never) as Promise<CallOutput<K>>;
    },
    on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void) {
      return rpc.on(event, cb);
    },
    status: () => status,
    onStatus(cb) {
      statusListeners.add(cb);
      return () => statusListeners.delete(cb);
    },
  };
}
