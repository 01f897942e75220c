import { Session } from 'node:inspector';
import { BundleSources } from './bundle-sources';
import type { FrameLike } from './bundle-sources';
import { getHeapStatistics } from 'node:v8';

/*
 * `--heap`: where the engine's thread puts its JS heap during each pass, from V8's sampling heap
 * profiler (no heap snapshot: a 100k-person snapshot would itself be the biggest thing in the
 * process). Three views per pass, each as allocation sites mapped through the bundle's source
 * map to src-main/ functions:
 *   - at the high-water mark: what was live (or not yet collected) at the largest heap seen while
 *     the pass ran — taken synchronously from inside the engine's progress events and source pages;
 *   - at the end of the pass, before any collection;
 *   - retained after a full collection: what the engine keeps between passes.
 * Plus a timeline of heap and RSS at those same points, so the phase that grows the heap shows.
 * The forced collection after each pass changes what the next pass starts from: --heap runs are
 * for reading, not for the report's numbers.
 */

type CallFrame = FrameLike;
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  id: number;
  children: HeapNode[];
}
interface SamplingProfile {
  head: HeapNode;
}

/** A same-thread inspector session answers synchronously: the callback has run when post returns. */
type SyncPost = (method: string, params: object | undefined, cb: (err: Error | null, res: unknown) => void) => void;

const MB = 2 ** 20;
const mb = (b: number) => `${(b / MB).toFixed(1).padStart(7)} MB`;

export class PassHeapProfiler {
  private readonly session = new Session();
  private readonly sources = new BundleSources();
  private t0 = 0;
  private peakUsed = 0;
  private peakProfile: SamplingProfile | null = null;
  private peakAt = '';
  private timeline: string[] = [];
  private lastTimelineUsed = 0;

  connect(): void {
    this.session.connect();
    this.call('HeapProfiler.enable');
  }

  private call<T>(method: string, params?: object): T {
    let out: unknown;
    let error: Error | null = null;
    (this.session.post as unknown as SyncPost).call(this.session, method, params, (err, res) => {
      error = err;
      out = res;
    });
    if (error) throw error;
    return out as T;
  }

  start(): void {
    // 16 KB: a finer grain than V8's 32 KB default, still cheap enough for a 100k pass.
    this.call('HeapProfiler.startSampling', { samplingInterval: 16 * 1024 });
    this.t0 = performance.now();
    this.peakUsed = 0;
    this.peakProfile = null;
    this.peakAt = '';
    this.timeline = [];
    this.lastTimelineUsed = 0;
  }

  /** Called from inside the pass (engine events, source pages): cheap unless the heap hit a new high. */
  probe(where: string): void {
    const h = getHeapStatistics();
    const used = h.used_heap_size;
    const ms = performance.now() - this.t0;
    // Only movements of 8 MB or more make the timeline, so it stays a screenful.
    if (Math.abs(used - this.lastTimelineUsed) >= 8 * MB) {
      this.lastTimelineUsed = used;
      this.timeline.push(`    ${ms.toFixed(0).padStart(6)} ms  used ${mb(used)}  heap ${mb(h.total_heap_size)}  rss ${mb(process.memoryUsage.rss())}  ${where}`);
    }
    // A new profile only when the high-water mark grows by 8 MB: taking one costs a few ms.
    if (used > this.peakUsed + 8 * MB) {
      this.peakUsed = used;
      this.peakAt = `${ms.toFixed(0)} ms, ${where}`;
      this.peakProfile = this.call<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile').profile;
    }
  }

  stop(name: string, passMs: number): void {
    const end = this.call<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile').profile;
    const endUsed = getHeapStatistics().used_heap_size;
    (globalThis as { gc?: () => void }).gc?.();
    const retained = this.call<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile').profile;
    const retainedUsed = getHeapStatistics().used_heap_size;
    this.call('HeapProfiler.stopSampling');
    const parts = [`[heap] ${name} (${passMs.toFixed(0)} ms, profiled)`, '  timeline (heap used moves of ≥ 8 MB):', ...this.timeline];
    if (this.peakProfile) parts.push(...this.summary(`at the high-water mark (${this.peakAt}; thread heap used ${mb(this.peakUsed).trim()})`, this.peakProfile));
    parts.push(...this.summary(`at the end of the pass, before any collection (thread heap used ${mb(endUsed).trim()})`, end));
    parts.push(...this.summary(`retained after a full collection (thread heap used ${mb(retainedUsed).trim()})`, retained));
    process.stderr.write(`${parts.join('\n')}\n`);
  }

  /** Bytes (sampled estimate) per engine function that allocated them, and per exact allocating frame. */
  private summary(title: string, profile: SamplingProfile): string[] {
    const byEngine = new Map<string, number>();
    const byFrame = new Map<string, number>();
    let total = 0;
    const walk = (node: HeapNode, engineFrame: string | null) => {
      const here = this.sources.where(node.callFrame);
      const inEngine = here.includes('src-main/') ? here : engineFrame;
      if (node.selfSize > 0) {
        total += node.selfSize;
        const k = inEngine ?? '(outside src-main: bench, runtime)';
        byEngine.set(k, (byEngine.get(k) ?? 0) + node.selfSize);
        // Native and library allocations are named with the engine function that asked for them.
        const exact = here.includes('src-main/') || !inEngine ? here : `${here}  ← ${inEngine}`;
        byFrame.set(exact, (byFrame.get(exact) ?? 0) + node.selfSize);
      }
      for (const c of node.children) walk(c, inEngine);
    };
    walk(profile.head, null);
    const top = (m: Map<string, number>, k: number) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, k)
        .map(([w, b]) => `      ${mb(b)}  ${w}`);
    return [
      `  ${title}: ${mb(total).trim()} sampled from this pass`,
      '    by innermost src-main function on the allocating stack:',
      ...top(byEngine, 15),
      '    by allocating frame:',
      ...top(byFrame, 15),
    ];
  }

}
