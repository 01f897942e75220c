import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { UpstreamError } from '../types';
import type { ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, statusError } from '../http/upstream-http';
import { parseWireJson } from '../wire-text';
import type { HttpReply, RetryPolicy, UpstreamAuth } from '../http/upstream-http';
import { capital, splitBase } from '../mri/next-link';
import {
  ENTRATA_METHOD_VERSION,
  envelopeSchema,
  leaseToRecords,
  leasesResultSchema,
  propertiesResultSchema,
  statusRank,
  wrappedList,
} from './entrata-wire';
import type { EntrataError, EntrataPaging } from './entrata-wire';

/**
 * Reads residents from Entrata (see entrata-wire.ts for the envelope). Every answer is checked
 * before anything is used: Entrata reports many failures inside an HTTP 200 (`response.error`),
 * so a 200 is not success until the envelope says so, echoes our requestId, and holds a result
 * of the expected shape. All leases of all configured properties are read before the first
 * record is handed on, because one person can appear on several leases, possibly on different
 * pages, and must reach the engine once, with their strongest lease.
 */

export type EntrataCredentials =
  | { kind: 'basic'; username: string; password: string }
  /** Entrata's API gateway key, sent as X-Api-Key. */
  | { kind: 'apikey'; apiKey: string };

export interface EntrataSourceOptions {
  /**
   * https://<subdomain>.entrata.com (Basic; `/api/v1/<service>` is added), the API-key gateway
   * https://apis.entrata.com/ext/orgs/<subdomain>/v1, or any address ending in `/v1` or `/api`
   * (the service name is added directly), or a test server.
   */
  url: string;
  /** Entrata property ids to read; each record's siteKey is its lease's property id. */
  propertyIds: string[];
  credentials: EntrataCredentials;
  /** Leases per page (`per_page`). */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

const SYSTEM = 'Entrata';
export const ENTRATA_API_KEY_HEADER = 'X-Api-Key';
/** The method versions tried, in order: r1 first; r2 when a server says it no longer takes r1. */
const VERSIONS = [ENTRATA_METHOD_VERSION, 'r2'];
/** A guard against a server that keeps saying "there is more". */
const MAX_PAGES = 10_000;

/** The classic per-client address, for user name and password sign-in. */
export function entrataUrlFor(subdomain: string): string {
  return `https://${subdomain.trim().toLowerCase()}.entrata.com`;
}

/** Entrata's API gateway, where API keys are accepted. */
export function entrataGatewayUrlFor(subdomain: string): string {
  return `https://apis.entrata.com/ext/orgs/${subdomain.trim().toLowerCase()}/v1`;
}

/**
 * The path prefixes a service name is appended to, best first. An address that already names the
 * API root is used as it is; a bare host gets `/api/v1`, then the older `/api` (the documentation
 * shows both) if the first answers 404.
 */
export function serviceRoots(url: string): { origin: string; roots: string[] } {
  const { origin, prefix } = splitBase(url);
  if (/\/(v\d+|api)$/i.test(prefix)) return { origin, roots: [prefix] };
  return { origin, roots: [`${prefix}/api/v1`, `${prefix}/api`] };
}

/** Entrata's example ids are small integers; a random positive one is valid everywhere. */
function newRequestId(): number {
  return randomBytes(4).readUInt32BE(0) % 2_000_000_000 + 1;
}

// Only an empty *result* reads as empty: "No property found" or "No access found" are faults.
/** How a server refuses a page number past the last page. */
const PAGE_REFUSAL = /\bpage(?:_no| number)?\b.*\b(?:out of range|exceeds|invalid|not found|does not exist)\b|\bno more pages\b/i;
const NO_RECORDS = /\bno\b.*\b(records?|leases?|data|results?|customers?)\b.*\b(found|exist|available)\b/i;

export function createEntrataSource(opts: EntrataSourceOptions): SourceConnector {
  const { origin, roots } = serviceRoots(opts.url);
  const auth: UpstreamAuth =
    opts.credentials.kind === 'basic'
      ? { kind: 'basic', username: opts.credentials.username, password: opts.credentials.password }
      : { kind: 'header', name: ENTRATA_API_KEY_HEADER, value: opts.credentials.apiKey };
  const http = createUpstreamHttp({ baseUrl: origin, auth, systemName: SYSTEM, retry: opts.retry });
  const pageSize = Math.max(1, Math.min(1000, opts.pageSize ?? 500));
  const secrets = opts.credentials.kind === 'basic' ? [opts.credentials.password, opts.credentials.username] : [opts.credentials.apiKey];
  const propertyIds = [...new Set(opts.propertyIds.map((p) => p.trim()).filter(Boolean))];
  // What this server turned out to take, learnt on the first call and kept.
  let rootAt = 0;
  const versionAt = new Map<string, number>();

  interface CallOptions {
    signal?: AbortSignal;
    maxAttempts?: number;
    /** page_no / per_page, sent in the query string. */
    page?: { no: number; size: number };
  }

  /** One JSON-RPC call; returns the validated `result`, the raw one, and any paging block. */
  async function call<T>(
    service: string,
    method: string,
    params: Record<string, unknown>,
    schema: z.ZodType<T>,
    what: string,
    callOpts: CallOptions = {},
  ): Promise<{ result: T | null; raw: unknown; paging: EntrataPaging | null }> {
    for (;;) {
      const requestId = newRequestId();
      const versionIndex = versionAt.get(method) ?? 0;
      const reply = await http.request({
        method: 'POST',
        path: `${roots[rootAt]}/${service}`,
        query: callOpts.page ? { page_no: callOpts.page.no, per_page: callOpts.page.size } : undefined,
        json: {
          auth: { type: opts.credentials.kind === 'basic' ? 'basic' : 'apikey' },
          requestId,
          method: { name: method, version: VERSIONS[versionIndex], params },
        },
        // Reads: safe to send again.
        retryable: true,
        maxAttempts: callOpts.maxAttempts,
        signal: callOpts.signal,
      });
      const parsed = parseWireJson(reply.text);
      const envelope = parsed.ok ? envelopeSchema.safeParse(parsed.value) : null;
      if (reply.status === 404 && !envelope?.success && rootAt + 1 < roots.length) {
        rootAt++;
        continue;
      }
      const error = envelope?.success ? envelope.data.response.error : undefined;
      if (error) {
        // A read that matched nothing is sometimes reported as an error: an empty list, not a fault.
        if (callOpts.page && NO_RECORDS.test(error.message ?? '')) return { result: null, raw: null, paging: null };
        if (/\bversion\b/i.test(error.message ?? '') && versionIndex + 1 < VERSIONS.length) {
          versionAt.set(method, versionIndex + 1);
          continue;
        }
        throw vendorError(error, reply, what, secrets);
      }
      if (reply.status !== 200) throw statusError(SYSTEM, what, reply);
      if (!parsed.ok) throw malformed(what, 'the answer is not complete JSON (it may have been cut off)');
      if (!envelope?.success) throw malformed(what, 'it is not an Entrata response envelope');
      const { response } = envelope.data;
      if (response.requestId !== undefined && response.requestId !== null && String(response.requestId) !== String(requestId)) {
        throw malformed(what, 'it answers a different request (its requestId is not ours)');
      }
      if (response.code !== undefined && Number(response.code) !== 200) throw malformed(what, `its response code is ${String(response.code)}`);
      // Entrata answers an empty read with a sentence where the result object would be
      // ("No records found with mentioned preferences."): an empty list, not a fault.
      if (typeof response.result === 'string' && NO_RECORDS.test(response.result)) return { result: null, raw: null, paging: null };
      const result = schema.safeParse(response.result);
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue.path.length ? `result.${issue.path.join('.')}` : 'result';
        throw malformed(what, `${where}: ${issue.message}`);
      }
      return { result: result.data, raw: response.result, paging: response.pagination ?? null };
    }
  }

  /** Every lease of one property, page by page, checked as it goes. */
  async function readProperty(propertyId: string, into: Map<string, SourceRecord>, signal?: AbortSignal): Promise<void> {
    const leaseIds = new Set<string>();
    let total: number | null = null;
    /** The last page held fewer leases than asked for, and nothing said how many a page holds. */
    let afterShortPage = false;
    /** The list reached its end (rather than the page limit). */
    let ended = false;
    for (let pageNo = 1; pageNo <= MAX_PAGES; pageNo++) {
      const what = `reading page ${pageNo} of the leases of property ${propertyId}`;
      const answer = await call('leases', 'getLeases', { propertyId }, leasesResultSchema, what, { signal, page: { no: pageNo, size: pageSize } }).catch(
        (err: unknown) => {
          // A server that refuses a page number outright ("page_no 3 is out of range") has shown
          // where the list ends: after a short page, any definite refusal says so; after a full one
          // (a list that fills its pages exactly), only a refusal that names the page. Anything that
          // may pass on a retry, or a refused sign-in, still fails the read.
          const refusal = err instanceof UpstreamError && !err.retryable && err.status !== 401 && err.status !== 403;
          if (refusal && (afterShortPage || (pageNo > 1 && PAGE_REFUSAL.test(err.message)))) return null;
          throw err;
        },
      );
      ended = true;
      if (answer === null) break;
      const { result, raw, paging } = answer;
      if (result === null) break; // "No records found": an empty property, or the page after the last.
      const leases = result.leases.lease;
      const rawLeases = wrappedList((raw as { leases?: unknown }).leases, 'lease') as Record<string, unknown>[];
      const page = result.pagination ?? paging;
      if (page) {
        if (page.pageNo !== pageNo) throw malformed(what, `it claims to be page ${page.pageNo}`);
        if (leases.length > page.perPageCount) throw malformed(what, `it holds ${leases.length} leases where at most ${page.perPageCount} fit a page`);
        if (page.totalCount !== undefined) {
          if (total === null) total = page.totalCount;
          else if (page.totalCount !== total) {
            throw new UpstreamError(`The lease list of property ${propertyId} changed while it was being read (${SYSTEM} now reports ${page.totalCount} leases, not ${total}). Try again.`, null, true);
          }
        }
      }
      // A server that ignores page_no answers every page with the first one again: that is the
      // end of the list, not a lease listed twice.
      if (pageNo > 1 && leases.length > 0 && leases.every((l) => leaseIds.has(l.id))) break;
      leases.forEach((lease, i) => {
        if (leaseIds.has(lease.id)) throw malformed(what, `lease ${lease.id} appears more than once`);
        leaseIds.add(lease.id);
        const inLease = new Set<string>();
        for (const c of lease.customers.customer) {
          if (inLease.has(c.id)) throw malformed(what, `customer ${c.id} appears twice on lease ${lease.id}`);
          inLease.add(c.id);
        }
        for (const rec of leaseToRecords(lease, rawLeases[i] ?? {}, propertyId)) {
          const held = into.get(rec.externalId);
          if (!held || statusRank(rec.status) > statusRank(held.status)) into.set(rec.externalId, rec);
        }
      });
      // Stop at the total, at a page that is not full by the server's own page size, or when the
      // server sent more than a page (it does not page at all, and this was the whole list).
      // Without a pagination block a short page proves nothing: a server that caps per_page below
      // what we asked sends short pages all along, and stopping there would drop everyone after
      // the first page (and disable them). So then the read goes on to an empty page, a "no
      // records" answer, or a repeat of an earlier page: one request more per property.
      const done = page
        ? leases.length === 0 || leases.length < page.perPageCount || (total !== null && leaseIds.size >= total)
        : leases.length === 0 || leases.length > pageSize;
      if (done) break;
      ended = false;
      afterShortPage = !page && leases.length < pageSize;
    }
    // A server that keeps saying "there is more" must not have its first pages taken for the list.
    if (!ended) throw malformed(`reading the leases of property ${propertyId}`, `the list did not end after ${MAX_PAGES} pages`);
    if (total !== null && leaseIds.size !== total) {
      throw new UpstreamError(`The lease list of property ${propertyId} was incomplete: ${SYSTEM} reported ${total} leases but sent ${leaseIds.size}.`, null, true);
    }
  }

  return {
    kind: 'entrata',

    async test(): Promise<TestResult> {
      try {
        if (propertyIds.length === 0) return { ok: false, message: 'No Entrata property id is set for this connection.' };
        const { result } = await call('properties', 'getProperties', { propertyIds: propertyIds.join(',') }, propertiesResultSchema, 'checking the connection', { maxAttempts: 2 });
        const known = new Map((result?.PhysicalProperty.Property ?? []).map((p) => [p.PropertyID, p.MarketingName ?? p.PropertyID]));
        const missing = propertyIds.filter((p) => !known.has(p));
        if (missing.length) {
          return { ok: false, message: `Connected to Entrata, but it does not show property ${missing.join(', ')} to this user. Check the property ids and the API user's property access.` };
        }
        return { ok: true, message: `Connected to Entrata: ${propertyIds.map((p) => `${known.get(p)} (${p})`).join(', ')}.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      if (propertyIds.length === 0) throw new UpstreamError('No Entrata property id is set for this connection; nothing can be read.');
      const people = new Map<string, SourceRecord>();
      for (const propertyId of propertyIds) await readProperty(propertyId, people, listOpts?.signal);
      const all = [...people.values()];
      for (let i = 0; i < all.length; i += pageSize) yield all.slice(i, i + pageSize);
    },
  };
}

/** `response.error` → a message in Entrata's words, minus anything secret. */
function vendorError(error: EntrataError, reply: HttpReply, what: string, secrets: string[]): UpstreamError {
  const code = error.code !== undefined ? String(error.code) : null;
  let message = (error.message ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
  for (const s of secrets) if (s && s.length >= 3) message = message.split(s).join('***');
  const said = message ? `: "${message}"` : '';
  const tag = code ? ` (error ${code})` : '';
  const authWords = /auth|password|credential|api key|apikey|unauthori|forbidden|access denied|not allowed|permission/i;
  if (reply.status === 401 || reply.status === 403 || authWords.test(message)) {
    return new UpstreamError(`Entrata did not accept the credentials${tag}${said}. Check the user name and password or API key in the connection settings.`, reply.status === 200 ? 401 : reply.status);
  }
  if (reply.status === 429 || /rate limit|too many/i.test(message)) {
    return new UpstreamError(`Entrata is limiting requests${tag} while ${what}. Try again later.`, 429, true);
  }
  const retryable = reply.status >= 500;
  return new UpstreamError(`Entrata refused the request${tag} while ${what}${said}.`, reply.status === 200 ? null : reply.status, retryable);
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`${capital(SYSTEM)} sent an unusable answer while ${what}: ${why}.`, null, true);
}
