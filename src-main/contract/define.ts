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

export function call<O>() {
  return <I extends z.ZodType>(input: I, role: Role = 'frontDesk'): CallSpec<I, O> => ({ input, role });
}
