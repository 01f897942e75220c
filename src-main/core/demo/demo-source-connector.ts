import { z } from 'zod';
import { PERSON_TYPES } from '../../contract/dto';
import type { PersonType } from '../../contract/dto';
import { UpstreamError } from '../adapters/types';
import type { ChangeSet, ListOptions, SourceConnector, SourceRecord, TestResult } from '../adapters/types';
import { createUpstreamHttp, parseJson, statusError } from '../adapters/http/upstream-http';
import type { HttpReply, RetryPolicy } from '../adapters/http/upstream-http';
import { parseReply } from '../adapters/http/parse-reply';

/**
 * Reads the demo property-management API. Every page is checked before anything is yielded:
 * a cut-off, oddly shaped or self-contradicting page ends the read with an UpstreamError, because
 * the engine treats a completed list as the truth and would otherwise disable people wrongly.
 */

export interface DemoSourceConnectorOptions {
  url: string;
  token: string;
  /** Records per page (default 100). */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

const SYSTEM = 'the property system';

const nullableText = z.string().nullable().optional();

/** One person record. Unknown fields are kept: they travel on in `raw`. */
const personSchema = z.looseObject({
  id: z.string().trim().min(1),
  type: z.string().nullable().optional(),
  first_name: nullableText,
  last_name: nullableText,
  email: nullableText,
  phone: nullableText,
  unit: nullableText,
  status: nullableText,
  property_code: nullableText,
  role: nullableText,
  plan: nullableText,
});

const pageSchema = z.object({
  data: z.array(personSchema),
  meta: z.object({
    page: z.number().int().min(1),
    per_page: z.number().int().min(1),
    total: z.number().int().min(0),
    total_pages: z.number().int().min(0),
  }),
});

const changesSchema = z.object({
  data: z.array(personSchema),
  removed: z.array(z.string().min(1)),
  next: z.string().min(1),
});

export function createDemoSourceConnector(opts: DemoSourceConnectorOptions): SourceConnector {
  const http = createUpstreamHttp({ baseUrl: opts.url, token: opts.token, systemName: SYSTEM, retry: opts.retry });
  const pageSize = opts.pageSize ?? 100;

  const getJson = async <T>(path: string, query: Record<string, string | number | null>, what: string, schema: z.ZodType<T>, signal?: AbortSignal, maxAttempts?: number) => {
    const reply = await http.request({ method: 'GET', path, query, retryable: true, maxAttempts, signal });
    if (reply.status !== 200) throw errorFor(reply, what);
    return { value: validate(reply, what, schema), raw: (parseJson(reply.text) as { value: unknown }).value };
  };

  return {
    kind: 'demo',

    async test(): Promise<TestResult> {
      // Two tries at most: a person pressing "Test" wants a quick answer, but a stale pooled
      // connection should not be reported as the system being down.
      try {
        const schema = z.object({ code: z.string(), name: z.string(), people: z.number() });
        const { value } = await getJson('/api/v1/property', {}, 'checking the connection', schema, undefined, 2);
        return { ok: true, message: `Connected to ${value.name} (${value.code}): ${value.people} people on file.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      const seen = new Set<string>();
      let expectedTotal: number | null = null;
      let totalPages = 1;
      for (let page = 1; page <= totalPages; page++) {
        const what = `reading page ${page} of the people list`;
        const { value, raw } = await getJson('/api/v1/residents', { page, per_page: pageSize }, what, pageSchema, listOpts?.signal);
        const { data, meta } = value;
        if (meta.page !== page) throw malformed(what, `it claims to be page ${meta.page}`);
        if (expectedTotal === null) {
          expectedTotal = meta.total;
          totalPages = meta.total_pages;
          if (totalPages !== Math.ceil(meta.total / meta.per_page)) throw malformed(what, 'its page count does not match its total');
        } else if (meta.total !== expectedTotal || meta.total_pages !== totalPages) {
          throw new UpstreamError(`The people list changed while it was being read (${SYSTEM} now reports ${meta.total} people, not ${expectedTotal}). Try again.`, null, true);
        }
        const isLast = page >= totalPages;
        if (data.length > meta.per_page || (!isLast && data.length !== meta.per_page)) {
          throw malformed(what, `it holds ${data.length} records where ${meta.per_page} were expected`);
        }
        checkDuplicates(data, seen, what);
        const rawRecords = (raw as { data: Record<string, unknown>[] }).data;
        yield data.map((_, i) => toSourceRecord(rawRecords[i]));
      }
      if (expectedTotal !== null && seen.size !== expectedTotal) {
        throw new UpstreamError(`The people list was incomplete: ${SYSTEM} reported ${expectedTotal} people but sent ${seen.size}.`, null, true);
      }
    },

    async changesSince(token: string | null, listOpts?: ListOptions): Promise<ChangeSet> {
      const what = 'reading recent changes';
      const reply = await http.request({ method: 'GET', path: '/api/v1/changes', query: { since: token }, retryable: true, signal: listOpts?.signal });
      if (reply.status === 400 && token) {
        throw new UpstreamError(`${capital(SYSTEM)} did not accept the saved change position; a full read is needed.`, 400);
      }
      if (reply.status !== 200) throw errorFor(reply, what);
      const value = validate(reply, what, changesSchema);
      const raw = (parseJson(reply.text) as { value: { data: Record<string, unknown>[] } }).value;
      checkDuplicates(value.data, new Set(), what);
      return {
        records: raw.data.map(toSourceRecord),
        removedExternalIds: value.removed,
        nextToken: value.next,
      };
    },
  };
}

function toSourceRecord(raw: Record<string, unknown>): SourceRecord {
  const text = (key: string): string | null => (typeof raw[key] === 'string' ? (raw[key] as string) : null);
  const type = text('type')?.trim().toLowerCase() ?? null;
  const tags = [text('role'), text('plan')].filter((t): t is string => !!t && t.trim() !== '');
  return {
    externalId: (raw.id as string).trim(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    email: text('email'),
    phone: text('phone'),
    unit: text('unit'),
    status: text('status'),
    type: type && (PERSON_TYPES as readonly string[]).includes(type) ? (type as PersonType) : null,
    tags,
    siteKey: text('property_code'),
    raw: structuredClone(raw),
  };
}

function validate<T>(reply: HttpReply, what: string, schema: z.ZodType<T>): T {
  return parseReply(reply, schema, (why) => malformed(what, why));
}

function checkDuplicates(records: { id: string }[], seen: Set<string>, what: string): void {
  for (const r of records) {
    const id = r.id.trim();
    if (seen.has(id)) throw malformed(what, `record ${id} appears more than once`);
    seen.add(id);
  }
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`${capital(SYSTEM)} sent an unusable answer while ${what}: ${why}.`, null, true);
}

function errorFor(reply: HttpReply, what: string): UpstreamError {
  return statusError(SYSTEM, what, reply);
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
