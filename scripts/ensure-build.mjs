// Builds with electron-vite when any output is missing or older than the sources.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const outputs = ['out/main/index.js', 'out/main/browser-host.js', 'out/main/core-process.js', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
const inputs = ['src-main', 'src-renderer', 'src-preload', 'package.json', 'electron.vite.config.ts'];

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function needsBuild() {
  if (!outputs.every((o) => existsSync(join(root, o)))) return true;
  const built = Math.min(...outputs.map((o) => statSync(join(root, o)).mtimeMs));
  return inputs.some((i) => existsSync(join(root, i)) && newestMtime(join(root, i)) > built);
}

export function ensureBuilt({ quiet = false } = {}) {
  if (!needsBuild()) return;
  if (!quiet) console.error('Building Rollcall…');
  const r = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : ['ignore', process.stderr, 'inherit'],
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
