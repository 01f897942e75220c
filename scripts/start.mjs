#!/usr/bin/env node
// `npm start`: build when the sources are newer than the build, then open the desktop app if
// Electron can run here; otherwise say why in one line and serve the same console to a browser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, root } from './ensure-build.mjs';

const args = process.argv.slice(2);
const forceBrowser = args.includes('--browser') || process.env.ROLLCALL_BROWSER === '1';
const passArgs = args.filter((a) => a !== '--browser');

ensureBuilt();

/** Returns the Electron binary's path, or the reason it cannot be had. */
function findElectron() {
  const pkgDir = join(root, 'node_modules/electron');
  const pathFile = join(pkgDir, 'path.txt');
  const binary = () => (existsSync(pathFile) ? join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null);
  if (!existsSync(pkgDir)) return { reason: 'the electron package is not installed' };
  if (!binary() || !existsSync(binary())) {
    // Electron ≥ 42 fetches its binary on first launch; try once, briefly, and quietly.
    const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], { cwd: pkgDir, stdio: 'pipe', timeout: 120_000 });
    if (r.status !== 0 || !binary() || !existsSync(binary())) return { reason: 'its binary could not be downloaded' };
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { reason: 'there is no display' };
  return { path: binary() };
}

const electron = forceBrowser ? { reason: 'the browser host was asked for' } : findElectron();
if (electron.path) {
  const child = spawn(electron.path, [root, ...passArgs], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Electron cannot start here (${electron.reason}); serving the same console to your browser instead.`);
  const child = spawn(process.execPath, [join(root, 'out/main/browser-host.js'), ...passArgs], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
