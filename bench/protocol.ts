import type { ChangePlan } from './synthetic-records';

/** Messages between the bench host (main thread), the engine worker and its generator thread. */

export const PASS_NAMES = ['first', 'no_change', 'change_10pct', 'removal_1pct'] as const;
export type PassName = (typeof PASS_NAMES)[number];

export interface WorkerInput {
  n: number;
  /** Write a .cpuprofile per pass and print where the time went (slows every pass down). */
  profile: boolean;
  profileDir: string;
  /** Sample the engine thread's heap allocations per pass and print where they come from. */
  heap: boolean;
  /** What-if pragmas applied to the engine's connection after it opens (diagnostics only). */
  pragmas: string[];
}

/** Engine worker → its short-lived generator thread (bench-prep.ts). */
export interface PrepInput {
  n: number;
  /** Where the raw baseline writes its two throwaway database files. */
  dir: string;
}

/** Generator thread → engine worker: the source data, compact, and the raw baseline's timings. */
export interface PrepResult {
  /** The records as UTF-8 JSON without `raw` (synthetic-records.ts packRecords), transferred. */
  records: ArrayBuffer;
  change: ChangePlan;
  /** Indexes the removal pass drops. */
  removals: number[];
  rawRuns: number[];
  /** The first pass's unavoidable writes alone (required-writes.ts), two fresh files. */
  floorRuns: number[];
  generateMs: number;
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
  | { type: 'done'; rawMs: number; rawRuns: number[]; floorMs: number; passes: PassResult[] };

/** Host → worker: sampling is on, start the timer. */
export type HostMessage = { type: 'go' };
