import { api, isCallName } from './api';
import type { ApiErrorShape } from './errors';
import { ApiError } from './errors';
import type { EventMap, EventName } from './events';
import { isRole } from './define';
import type { Role } from './define';
import type { CallContext, Handlers, MessagePipe } from './rpc';

const ROLE_RANK: Record<Role, number> = { frontDesk: 0, manager: 1 };

/**
 * Validates a call at the boundary and runs it. Never throws: every failure becomes an
 * ApiErrorShape the caller can show.
 */
export async function dispatch(
  handlers: Handlers,
  name: unknown,
  args: unknown,
  ctx: CallContext,
): Promise<{ ok: true; result: unknown } | { ok: false; error: ApiErrorShape }> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'unknown_call', message: `There is no call named ${String(name).slice(0, 80)}.` } };
  }
  const spec = api[name];
  // An unknown role (a typo in a flag, a cast string) ranks below every call: fail closed.
  // Compared as `!(have >= need)` so an undefined rank can never slip through as "not less".
  const have = isRole(ctx.role) ? ROLE_RANK[ctx.role] : -1;
  if (!(have >= ROLE_RANK[spec.role])) {
    const why = isRole(ctx.role) ? `${name} needs the ${spec.role} role.` : 'Rollcall was started with a role it does not know, so it refuses every call.';
    return { ok: false, error: { code: 'forbidden', message: why } };
  }
  const parsed = spec.input.safeParse(args ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
    return { ok: false, error: { code: 'invalid_input', message: `Invalid input for ${name}: ${issues.join('; ')}`, issues } };
  }
  try {
    const handler = handlers[name] as (input: unknown, ctx: CallContext) => unknown;
    const result = await handler(parsed.data, ctx);
    return { ok: true, result: result === undefined ? null : result };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, error: err.toShape() };
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { code: 'internal', message } };
  }
}

/** Serves handlers over a pipe and lets the core push events down the same pipe. */
export function serveOverPipe(handlers: Handlers, pipe: MessagePipe, ctx: CallContext) {
  const off = pipe.onMessage(async (msg) => {
    if (!msg || msg.t !== 'req') return;
    const out = await dispatch(handlers, msg.name, msg.args, ctx);
    pipe.send(out.ok ? { t: 'res', id: msg.id, ok: true, result: out.result } : { t: 'res', id: msg.id, ok: false, error: out.error });
  });
  return {
    emit<E extends EventName>(name: E, payload: EventMap[E]) {
      pipe.send({ t: 'evt', name, payload });
    },
    close: off,
  };
}

