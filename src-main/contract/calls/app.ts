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

export const appCalls = {
  'app.info': call<AppInfo>()(empty),
};
