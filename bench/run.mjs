#!/usr/bin/env node
// `npm run bench`: bundles the bench (and the engine sources it imports) with Vite into
// bench/out/, then runs it in a fresh Node process so the bundler's memory is not in the RSS
// the bench reports. Build messages go to stderr; stdout is the bench's report alone.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const outDir = join(here, 'out');

await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir,
    // Keeps bench/out/profiles/ from earlier runs; file names carry no hash, so nothing piles up.
    emptyOutDir: false,
    target: 'node24',
    minify: false,
    // Lets --profile name src-main/ files and lines instead of bundle offsets.
    sourcemap: true,
    rolldownOptions: {
      input: {
        'sync-bench': join(here, 'sync-bench.ts'),
        'bench-worker': join(here, 'bench-worker.ts'),
        'bench-prep': join(here, 'bench-prep.ts'),
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name].js' },
    },
  },
});

// --expose-gc: the worker collects the data generator's garbage before the first pass.
const child = spawn(process.execPath, ['--expose-gc', join(outDir, 'sync-bench.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
