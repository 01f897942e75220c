import type { Handlers } from '../../contract/rpc';
import type { decisionsCalls } from '../../contract/calls/decisions';
import type { CoreContext } from './core-context';

export function decisionsHandlers(_ctx: CoreContext): Pick<Handlers, keyof typeof decisionsCalls> {
  return {};
}
