import { ApiError, WS_PATH } from '../contract';
import { electronClient } from './electron-transport';
import { takeToken } from './token';
import type { ApiClient } from './types';
import { webSocketClient } from './ws-transport';

export type { ApiClient, ConnectionStatus } from './types';

/** No bridge and no token: the page was opened some other way; say how to get in. */
function noTransport(): ApiClient {
  const fail = () =>
    Promise.reject(
      new ApiError('unavailable', 'This page has no access token. Open the address printed by `npm start`.'),
    );
  return {
    transport: 'none',
    invoke: fail,
    on: () => () => {},
    status: () => 'none',
    onStatus: () => () => {},
  };
}

function pickTransport(): ApiClient {
  if (window.rollcall) return electronClient(window.rollcall);
  const token = takeToken();
  if (!token) return noTransport();
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return webSocketClient(`${scheme}://${window.location.host}${WS_PATH}?token=${encodeURIComponent(token)}`);
}

/** Picked once at start-up; every store talks through this. */
export const api: ApiClient = pickTransport();
