/** Messages between the bench host (main thread) and the engine worker. */

export const PASS_NAMES = ['first', 'no_change', 'change_10pct', 'removal_1pct'] as const;
export type PassName = (typeof PASS_NAMES)[number];

export interface WorkerInput {
  n: number;
  /** Write a .cpuprofile per pass and print where the time went (slows every pass down). */
  profile: boolean;
  profileDir: string;
  /** What-if pragmas applied to the engine's connection after it opens (diagnostics only). */
  pragmas: string[];
}

export interface PassResult {
  name: PassName;
  ms: number;
  /** CPU time of the engine's thread during the pass (user + system): steadier than wall time on a busy machine. */
  cpuMs: number;
  /** Records the source listed in this pass. */
  rows: number;
  status: string;
  outcomes: Record<string, number>;
  error: string | null;
}

export type WorkerMessage =
  | { type: 'pass-start'; name: PassName }
  | { type: 'pass-end'; result: PassResult }
  /** An engine event, forwarded the way the core process forwards them to the host. */
  | { type: 'event'; name: string; payload: unknown }
  | { type: 'done'; rawMs: number; rawRuns: number[]; passes: PassResult[] };

/** Host → worker: sampling is on, start the timer. */
export type HostMessage = { type: 'go' };
