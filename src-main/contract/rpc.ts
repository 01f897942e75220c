import type { CallInput, CallName, CallOutput, ParsedInput } from './api';
import { ApiError } from './errors';
import type { ApiErrorShape } from './errors';
import type { EventMap, EventName } from './events';
import type { Role } from './define';

/*
 * Kept free of runtime imports of the call table (and so of zod): the renderer bundles this file.
 * Validation and dispatch live in dispatch.ts, on the core's side.
 */

/**
 * The wire protocol shared by every transport (Electron IPC, utilityProcess / child process
 * messages, the browser host's WebSocket, the in-memory pair used in tests).
 */
export type RpcMessage =
  | { t: 'req'; id: number; name: string; args: unknown }
  | { t: 'res'; id: number; ok: true; result: unknown }
  | { t: 'res'; id: number; ok: false; error: ApiErrorShape }
  | { t: 'evt'; name: EventName; payload: unknown };

export interface CallContext {
  role: Role;
  /**
   * Who is calling, for decisions and the audit trail ("ana (manager)", "cli:ops"). Only the host
   * that let the caller in sets it, when it creates the context; no call's input can carry one.
   * Left out (in-process tests), the core names its own host (see hostActor in the core).
   */
  actor?: string;
}

/** What the core must implement: one handler per call. A missing one does not compile. */
export type Handlers = {
  [K in CallName]: (input: ParsedInput<K>, ctx: CallContext) => Promise<CallOutput<K>> | CallOutput<K>;
};

/** The client side, as the renderer, the hosts and tests see it. */
export interface RpcClient {
  invoke<K extends CallName>(name: K, args: CallInput<K>): Promise<CallOutput<K>>;
  on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void): () => void;
}

/** A duplex message pipe: enough to carry RpcMessage in both directions. */
export interface MessagePipe {
  send(msg: RpcMessage): void;
  onMessage(cb: (msg: RpcMessage) => void): () => void;
}

/** A client over a pipe: numbers requests and matches responses; fans events out. */
export function clientOverPipe(pipe: MessagePipe): RpcClient & { close(): void; failAll(err: ApiErrorShape): void } {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const off = pipe.onMessage((msg) => {
    if (!msg) return;
    if (msg.t === 'res') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(ApiError.from(msg.error));
    } else if (msg.t === 'evt') {
      for (const cb of listeners.get(msg.name) ?? []) cb(msg.payload);
    }
  });
  return {
    invoke(name, args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        pipe.send({ t: 'req', id, name, args });
      });
    },
    on(event, cb) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(cb as (p: unknown) => void);
      return () => set.delete(cb as (p: unknown) => void);
    },
    failAll(err) {
      for (const p of pending.values()) p.reject(ApiError.from(err));
      pending.clear();
    },
    close() {
      off();
    },
  };
}

/** Two connected in-memory pipes, for tests and for running the core in-process. */
export function pipePair(): [MessagePipe, MessagePipe] {
  const make = () => new Set<(m: RpcMessage) => void>();
  const aSubs = make();
  const bSubs = make();
  // Deliver asynchronously and through JSON, so tests see exactly what a real transport carries.
  const deliver = (subs: Set<(m: RpcMessage) => void>, msg: RpcMessage) => {
    const copy = JSON.parse(JSON.stringify(msg)) as RpcMessage;
    queueMicrotask(() => subs.forEach((cb) => cb(copy)));
  };
  const a: MessagePipe = {
    send: (m) => deliver(bSubs, m),
    onMessage: (cb) => (aSubs.add(cb), () => aSubs.delete(cb)),
  };
  const b: MessagePipe = {
    send: (m) => deliver(aSubs, m),
    onMessage: (cb) => (bSubs.add(cb), () => bSubs.delete(cb)),
  };
  return [a, b];
}
