/**
 * The pusher's long-term retry schedule, on top of the adapter's own short retries: when an
 * upstream keeps failing (429 / 5xx), an operation waits longer each time instead of hammering it.
 */
export interface BackoffPolicy {
  /** Wait after the first failed try. */
  baseMs: number;
  /** No wait is longer than this (a Retry-After asking for more is capped here too). */
  maxMs: number;
  /** Tries in total before the operation is marked failed. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 60 * 60_000, maxAttempts: 12 };

/** Exponential from baseMs; an upstream's Retry-After wins when it asks for longer. */
export function nextAttemptDelay(policy: BackoffPolicy, attempts: number, retryAfterMs: number | null): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return retryAfterMs === null ? exp : Math.min(policy.maxMs, Math.max(exp, retryAfterMs));
}
