/**
 * `npm run bench [-- --n 1000000 | --full] [--json] [--profile] [--heap]`
 *
 * Pushes seeded synthetic people (faker, seed 42) through the real sync engine on a real SQLite
 * file in a temp folder — first pass, no-change pass, 10 % change pass, 1 % removal pass — and
 * compares each pass with a raw better-sqlite3 upsert of the same rows measured in the same run
 * (and, for context, with the first pass's unavoidable writes alone: bench/required-writes.ts).
 *
 * How it runs: `bench/run.mjs` bundles bench/sync-bench.ts and bench/bench-worker.ts (with the
 * engine sources they import) with Vite into bench/out/ (gitignored by the `out/` rule), then
 * starts bench/out/sync-bench.js on the project's Node 24. A build step rather than
 * `node --experimental-strip-types`: the engine uses extensionless imports (moduleResolution
 * Bundler) and constructor parameter properties, neither of which type stripping can run.
 *
 * Threads: this file is the HOST — the thread that would serve the window. The engine runs in a
 * worker thread (like the app's core process, its synchronous SQLite work must never block the
 * host), and forwards its events here as the core process does. While a pass runs, the host
 * samples the process RSS every 20 ms and records its own event-loop delay
 * (a 10 ms timer, bench/loop-delay.ts, so an idle loop reads about 10 ms).
 * The RSS is the whole process's (host + worker), which slightly overstates what a core process
 * alone would use. The worker gets the young-generation limit the core process runs with (see
 * runSize), so its heap grows as the app's would.
 *
 * Before any pass, the worker starts a short-lived generator thread (bench-prep.ts) that makes
 * the people with faker and times the raw baseline on those very rows, then hands the rows over
 * as one transferred buffer and exits; faker, its garbage and the baseline's SQLite caches leave
 * with it, so the RSS measured during the passes is the engine's and its input's. Before each
 * pass the worker also waits for the database's checkpoint thread to copy the previous pass's WAL
 * into the file and collects the previous pass's garbage: the app's passes are an hour apart, so
 * neither would land on the next one there.
 *
 * Output: a table on stdout, or with --json exactly one JSON object on stdout; everything else
 * goes to stderr. (npm itself prints a "> rollcall bench" banner on stdout: use `npm run -s bench
 * -- --json` when piping the JSON.) Missing a target never fails the process — timings are
 * noisy — only errors do. `--full` runs 100k and 1M, each in a fresh process, and adds the 1M
 * run under `large`. `--profile` writes a CPU profile per pass to bench/out/profiles/ and prints
 * the hot functions and source lines mapped back to src-main/ (profiling makes the passes
 * slower). `--heap` samples the engine thread's heap allocations per pass and prints the biggest
 * sites (at the pass's high-water mark, at its end, and retained), mapped to src-main/ functions. `--pragma cache_size=-65536` (repeatable) is a what-if knob for whoever tunes the
 * engine: it is applied to the engine's connection and the report carries a `pragmas` key.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CORE_YOUNG_GENERATION_MB } from '../src-main/hosts/core-process-flags';
import type { HostMessage, PassResult, WorkerInput, WorkerMessage } from './protocol';
import { LoopDelaySampler } from './loop-delay';
import { attachLarge, buildReport, formatHuman } from './report';
import type { SizeReport } from './report';

interface Args {
  n: number;
  full: boolean;
  json: boolean;
  profile: boolean;
  heap: boolean;
  pragmas: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { n: 100_000, full: false, json: false, profile: false, heap: false, pragmas: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--full') args.full = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--heap') args.heap = true;
    else if (a === '--pragma') args.pragmas.push(String(argv[++i] ?? ''));
    else if (a === '--n' || a.startsWith('--n=')) {
      const v = a === '--n' ? argv[++i] : a.slice(4);
      const n = Number(String(v).replace(/[_,]/g, ''));
      if (!Number.isInteger(n) || n < 100) throw new Error(`--n wants a whole number of people (at least 100), got "${v}"`);
      args.n = n;
    } else throw new Error(`Unknown option ${a}. Options: --n <people>, --full, --json, --profile, --heap, --pragma <name=value>`);
  }
  return args;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** One size, in this process: engine in a worker, measurements on this (host) thread. */
function runSize(n: number, profile: boolean, heap: boolean, pragmas: string[]): Promise<SizeReport> {
  const loop = new LoopDelaySampler();
  let peakRss = 0;
  let rssBefore = 0;
  let sampler: NodeJS.Timeout | null = null;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  let forwarded = 0;
  const input: WorkerInput = { n, profile, profileDir: join(here, 'profiles', String(n)), heap, pragmas };
  const worker = new Worker(new URL('./bench-worker.js', import.meta.url), {
    workerData: input,
    resourceLimits: {
      // The young generation as the core process runs it (src-main/hosts/core-process-flags.ts).
      maxYoungGenerationSizeMb: CORE_YOUNG_GENERATION_MB,
      // 1M people need more old space than V8's default; at 100k the default applies, as in the app.
      ...(n > 300_000 ? { maxOldGenerationSizeMb: 12_288 } : {}),
    },
  });
  return new Promise((resolve, reject) => {
    let finished = false;
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'pass-start':
          if (!rssBefore) rssBefore = process.memoryUsage.rss();
          sample();
          sampler = setInterval(sample, 20);
          loop.start();
          worker.postMessage({ type: 'go' } satisfies HostMessage);
          return;
        case 'pass-end': {
          const tick = loop.stop();
          if (sampler) clearInterval(sampler);
          sampler = null;
          sample();
          process.stderr.write(`[bench n=${n}] ${m.result.name}: process peak RSS so far ${Math.round(peakRss / 2 ** 20)} MB; host loop p99 ${tick.p99Ms.toFixed(1)} ms, worst tick ${tick.maxMs.toFixed(1)} ms\n`);
          return;
        }
        case 'event':
          // What a host does with a core event: serialise it on to the window.
          forwarded += JSON.stringify(m.payload).length > 0 ? 1 : 0;
          return;
        case 'done': {
          finished = true;
          process.stderr.write(`[bench n=${n}] host forwarded ${forwarded} engine events; maxRSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB over the whole run\n`);
          const passes: PassResult[] = m.passes;
          const report = buildReport(n, passes, m.rawMs, m.floorMs, peakRss / 2 ** 20, loop.p99Ms(), rssBefore / 2 ** 20);
          // A what-if run is labelled, so it is never mistaken for the engine as shipped.
          resolve(pragmas.length ? { ...report, pragmas } : report);
          return;
        }
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (sampler) clearInterval(sampler);
      if (!finished) reject(new Error(`the bench worker stopped (exit code ${code}) before finishing`));
    });
  });
}

/** `--full`: each size in a fresh process, so the 1M run's RSS is not the 100k run's leftovers. */
function runChild(n: number, args: Args): Promise<SizeReport> {
  const script = fileURLToPath(import.meta.url);
  const argv = ['--expose-gc', script, '--n', String(n), '--json', ...(args.profile ? ['--profile'] : []), ...(args.heap ? ['--heap'] : []), ...args.pragmas.flatMap((p) => ['--pragma', p])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the ${n} run failed (exit code ${code})`));
      try {
        resolve(JSON.parse(out) as SizeReport);
      } catch {
        reject(new Error(`the ${n} run printed something other than JSON`));
      }
    });
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  process.stderr.write(`[bench] node ${process.version}, ${(await import('node:os')).availableParallelism()} cores\n`);
  let report: SizeReport;
  if (args.full) {
    const small = await runChild(100_000, args);
    const large = await runChild(1_000_000, args);
    report = attachLarge(small, large);
  } else {
    report = await runSize(args.n, args.profile, args.heap, args.pragmas);
  }
  process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : formatHuman(report));
}

main().catch((err) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
