import type Database from 'better-sqlite3';
import type { Outcome, OutcomeCounts } from '../../contract/dto';
import { auditWriter } from './audit-log';

/*
 * Audit entries for changes people make by hand: connections, sync and site settings, admin edits
 * of a person, locations, CSV imports, held passes, the demo. One entry per change, kind 'change',
 * written in the same transaction as the change where the change is ours to wrap, so a manager can
 * always answer "who turned this off, and when?".
 *
 * What an entry holds: the settings that changed by name, and for plain values the value before
 * and after, cut to MAX_VALUE_CHARS. A secret is only ever named by its label ("secrets changed:
 * API key"); its value, or anything derived from it, never reaches the trail.
 */

/** Longest value stored per side of a change (notes can run to pages). */
export const MAX_VALUE_CHARS = 200;

/** Longest sentence stored for one change. */
const MAX_MESSAGE_CHARS = 1000;

/** One changed setting. `from`/`to` are left out where the value must not, or need not, be shown. */
export interface ChangeRow {
  key: string;
  label: string;
  from?: string | null;
  to?: string | null;
}

/** What every change entry carries in `detail`; callers add their own ids. */
export interface ChangeDetail {
  /** What was changed: 'connection', 'site-settings', 'source', 'site', 'person', 'csv-import', 'held-pass', 'demo', 'location'. */
  subject: string;
  changes?: ChangeRow[];
  /** Labels of secrets that were set, replaced or cleared; never their values. */
  secretsChanged?: string[];
  [key: string]: unknown;
}

export interface ChangeEntry {
  siteId: string | null;
  at: string;
  actor: string;
  /** Kebab-case, read on the Audit screen as words ("connection-updated" → "Connection updated"). */
  action: string;
  target?: string | null;
  personId?: string | null;
  personName?: string;
  /** 'saved' unless the change has an outcome of its own (a pass held, a sync that failed). */
  result?: string;
  /** The whole change in one plain sentence, as the Audit screen and the CSV show it. */
  message: string;
  detail: ChangeDetail;
}

export function cap(text: string, max: number = MAX_VALUE_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A value as the trail shows it: plain text, capped; null for "not set". With `secretValues`, it
 * is scrubbed (see scrubValue) before it is cut: a cut first could split a secret, and the part
 * left would no longer match it.
 */
export function auditValue(value: unknown, secretValues?: Iterable<string>): string | null {
  if (value === undefined || value === null || value === '') return null;
  let text: string;
  if (typeof value === 'boolean') text = value ? 'on' : 'off';
  else if (Array.isArray(value)) text = value.length ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ') : '';
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  if (secretValues) text = scrubValue(text, secretValues) ?? '';
  return text === '' ? null : cap(text);
}

/** Same setting value? Compared by content; "not set", null and empty count as one. */
export function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) ? null : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/**
 * Hides anything secret-looking in a value that is about to be stored: known secret values (a key
 * pasted into the wrong box) and the user:password part of an address.
 */
export function scrubValue(value: string | null, secretValues: Iterable<string>): string | null {
  if (value === null) return null;
  // Up to the last "@" before the path: a password may hold an "@" of its own.
  let out = value.replace(/\/\/[^/?#\s]+@/g, '//••••@');
  for (const s of secretValues) if (s && s.length >= 4 && out.includes(s)) out = out.split(s).join('••••');
  return out;
}

/**
 * The settings whose values differ between `before` and `after`, in the order of `keys`. Values
 * are scrubbed of `secretValues` when given (see auditValue).
 */
export function diffSettings<T extends object>(
  before: T,
  after: T,
  keys: Iterable<string>,
  labelOf: (key: string) => string,
  secretValues?: Iterable<string>,
): ChangeRow[] {
  const rows: ChangeRow[] = [];
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  for (const key of new Set(keys)) {
    if (sameValue(a[key], b[key])) continue;
    rows.push({ key, label: labelOf(key), from: auditValue(a[key], secretValues), to: auditValue(b[key], secretValues) });
  }
  return rows;
}

/** "Property codes" reads as "property codes" inside a sentence; "API key" stays as it is. */
export function inSentence(label: string): string {
  return /^[A-Z][A-Z]/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

/** "address, property codes": which settings changed, by name. */
export function labelList(rows: Pick<ChangeRow, 'label'>[]): string {
  return rows.map((r) => inSentence(r.label)).join(', ');
}

const SHORT = 60;
const shown = (v: string | null | undefined) => (v === null || v === undefined ? 'empty' : cap(v, SHORT));

/** "schedule 60 → 30; integrations on → off": names with values, shortened for one line. */
export function valueList(rows: ChangeRow[]): string {
  return rows.map((r) => ('from' in r || 'to' in r ? `${inSentence(r.label)} ${shown(r.from)} → ${shown(r.to)}` : inSentence(r.label))).join('; ');
}

/** A setting key as words, for settings no form labels ("fileName" → "File name"). */
export function keyLabel(key: string): string {
  const words = key
    .replace(/[_-]/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const OUTCOME_WORDS: Array<[Outcome, string]> = [
  ['added', 'added'],
  ['updated', 'updated'],
  ['disabled', 'disabled'],
  ['skipped', 'skipped'],
  ['processed', 'unchanged'],
  ['error', 'with errors'],
];

/** "20 added, 3 updated": what a pass did (or would do), in words. */
export function countsText(counts: OutcomeCounts): string {
  const parts = OUTCOME_WORDS.filter(([k]) => (counts[k] ?? 0) > 0).map(([k, word]) => `${(counts[k] ?? 0).toLocaleString('en-US')} ${word}`);
  return parts.length ? parts.join(', ') : 'nothing to change';
}

/** Writes one change entry. Call it inside the transaction that makes the change, where the change is one. */
export function recordChange(sqlite: Database.Database, e: ChangeEntry): void {
  auditWriter(sqlite)({
    siteId: e.siteId,
    at: e.at,
    actor: e.actor,
    kind: 'change',
    action: e.action,
    target: e.target ?? null,
    personId: e.personId ?? null,
    personName: e.personName ?? '',
    result: e.result ?? 'saved',
    // A sentence listing many locations or a long failure stays readable, and bounded.
    message: cap(e.message, MAX_MESSAGE_CHARS),
    detail: e.detail,
  });
}
