import { call } from '../define';
import { empty } from './common';
import type { Role } from '../define';

export interface AppInfo {
  version: string;
  host: 'electron' | 'browser' | 'cli' | 'test';
  dataDir: string;
  databaseFile: string;
  role: Role;
}

/** One backup of the database, as written. */
export interface BackupDone {
  /** Full path of the copy, `<data folder>/backups/rollcall-YYYY-MM-DD-HHmm.db`. */
  file: string;
  bytes: number;
  /** ISO time the backup was started. */
  at: string;
}

/** Where backups are kept, the newest one, and why the last automatic one failed (if it did). */
export interface BackupStatus {
  folder: string;
  databaseFile: string;
  /** How many backups are kept; older ones are removed after each new one. */
  kept: number;
  last: BackupDone | null;
  /** Set when the most recent attempt failed; cleared by the next one that works. */
  lastFailure: { at: string; message: string } | null;
}

export const appCalls = {
  'app.info': call<AppInfo>()(empty),
  'app.backupNow': call<BackupDone>()(empty, 'manager'),
  'app.backupStatus': call<BackupStatus>()(empty, 'manager'),
};
