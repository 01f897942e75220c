import type { Handlers } from '../../contract/rpc';
import type { locationsCalls } from '../../contract/calls/locations';
import type { CoreContext } from './core-context';

export function locationsHandlers(_ctx: CoreContext): Pick<Handlers, keyof typeof locationsCalls> {
  return {};
}
