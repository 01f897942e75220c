import type { CallInput, CallName, CallOutput, EventMap, EventName } from '../contract';

/**
 * connecting: first attempt; open: usable; reconnecting: lost and retrying; unreachable: several
 * attempts in a row failed (still retrying, but likely a restarted host with a new token);
 * none: no way in at all.
 */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'unreachable' | 'none';

/** The one typed client every store uses, whatever carries the messages underneath. */
export interface ApiClient {
  readonly transport: 'electron' | 'browser' | 'none';
  /** Resolves with the call's typed result; rejects with an ApiError. */
  invoke<K extends CallName>(name: K, args: CallInput<K>): Promise<CallOutput<K>>;
  on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void): () => void;
  status(): ConnectionStatus;
  /** Status changes; also fires 'open' after a reconnect so stores can catch up on missed events. */
  onStatus(cb: (status: ConnectionStatus) => void): () => void;
}
