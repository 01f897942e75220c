import { createHistogram } from 'node:perf_hooks';
import type { RecordableHistogram } from 'node:perf_hooks';

/**
 * The host thread's event-loop delay, sampled only while a pass runs.
 *
 * Why not perf_hooks.monitorEventLoopDelay with enable()/disable() around each pass: on Node 24,
 * the first sample after a re-enable is the whole time the monitor was off (measured: a 500 ms
 * pause read as one 521 ms delay). With four passes that is three bogus samples, and on a fast
 * machine, where the passes take fewer 10 ms ticks, they are more than 1 % of all samples, so
 * they became the reported p99 (180 ms for a loop whose worst real tick was 16 ms).
 *
 * This sampler is a 10 ms timer that records the time between its ticks, so, as with
 * monitorEventLoopDelay, an idle loop reads about 10 ms. Each pass has its own histogram;
 * `all` gathers every pass's samples.
 */
export class LoopDelaySampler {
  readonly all: RecordableHistogram = createHistogram();
  private pass: RecordableHistogram | null = null;
  private timer: NodeJS.Timeout | null = null;
  private last = 0;

  constructor(private readonly resolutionMs = 10) {}

  start(): void {
    this.stop();
    this.pass = createHistogram();
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const ns = Math.max(1, Math.round((now - this.last) * 1e6));
      this.last = now;
      this.pass!.record(ns);
      this.all.record(ns);
    }, this.resolutionMs);
  }

  /** Stops sampling; returns this pass's p99 and worst tick in ms (0 if the pass took no tick). */
  stop(): { p99Ms: number; maxMs: number } {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const h = this.pass;
    this.pass = null;
    if (!h || h.count === 0) return { p99Ms: 0, maxMs: 0 };
    return { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
  }

  /** p99 over every pass's samples, in ms. */
  p99Ms(): number {
    return this.all.count === 0 ? 0 : this.all.percentile(99) / 1e6;
  }
}
