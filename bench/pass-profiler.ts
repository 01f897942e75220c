import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { BundleSources } from './bundle-sources';
import type { FrameLike } from './bundle-sources';

/*
 * `--profile`: one V8 CPU profile per pass, taken inside the engine's thread, written as
 * <dir>/<pass>.cpuprofile (open in Chrome DevTools) and summarised on stderr. The bench is a
 * bundle, so frames are mapped back to src-main/... through the bundle's source map: the summary
 * names the engine's own files and functions.
 */

type CallFrame = FrameLike;
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** 1-based lines of the node's script where its samples fell. */
  positionTicks?: Array<{ line: number; ticks: number }>;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  where: string;
  selfMs: number;
  totalMs: number;
}

export class PassProfiler {
  private readonly session = new Session();
  private readonly sources = new BundleSources();

  constructor(private readonly dir: string) {}

  async connect(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.session.connect();
    await this.session.post('Profiler.enable');
    // 500 µs: fine enough to see per-row helpers in a pass of a few hundred ms.
    await this.session.post('Profiler.setSamplingInterval', { interval: 500 });
  }

  async start(): Promise<void> {
    await this.session.post('Profiler.start');
  }

  async stop(name: string, passMs: number): Promise<HotSpot[]> {
    const { profile } = (await this.session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    const file = join(this.dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    const { spots, lines } = this.summarise(profile);
    const fmt = (s: HotSpot) => `    ${s.selfMs.toFixed(0).padStart(6)} ms self ${s.totalMs.toFixed(0).padStart(6)} ms total  ${s.where}`;
    const bySelf = spots.slice(0, 25).map(fmt);
    // Inclusive time of the engine's own functions: which phase (read, plan, apply...) costs what.
    const engine = spots
      .filter((s) => s.where.includes('src-main/'))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, 20)
      .map(fmt);
    const hotLines = lines.slice(0, 20).map((l) => `    ${l.ms.toFixed(0).padStart(6)} ms  ${l.where}`);
    process.stderr.write(
      `[profile] ${name} (${passMs.toFixed(0)} ms, profiled) → ${file}\n  by self time:\n${bySelf.join('\n')}\n` +
        `  engine functions by total time:\n${engine.join('\n')}\n  hottest source lines (self time):\n${hotLines.join('\n')}\n`,
    );
    return spots;
  }

  /**
   * Self and total (inclusive, recursion counted once) time per function, most self time first.
   * Native calls (better-sqlite3's statement methods, crypto, JSON) carry no script of their own:
   * they are named after the line that called them, which is what one needs to know.
   */
  summarise(p: CpuProfile): { spots: HotSpot[]; lines: Array<{ where: string; ms: number }> } {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const selfUs = new Map<number, number>();
    for (let i = 0; i < p.samples.length; i++) {
      const dt = p.timeDeltas[i + 1] ?? 0;
      selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + dt);
    }
    const scriptOf = (id: number): string => {
      for (let cur: number | undefined = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
        const url = byId.get(cur)!.callFrame.url;
        if (url) return url;
      }
      return '';
    };
    const keyOf = new Map<number, string>();
    for (const n of p.nodes) {
      const f = n.callFrame;
      const special = f.functionName.startsWith('(') && f.functionName !== '(anonymous)';
      if (f.url || special || n.id === 1) keyOf.set(n.id, this.sources.where(f));
      else {
        const line = n.positionTicks?.length ? n.positionTicks.reduce((a, b) => (b.ticks > a.ticks ? b : a)).line : null;
        const at = line != null ? this.sources.sourceLine(scriptOf(n.id), line) : null;
        keyOf.set(n.id, `[native ${f.functionName || 'call'}] ← ${at ?? this.sources.where(byId.get(parent.get(n.id) ?? 1)!.callFrame)}`);
      }
    }
    const self = new Map<string, number>();
    const total = new Map<string, number>();
    const lines = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const node = byId.get(id)!;
      const key = keyOf.get(id)!;
      self.set(key, (self.get(key) ?? 0) + us);
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const k = keyOf.get(cur)!;
        if (seen.has(k)) continue;
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + us);
      }
      // Line-level self time: a node's time split over the lines its ticks fell on.
      const ticks = node.positionTicks ?? [];
      const sum = ticks.reduce((a, t) => a + t.ticks, 0);
      const url = node.callFrame.url || scriptOf(id);
      for (const t of ticks) {
        const at = url ? this.sources.sourceLine(url, t.line) : null;
        if (!at) continue;
        const k = node.callFrame.url ? at : `${at} [native ${node.callFrame.functionName || 'call'}]`;
        lines.set(k, (lines.get(k) ?? 0) + (us * t.ticks) / sum);
      }
    }
    const spots = [...total.keys()]
      .map((where) => ({ where, selfMs: (self.get(where) ?? 0) / 1000, totalMs: total.get(where)! / 1000 }))
      .sort((a, b) => b.selfMs - a.selfMs);
    const lineList = [...lines].map(([where, us]) => ({ where, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
    return { spots, lines: lineList };
  }
}
