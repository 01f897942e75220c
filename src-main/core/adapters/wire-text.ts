import type { z } from 'zod';

/**
 * A scalar from a vendor's JSON as text: trimmed, a finite number as its digits, anything else
 * (empty, blank, an object, NaN) as null. Vendors send ids and phone numbers as numbers or
 * strings interchangeably, and both must read the same.
 */
export function wireText(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** A run of digits long enough that JSON.parse may round it (2^53 has 16 digits). */
const LONG_DIGITS = /\d{16}/;

/**
 * JSON.parse for a vendor's answer, except that an integer too large for a JavaScript number
 * keeps its exact digits, as a string. Ids of 64-bit systems arrive as bare numbers; rounded,
 * two neighbours become one id (one person silently merged into another, or a read refused as
 * "duplicate") and the id no longer names anybody at the vendor. Answers without a long digit
 * run take the plain, faster path. A leading byte-order mark is dropped.
 */
export function parseWireJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: LONG_DIGITS.test(body) ? JSON.parse(body, keepLongIntegers as Reviver) : JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

type Reviver = (this: unknown, key: string, value: unknown) => unknown;

/** Node 21+ hands a reviver the source text of each primitive (the "JSON.parse source text access" proposal). */
function keepLongIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
  const source = context?.source;
  return typeof source === 'string' && /^-?\d+$/.test(source) ? source : value;
}

/**
 * A vendor's answer read with `parseWireJson` and checked against its schema: the checked value
 * and the body exactly as parsed (for records' `raw`). An unusable answer is worded the same way
 * for every JSON source (cut-off JSON, or the first schema issue with its path); `unusable`
 * builds the error naming the caller's system.
 */
export function readWireJson<T>(text: string, schema: z.ZodType<T>, unusable: (why: string) => Error): { data: T; raw: unknown } {
  const parsed = parseWireJson(text);
  if (!parsed.ok) throw unusable('the answer is not complete JSON (it may have been cut off)');
  const result = schema.safeParse(parsed.value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw unusable(`${issue.path.length ? issue.path.join('.') : 'the answer'}: ${issue.message}`);
  }
  return { data: result.data, raw: parsed.value };
}
