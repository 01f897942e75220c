import type { Role } from '../contract/define';
import type { CallContext } from '../contract/rpc';
import { hostActor } from '../core/handlers/core-context';

/**
 * The context the core serves a window host's calls with. The host let the caller in (Electron's
 * own window, or a browser page with the launch token), so the host, not the caller, says who is
 * acting: every call it carries is recorded as the OS user running the app, with the role.
 */
export function hostCallContext(host: 'electron' | 'browser', role: Role): CallContext {
  return { role, actor: hostActor(host, role) };
}
