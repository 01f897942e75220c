import { ApiError } from '../contract';
import type { CallName, CallOutput, EventMap, EventName, RollcallBridge } from '../contract';
import type { ApiClient } from './types';

/** Electron: the preload bridge already speaks request/response; add types and ApiError. */
export function electronClient(bridge: RollcallBridge): ApiClient {
  return {
    transport: 'electron',
    async invoke<K extends CallName>(name: K, args: unknown): Promise<CallOutput<K>> {
      let res;
      try {
        res = await bridge.invoke(name, args ?? {});
      } catch (err) {
        throw new ApiError('unavailable', err instanceof Error ? err.message : String(err));
      }
      if (res.ok) return res.result as CallOutput<K>;
      throw ApiError.from(res.error);
    },
    on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void) {
      return bridge.on(event, cb as (payload: unknown) => void);
    },
    status: () => 'open',
    onStatus: () => () => {},
  };
}
