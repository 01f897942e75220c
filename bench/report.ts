import type { PassName, PassResult } from './protocol';
import { PASS_NAMES } from './protocol';

/** The issue's speed targets, stated for 100k people on a 2-core machine. */
export const TARGET_N = 100_000;
export const TARGETS = {
  first_ms: 1500,
  first_ratio: 2.5,
  no_change_ms: 300,
  change_10pct_ms: 600,
  loop_p99_ms: 50,
  rss_mb: 500,
  /** 1M may take at most this many times the 100k time, pass by pass. */
  scale_1m: 12,
} as const;

export interface PassReport {
  ms: number;
  /** The engine thread's CPU time: when the machine is busy, wall time suffers first. */
  cpu_ms: number;
  rows_per_s: number;
  ratio_to_raw: number;
  /** 'complete' normally; 'held' means the mass-change guard stopped the pass. */
  status: string;
  outcomes: Record<string, number>;
}

export interface SizeReport {
  n: number;
  passes: Record<PassName, PassReport>;
  raw_ms: number;
  /** The first pass's unavoidable writes alone (bench/required-writes.ts): context, not a target. */
  floor_ms: number;
  floor_ratio_to_raw: number;
  rss_mb: number;
  /** RSS just before the first pass: runtime, both threads, the engine's modules and the source records. */
  rss_before_mb: number;
  loop_p99_ms: number;
  targets_met: Record<string, boolean | null>;
  /** Only on what-if runs (`--pragma`). */
  pragmas?: string[];
  /** The 1M run of `--full`. */
  large?: SizeReport;
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

export function buildReport(n: number, passes: PassResult[], rawMs: number, floorMs: number, rssMb: number, loopP99Ms: number, rssBeforeMb: number): SizeReport {
  const out = {} as Record<PassName, PassReport>;
  for (const p of passes) {
    out[p.name] = {
      ms: round(p.ms),
      cpu_ms: round(p.cpuMs),
      rows_per_s: Math.round(p.rows / (p.ms / 1000)),
      ratio_to_raw: round(p.ms / rawMs, 2),
      status: p.status,
      outcomes: p.outcomes,
    };
  }
  const at100k = n === TARGET_N;
  const only = (ok: boolean) => (at100k ? ok : null);
  return {
    n,
    passes: out,
    raw_ms: round(rawMs),
    floor_ms: round(floorMs),
    floor_ratio_to_raw: round(floorMs / rawMs, 2),
    rss_mb: round(rssMb),
    rss_before_mb: round(rssBeforeMb),
    loop_p99_ms: round(loopP99Ms, 2),
    targets_met: {
      first_ms: only(out.first.ms <= TARGETS.first_ms),
      first_ratio: only(out.first.ratio_to_raw <= TARGETS.first_ratio),
      no_change_ms: only(out.no_change.ms <= TARGETS.no_change_ms),
      change_10pct_ms: only(out.change_10pct.ms <= TARGETS.change_10pct_ms),
      loop_p99_ms: loopP99Ms <= TARGETS.loop_p99_ms,
      rss_mb: only(rssMb <= TARGETS.rss_mb),
      // A held removal pass is not a speed miss, but it is worth a glance: the guard should let 1 % through.
      removal_not_held: out.removal_1pct.status === 'complete',
    },
  };
}

/** `--full`: the 100k report carries the 1M one and whether every pass scaled within 12×. */
export function attachLarge(small: SizeReport, large: SizeReport): SizeReport {
  const within = PASS_NAMES.every((p) => large.passes[p].ms <= TARGETS.scale_1m * small.passes[p].ms);
  return { ...small, large, targets_met: { ...small.targets_met, scale_1m_12x: within } };
}

const mark = (ok: boolean | null | undefined) => (ok == null ? ' ' : ok ? '✓' : '✗');

const PASS_TARGET: Record<PassName, { label: string; key: string | null }> = {
  first: { label: `≤ ${TARGETS.first_ms} ms, ≤ ${TARGETS.first_ratio}× raw`, key: 'first' },
  no_change: { label: `≤ ${TARGETS.no_change_ms} ms`, key: 'no_change_ms' },
  change_10pct: { label: `≤ ${TARGETS.change_10pct_ms} ms`, key: 'change_10pct_ms' },
  removal_1pct: { label: 'not held by the guard', key: 'removal_not_held' },
};

function passOk(r: SizeReport, p: PassName): boolean | null {
  const key = PASS_TARGET[p].key;
  if (key === 'first') {
    const a = r.targets_met.first_ms;
    const b = r.targets_met.first_ratio;
    return a == null || b == null ? null : a && b;
  }
  return key ? (r.targets_met[key] ?? null) : null;
}

function table(r: SizeReport): string[] {
  const at100k = r.n === TARGET_N;
  const lines = [
    ...(r.pragmas ? [`WHAT-IF RUN with PRAGMA ${r.pragmas.join(', ')} — not the engine as shipped`] : []),
    `Rollcall sync bench — ${r.n.toLocaleString('en-US')} people (targets are for ${TARGET_N.toLocaleString('en-US')} on 2 cores)`,
    '',
    `${'pass'.padEnd(14)}${'ms'.padStart(10)}${'cpu ms'.padStart(10)}${'rows/s'.padStart(11)}${'× raw'.padStart(8)}   ${'status'.padEnd(9)} target`,
  ];
  for (const p of PASS_NAMES) {
    const x = r.passes[p];
    const target = at100k || p === 'removal_1pct' ? `${mark(passOk(r, p))} ${PASS_TARGET[p].label}` : '';
    lines.push(
      `${p.padEnd(14)}${x.ms.toFixed(1).padStart(10)}${x.cpu_ms.toFixed(0).padStart(10)}${x.rows_per_s.toLocaleString('en-US').padStart(11)}${x.ratio_to_raw.toFixed(2).padStart(8)}   ${x.status.padEnd(9)} ${target}`,
    );
  }
  lines.push(`${'raw upsert'.padEnd(14)}${r.raw_ms.toFixed(1).padStart(10)}${''.padStart(10)}${Math.round(r.n / (r.raw_ms / 1000)).toLocaleString('en-US').padStart(11)}${'1.00'.padStart(8)}`);
  lines.push(
    `${'required writes'.padEnd(14)}${r.floor_ms.toFixed(1).padStart(9)}${''.padStart(10)}${Math.round(r.n / (r.floor_ms / 1000)).toLocaleString('en-US').padStart(11)}${r.floor_ratio_to_raw.toFixed(2).padStart(8)}   (a first pass's person rows and log entries alone: context, not a target)`,
  );
  lines.push('');
  lines.push(
    `peak RSS      ${r.rss_mb.toFixed(0).padStart(6)} MB   ${at100k ? `${mark(r.targets_met.rss_mb)} ≤ ${TARGETS.rss_mb} MB` : ''}   (before the first pass: ${r.rss_before_mb.toFixed(0)} MB)`,
  );
  lines.push(`host loop p99 ${r.loop_p99_ms.toFixed(1).padStart(6)} ms   ${mark(r.targets_met.loop_p99_ms)} ≤ ${TARGETS.loop_p99_ms} ms`);
  lines.push('');
  lines.push('outcomes per pass:');
  for (const p of PASS_NAMES) lines.push(`  ${p.padEnd(14)}${JSON.stringify(r.passes[p].outcomes)}`);
  return lines;
}

export function formatHuman(r: SizeReport): string {
  const lines = table(r);
  if (r.large) {
    lines.push('', ...table(r.large), '');
    lines.push(`1M vs 100k, pass by pass (target ≤ ${TARGETS.scale_1m}×):`);
    for (const p of PASS_NAMES) {
      const k = r.large.passes[p].ms / r.passes[p].ms;
      lines.push(`  ${p.padEnd(14)}${k.toFixed(1).padStart(6)}×  ${mark(k <= TARGETS.scale_1m)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
