import type { z } from 'zod';
import type { PersonType } from '../../../contract/dto';
import { UpstreamError } from '../types';
import type { ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, statusError } from '../http/upstream-http';
import type { HttpReply, RetryPolicy } from '../http/upstream-http';
import { readWireJson } from '../wire-text';
import { identitiesPageSchema, identityToRecord } from './cctv-wire';
import type { CctvMapping } from './cctv-wire';

/**
 * CCTV identification source: the people a video-analytics system has enrolled and recognised.
 * Most have no email or phone, so whether they sync depends on the site's identifier policy
 * (the engine applies it; this adapter only reports what the camera system knows).
 *
 * Cursor paging: follow `next_cursor` until it is null. A cursor that comes back a second time,
 * or an id seen twice, ends the read with an error rather than looping or double-counting.
 * There is no change feed (last_seen_at moves on every sighting, so it is no delta); continuous
 * sync skips this source and full passes read it.
 */

const SYSTEM = 'the CCTV system';
const DEFAULT_PAGE = 100;
/** A list longer than this many pages is treated as a runaway cursor. */
const MAX_PAGES = 10_000;

export interface CctvSourceOptions {
  url: string;
  apiKey: string;
  /** Header the key travels in (default X-API-Key). */
  apiKeyHeader?: string;
  /** Default 'visitor'. */
  personType?: PersonType;
  /** Watchlist name → person type, e.g. { Staff: 'staff' }. */
  watchlistTypes?: Record<string, PersonType>;
  /** Watchlists whose people must not get access (default: Blocked, Banned, Blocklist, Denylist). */
  blockedWatchlists?: string[];
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

export const DEFAULT_BLOCKED_WATCHLISTS = ['Blocked', 'Banned', 'Blocklist', 'Denylist'];

export function createCctvSource(opts: CctvSourceOptions): SourceConnector {
  const http = createUpstreamHttp({
    baseUrl: opts.url,
    auth: { kind: 'header', name: opts.apiKeyHeader?.trim() || 'X-API-Key', value: opts.apiKey },
    systemName: SYSTEM,
    retry: opts.retry,
  });
  const pageSize = Math.max(1, Math.min(500, opts.pageSize ?? DEFAULT_PAGE));
  const mapping: CctvMapping = {
    personType: opts.personType ?? 'visitor',
    watchlistTypes: new Map(Object.entries(opts.watchlistTypes ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v])),
    blockedWatchlists: new Set((opts.blockedWatchlists ?? DEFAULT_BLOCKED_WATCHLISTS).map((w) => w.trim().toLowerCase()).filter(Boolean)),
  };

  const getPage = async (cursor: string | null, what: string, limit: number, signal?: AbortSignal, maxAttempts?: number) => {
    const reply = await http.request({ method: 'GET', path: '/api/v1/identities', query: { limit, cursor }, retryable: true, maxAttempts, signal });
    if (reply.status !== 200) throw statusError(SYSTEM, what, reply);
    const { data: page, raw: body } = validate(reply, what, identitiesPageSchema);
    const raw = (body as { identities: Record<string, unknown>[] }).identities;
    return { page, raw };
  };

  return {
    kind: 'cctv',

    async test(): Promise<TestResult> {
      try {
        const { page } = await getPage(null, 'checking the connection', 1, undefined, 2);
        const some = page.identities.length > 0 ? 'it lists identified people' : 'it has no identified people yet';
        return { ok: true, message: `Connected to the CCTV system: ${some}.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      const seenIds = new Set<string>();
      const seenCursors = new Set<string>();
      let cursor: string | null = null;
      for (let pageNo = 1; ; pageNo++) {
        const what = `reading page ${pageNo} of the identified people`;
        if (pageNo > MAX_PAGES) throw malformed(what, `the list did not end after ${MAX_PAGES} pages`);
        const { page, raw } = await getPage(cursor, what, pageSize, listOpts?.signal);
        for (const id of page.identities) {
          if (seenIds.has(id.id)) throw malformed(what, `identity ${id.id} appears more than once`);
          seenIds.add(id.id);
        }
        yield page.identities.map((id, i) => identityToRecord(raw[i], id, mapping));
        const next = page.next_cursor?.trim() || null;
        if (next === null) return;
        if (seenCursors.has(next)) throw malformed(what, 'it points back to a page already read');
        seenCursors.add(next);
        cursor = next;
      }
    },
  };
}

/** The checked answer, and the body as parsed (ids beyond a double's precision kept whole). */
function validate<T>(reply: HttpReply, what: string, schema: z.ZodType<T>): { data: T; raw: unknown } {
  return readWireJson(reply.text, schema, (why) => malformed(what, why));
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`The CCTV system sent an unusable answer while ${what}: ${why}.`, null, true);
}
