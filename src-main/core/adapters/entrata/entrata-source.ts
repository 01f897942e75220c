import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { UpstreamError } from '../types';
import type { ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, parseJson, statusError } from '../http/upstream-http';
import type { HttpReply, RetryPolicy, UpstreamAuth } from '../http/upstream-http';
import { capital, splitBase } from '../mri/next-link';
import {
  ENTRATA_METHOD_VERSION,
  envelopeSchema,
  leaseToRecords,
  leasesResultSchema,
  propertiesResultSchema,
  statusRank,
} from './entrata-wire';

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
  /** https://<subdomain>.entrata.com (or a test server). */
  url: string;
  /** Entrata property ids to read; each record's siteKey is its lease's property id. */
  propertyIds: string[];
  credentials: EntrataCredentials;
  /** Leases per page (`perPageCount`). */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

const SYSTEM = 'Entrata';
export const ENTRATA_API_KEY_HEADER = 'X-Api-Key';
/** A guard against a server that keeps saying "there is more". */
const MAX_PAGES = 10_000;

export function entrataUrlFor(subdomain: string): string {
  return `https://${subdomain.trim().toLowerCase()}.entrata.com`;
}

export function createEntrataSource(opts: EntrataSourceOptions): SourceConnector {
  const { origin, prefix } = splitBase(opts.url);
  const auth: UpstreamAuth =
    opts.credentials.kind === 'basic'
      ? { kind: 'basic', username: opts.credentials.username, password: opts.credentials.password }
      : { kind: 'header', name: ENTRATA_API_KEY_HEADER, value: opts.credentials.apiKey };
  const http = createUpstreamHttp({ baseUrl: origin, auth, systemName: SYSTEM, retry: opts.retry });
  const pageSize = Math.max(1, Math.min(1000, opts.pageSize ?? 500));
  const secrets = opts.credentials.kind === 'basic' ? [opts.credentials.password, opts.credentials.username] : [opts.credentials.apiKey];
  const propertyIds = [...new Set(opts.propertyIds.map((p) => p.trim()).filter(Boolean))];

  /** One JSON-RPC call; returns the validated `result` and the raw one. */
  async function call<T>(
    service: string,
    method: string,
    params: Record<string, unknown>,
    schema: z.ZodType<T>,
    what: string,
    signal?: AbortSignal,
    maxAttempts?: number,
  ): Promise<{ result: T | null; raw: unknown }> {
    const requestId = `rc-${randomBytes(6).toString('hex')}`;
    const reply = await http.request({
      method: 'POST',
      path: `${prefix}/api/v1/${service}`,
      json: {
        auth: { type: opts.credentials.kind === 'basic' ? 'basic' : 'apikey' },
        requestId,
        method: { name: method, version: ENTRATA_METHOD_VERSION, params },
      },
      // Reads: safe to send again.
      retryable: true,
      maxAttempts,
      signal,
    });
    const parsed = parseJson(reply.text);
    const envelope = parsed.ok ? envelopeSchema.safeParse(parsed.value) : null;
    if (envelope?.success && envelope.data.response.error) {
      throw vendorError(envelope.data.response.error, reply, what, secrets);
    }
    if (reply.status !== 200) throw statusError(SYSTEM, what, reply);
    if (!parsed.ok) throw malformed(what, 'the answer is not complete JSON (it may have been cut off)');
    if (!envelope?.success) throw malformed(what, 'it is not an Entrata response envelope');
    const { response } = envelope.data;
    if (response.requestId !== undefined && String(response.requestId) !== requestId) {
      throw malformed(what, 'it answers a different request (its requestId is not ours)');
    }
    if (response.code !== undefined && Number(response.code) !== 200) throw malformed(what, `its response code is ${String(response.code)}`);
    // Entrata answers an empty read with a sentence where the result object would be
    // ("No records found with mentioned preferences."): an empty list, not a fault.
    if (typeof response.result === 'string' && /\bno\b.*\bfound\b/i.test(response.result)) return { result: null, raw: null };
    const result = schema.safeParse(response.result);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue.path.length ? `result.${issue.path.join('.')}` : 'result';
      throw malformed(what, `${where}: ${issue.message}`);
    }
    return { result: result.data, raw: response.result };
  }

  /** Every lease of one property, page by page, checked as it goes. */
  async function readProperty(propertyId: string, into: Map<string, SourceRecord>, signal?: AbortSignal): Promise<void> {
    const leaseIds = new Set<string>();
    let total: number | null = null;
    for (let pageNo = 1; pageNo <= MAX_PAGES; pageNo++) {
      const what = `reading page ${pageNo} of the leases of property ${propertyId}`;
      const { result, raw } = await call('leases', 'getLeases', { propertyId, pageNo, perPageCount: pageSize }, leasesResultSchema, what, signal);
      if (result === null) break; // "No records found": an empty property.
      const leases = result.leases.lease;
      const rawLeases = listOfRaw((raw as { leases?: { lease?: unknown } }).leases?.lease);
      const page = result.pagination;
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
      // Without paging details the answer is the whole list; with them, stop at the total or
      // at the first page that is not full.
      const perPage = page?.perPageCount ?? pageSize;
      const done = !page || leases.length === 0 || leases.length < perPage || (total !== null && leaseIds.size >= total);
      if (done) break;
    }
    if (total !== null && leaseIds.size !== total) {
      throw new UpstreamError(`The lease list of property ${propertyId} was incomplete: ${SYSTEM} reported ${total} leases but sent ${leaseIds.size}.`, null, true);
    }
  }

  return {
    kind: 'entrata',

    async test(): Promise<TestResult> {
      try {
        if (propertyIds.length === 0) return { ok: false, message: 'No Entrata property id is set for this connection.' };
        const { result } = await call(
          'properties',
          'getProperties',
          { propertyIds: propertyIds.join(',') },
          propertiesResultSchema,
          'checking the connection',
          undefined,
          2,
        );
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

function listOfRaw(v: unknown): Record<string, unknown>[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]) as Record<string, unknown>[];
}

/** `response.error` → a message in Entrata's words, minus anything secret. */
function vendorError(error: { code?: number | string; message?: string }, reply: HttpReply, what: string, secrets: string[]): UpstreamError {
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
