import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'Rollcall';

/**
 * The same folder Electron's app.getPath('userData') gives, so the desktop app and the browser
 * host share one database when both run on a machine.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), APP_NAME);
}

/** --data-dir wins over ROLLCALL_DATA_DIR, which wins over the platform default. */
export function resolveDataDir(argv: string[], env: NodeJS.ProcessEnv = process.env, fallback = defaultDataDir(env)): string {
  const flag = readFlag(argv, '--data-dir');
  return flag ?? (env.ROLLCALL_DATA_DIR || fallback);
}

/** Reads `--name value` or `--name=value` from argv. */
export function readFlag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === name && i + 1 < argv.length) return argv[i + 1];
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

export function databaseFile(dataDir: string): string {
  return join(dataDir, 'rollcall.db');
}
