import type { SourceRecord } from '../adapters/types';

/*
 * Connectors hand the engine whatever their upstream sent, so a SourceRecord's fields are really
 * `unknown`. Normalisation would otherwise turn an object into the name "[object Object]", a
 * string of tags into one tag per letter, or a siteKey object into "another property" (and
 * disable a linked person). A record with a field of the wrong kind or an absurd size is
 * skipped as unusable instead, with the field named, and the person it belongs to is left
 * exactly as they are.
 *
 * Runs once per record that goes through the rules (never for records the screen settled), and
 * allocates nothing for a well-formed record: a typeof and a length per field.
 */

/** Characters per text field: no name, email, unit or id is this long; a 1 MB one is a broken upstream. */
export const MAX_FIELD_CHARS = 1000;
/** Tags per record (tags are de-duplicated in a quadratic loop; a 100k-element list would stall the pass). */
export const MAX_TAGS = 100;

/** What a value that should have been something else is, for an error or a log line. */
export function kindOf(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'boolean') return `${v}`;
  if (typeof v === 'number') return `the number ${String(v)}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Why a single value cannot be read as text, or null when it can (absent counts as readable). */
function textProblem(field: string, v: unknown): string | null {
  if (typeof v === 'string') {
    return v.length > MAX_FIELD_CHARS ? `${field} is ${count(v.length)} characters long; the limit is ${count(MAX_FIELD_CHARS)}` : null;
  }
  if (v === null || v === undefined || typeof v === 'bigint') return null;
  // Numbers are fine as text (ids, phones and units often arrive as numbers); NaN and Infinity are not.
  if (typeof v === 'number' && Number.isFinite(v)) return null;
  return `${field} is ${kindOf(v)}, not text`;
}

/** Whether `s` has no lone surrogate (SQLite would store one as U+FFFD, so the id read back would differ). */
export function isWellFormedText(s: string): boolean {
  // String.prototype.isWellFormed is ES2024 (Node 20+); the project's lib is ES2023.
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Why the record's external id (already trimmed to `ext`) cannot identify anybody, or null.
 * `ext` is '' when the id was missing or not text.
 */
export function externalIdProblem(raw: unknown, ext: string): string | null {
  if (ext === '') {
    if (raw === null || raw === undefined || typeof raw === 'string') return null; // plain "no external id"
    return `external id is ${kindOf(raw)}, not text`;
  }
  if (ext.length > MAX_FIELD_CHARS) return `external id is ${count(ext.length)} characters long; the limit is ${count(MAX_FIELD_CHARS)}`;
  if (!isWellFormedText(ext)) return 'external id contains a broken character (a lone UTF-16 surrogate)';
  return null;
}

/** Why the record's fields cannot be used, or null for a record whose fields are all readable. */
export function recordProblem(rec: SourceRecord): string | null {
  // Field by field rather than a loop over names: plain property reads, ~100k times on a first pass.
  const p =
    textProblem('firstName', rec.firstName) ?? textProblem('lastName', rec.lastName) ?? textProblem('email', rec.email) ??
    textProblem('phone', rec.phone) ?? textProblem('unit', rec.unit) ?? textProblem('status', rec.status) ??
    textProblem('type', rec.type) ?? textProblem('siteKey', rec.siteKey);
  if (p !== null) return p;
  const tags = rec.tags as unknown;
  if (tags === undefined || tags === null) return null;
  if (!Array.isArray(tags)) return `tags is ${kindOf(tags)}, not a list`;
  if (tags.length > MAX_TAGS) return `tags has ${count(tags.length)} entries; the limit is ${MAX_TAGS}`;
  for (let i = 0; i < tags.length; i++) {
    const p = textProblem(`tag ${i + 1}`, tags[i]);
    if (p !== null) return p;
  }
  return null;
}

/** A field as short display text for a log line: text and numbers as they are, anything else ''. */
export function displayText(v: unknown): string {
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '';
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}
