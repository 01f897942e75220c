import type { Handlers } from '../../contract/rpc';
import type { connectionsCalls } from '../../contract/calls/connections';
import type { CoreContext } from './core-context';

export function connectionsHandlers(_ctx: CoreContext): Pick<Handlers, keyof typeof connectionsCalls> {
  return {};
}
