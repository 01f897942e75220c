/**
 * A change position for sources whose only delta is "modified on or after <time>" (Mindbody's
 * LastModifiedDate, SCIM's meta.lastModified filter). Used by the member and SCIM sources.
 *
 * The position is the newest modification time seen, plus the ids modified at exactly that time.
 * The next read asks for "at or after" that time (so a record saved in the same millisecond as the
 * last one we saw, but after our read, is not lost) and drops the records it already handed over
 * at the boundary — otherwise every poll would report the boundary record as a change again.
 */

export interface Watermark {
  /** ISO 8601 UTC, millisecond precision. */
  at: string;
  /** Ids whose modification time equals `at`, already delivered. */
  ids: string[];
}

const PREFIX = 'wm1.';
/** Boundary ids kept in a token; more than this at one instant just means a few re-sent records. */
const MAX_IDS = 200;

export function encodeWatermark(w: Watermark): string {
  return PREFIX + Buffer.from(JSON.stringify({ at: w.at, ids: w.ids.slice(0, MAX_IDS) })).toString('base64url');
}

/** Null for a missing or unreadable token: the caller reads everything, which is always safe. */
export function decodeWatermark(token: string | null | undefined): Watermark | null {
  if (!token || !token.startsWith(PREFIX)) return null;
  try {
    const value = JSON.parse(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8')) as unknown;
    if (!value || typeof value !== 'object') return null;
    const { at, ids } = value as { at?: unknown; ids?: unknown };
    if (typeof at !== 'string' || parseTime(at) === null) return null;
    if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string')) return null;
    return { at, ids: ids as string[] };
  } catch {
    return null;
  }
}

/**
 * Milliseconds since the epoch. A time without a zone is read as UTC: vendors that document
 * "UTC date and time" (Mindbody) often leave the "Z" off.
 */
export function parseTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const v = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v)) return null;
  const zoned = /T/.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? `${v}Z` : v;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : ms;
}

/** Drops records already delivered at the previous boundary. */
export function afterWatermark<T>(prev: Watermark | null, items: T[], idOf: (t: T) => string, timeOf: (t: T) => string | null): T[] {
  if (!prev) return items;
  const at = parseTime(prev.at)!;
  const seen = new Set(prev.ids);
  return items.filter((item) => {
    const t = parseTime(timeOf(item));
    if (t === null) return true;
    if (t < at) return false;
    return !(t === at && seen.has(idOf(item)));
  });
}

/** The position after a read: the newest time seen (or the previous position when nothing is newer). */
export function advanceWatermark<T>(prev: Watermark | null, items: T[], idOf: (t: T) => string, timeOf: (t: T) => string | null): Watermark | null {
  let best = prev ? parseTime(prev.at)! : null;
  let ids = new Set(prev?.ids ?? []);
  for (const item of items) {
    const t = parseTime(timeOf(item));
    if (t === null) continue;
    if (best === null || t > best) {
      best = t;
      ids = new Set([idOf(item)]);
    } else if (t === best) {
      ids.add(idOf(item));
    }
  }
  return best === null ? null : { at: new Date(best).toISOString(), ids: [...ids] };
}
