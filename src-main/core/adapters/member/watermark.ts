/**
 * A change position for sources whose only delta is "modified on or after <time>" (Mindbody's
 * LastModifiedDate, SCIM's meta.lastModified filter). Used by the member and SCIM sources.
 *
 * The position is the newest modification time seen, plus the ids modified at exactly that time.
 * The next read asks for "at or after" that time (so a record saved in the same millisecond as the
 * last one we saw, but after our read, is not lost) and drops the records it already handed over
 * at the boundary — otherwise every poll would report the boundary record as a change again.
 *
 * The position never goes past the moment the read began. One record stamped in the future (a
 * vendor clock that is wrong, or a hostile server) would otherwise carry it ahead, and every
 * change made before that future time would be missed. Such a record is still handed on; it
 * just does not move the position, so it comes again on each read until its time has passed.
 * The position never goes backwards either: a server that ignores the filter and sends older
 * records does not move it.
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

/**
 * A stored position for a read that began at `readAt` (epoch ms), or null when there is none to
 * use. A position later than the read cannot be right (positions are never set past their own
 * read): it was left by an older version that let a future-dated record carry it ahead, or the
 * token is not ours. Reading everything once (as for a missing token) mends it; keeping it would
 * miss every change until that future time.
 */
export function usableWatermark(prev: Watermark | null, readAt: number): Watermark | null {
  return prev && parseTime(prev.at)! <= readAt ? prev : null;
}

/**
 * The position after a read: the newest time seen (or the previous position when nothing is
 * newer). Times after `notAfter` (the moment the read began, epoch ms) and times that cannot be
 * read are left out, so the position stays within what the read could really have seen.
 */
export function advanceWatermark<T>(
  prev: Watermark | null,
  items: T[],
  idOf: (t: T) => string,
  timeOf: (t: T) => string | null,
  notAfter = Infinity,
): Watermark | null {
  let best = prev ? parseTime(prev.at)! : null;
  let ids = new Set(prev?.ids ?? []);
  for (const item of items) {
    const t = parseTime(timeOf(item));
    if (t === null || t > notAfter) continue;
    if (best === null || t > best) {
      best = t;
      ids = new Set([idOf(item)]);
    } else if (t === best) {
      ids.add(idOf(item));
    }
  }
  return best === null ? null : { at: new Date(best).toISOString(), ids: [...ids] };
}
