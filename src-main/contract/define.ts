import type { z } from 'zod';

/**
 * One API call: the zod schema that validates its input at the boundary, and a phantom
 * type for its result. Results are produced by our own core, so they are typed, not parsed.
 */
export interface CallSpec<I extends z.ZodType = z.ZodType, O = unknown> {
  readonly input: I;
  readonly output?: O;
  /** Who may make the call. Checked in the core, never in the UI. */
  readonly role: Role;
}

/** Front desk can look and re-sync; managers can also configure and decide. */
export type Role = 'frontDesk' | 'manager';

export const ROLES: readonly Role[] = ['frontDesk', 'manager'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * The role a host or the CLI was started with (`--role`, ROLLCALL_ROLE); none means manager,
 * the single-user default. A value we do not know is refused rather than guessed: a typo such
 * as "frontdesk" must not end up with a manager's rights.
 */
export function parseRole(value: string | undefined): Role {
  // An empty ROLLCALL_ROLE= is "not set", as shells and .env files often leave it.
  if (value === undefined || value === '') return 'manager';
  if (isRole(value)) return value;
  throw new Error(`Unknown role ${JSON.stringify(value.slice(0, 40))}: use frontDesk or manager.`);
}

export function call<O>() {
  return <I extends z.ZodType>(input: I, role: Role = 'frontDesk'): CallSpec<I, O> => ({ input, role });
}
