import type { z } from 'zod';
import type { CallSpec } from './define';
import { appCalls } from './calls/app';
import { sitesCalls } from './calls/sites';
import { peopleCalls } from './calls/people';
import { syncCalls } from './calls/sync';
import { activityCalls } from './calls/activity';
import { alertsCalls } from './calls/alerts';
import { demoCalls } from './calls/demo';
import { settingsCalls } from './calls/settings';
import { connectionsCalls } from './calls/connections';
import { locationsCalls } from './calls/locations';
import { decisionsCalls } from './calls/decisions';
import { csvCalls } from './calls/csv';

/**
 * The one API contract. Every call is declared here once; the core must implement all of them
 * (see `Handlers`), preload forwards them by name, and the renderer calls them with these types.
 */
export const api = {
  ...appCalls,
  ...sitesCalls,
  ...peopleCalls,
  ...syncCalls,
  ...activityCalls,
  ...alertsCalls,
  ...demoCalls,
  ...settingsCalls,
  ...connectionsCalls,
  ...locationsCalls,
  ...decisionsCalls,
  ...csvCalls,
} satisfies Record<string, CallSpec>;

export type Api = typeof api;
export type CallName = keyof Api;
/** What a caller passes (defaults may be left out). */
export type CallInput<K extends CallName> = z.input<Api[K]['input']>;
/** What a handler receives, after validation and defaults. */
export type ParsedInput<K extends CallName> = z.output<Api[K]['input']>;
export type CallOutput<K extends CallName> = Api[K] extends CallSpec<z.ZodType, infer O> ? O : never;

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(api, name);
}
