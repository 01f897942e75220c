import { UpstreamError } from '../types';
import type { ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, statusError } from '../http/upstream-http';
import { parseWireJson } from '../wire-text';
import type { RetryPolicy } from '../http/upstream-http';
import { capital, followLink, splitBase } from './next-link';
import type { NextRequest } from './next-link';
import { MRI_RESIDENTS_API, MriRow, mriResidentToRecord, readMriPage } from './mri-wire';

/**
 * Reads residents from MRI (see mri-wire.ts). Pages are followed through `nextLink` until there
 * is none; a link is only followed on the configured origin (credentials go nowhere else), never
 * twice, and every page is validated before its records are handed on. MRI reports no total,
 * so completeness rests on following the links to the end and refusing anything odd on the way.
 */

export interface MriCredentials {
  clientId: string;
  databaseName: string;
  userName: string;
  partnerKey: string;
  password: string;
}

export interface MriSourceOptions {
  /** e.g. https://acme.saas.mrisoftware.com (a trailing /mriapiservices is fine). */
  url: string;
  /** RMPROPID values to read. */
  propertyIds: string[];
  credentials: MriCredentials;
  /** Asks for this many residents per page ($top); the server may send fewer. */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
}

const SYSTEM = 'MRI';
const MAX_PAGES = 10_000;
/** Where MRI set-ups that take the partner key outside the user name expect it. */
export const MRI_PARTNER_KEY_HEADER = 'X-MRI-PartnerKey';

/** MRI's API user is one string: client id / database / user / partner key. */
export function mriUserName(c: Pick<MriCredentials, 'clientId' | 'databaseName' | 'userName' | 'partnerKey'>): string {
  return [c.clientId, c.databaseName, c.userName, c.partnerKey].map((s) => s.trim()).join('/');
}

/** The other published form: client id / database / user, with the partner key in a header. */
export function mriShortUserName(c: Pick<MriCredentials, 'clientId' | 'databaseName' | 'userName'>): string {
  return [c.clientId, c.databaseName, c.userName].map((s) => s.trim()).join('/');
}

export function createMriSource(opts: MriSourceOptions): SourceConnector {
  const { origin, prefix: rawPrefix } = splitBase(opts.url);
  // People paste the address with or without the API folder; the calls add it themselves.
  const prefix = rawPrefix.replace(/\/mriapiservices(\/api\.asp)?$/i, '');
  // MRI documents two ways to present the partner key: inside the Basic user name (four parts)
  // or beside it in a header (three parts). The four-part form goes first; a 401 to it is asked
  // once more in the other form, and whichever works is kept for this connection.
  const composite = createUpstreamHttp({
    baseUrl: origin,
    auth: { kind: 'basic', username: mriUserName(opts.credentials), password: opts.credentials.password },
    systemName: SYSTEM,
    retry: opts.retry,
  });
  const split = createUpstreamHttp({
    baseUrl: origin,
    auth: { kind: 'basic', username: mriShortUserName(opts.credentials), password: opts.credentials.password },
    systemName: SYSTEM,
    retry: opts.retry,
  });
  let authForm: 'composite' | 'split' | null = null;
  const partnerHeader = { [MRI_PARTNER_KEY_HEADER]: opts.credentials.partnerKey.trim() };
  const propertyIds = [...new Set(opts.propertyIds.map((p) => p.trim()).filter(Boolean))];
  const secrets = [opts.credentials.password, opts.credentials.partnerKey];

  const firstRequest = (propertyId: string, top?: number): NextRequest => ({
    path: `${prefix}/mriapiservices/api.asp`,
    query: { $api: MRI_RESIDENTS_API, RMPROPID: propertyId, $format: 'json', ...(top ? { $top: String(top) } : {}) },
  });

  async function send(req: NextRequest, signal?: AbortSignal, maxAttempts?: number) {
    const call = { method: 'GET' as const, path: req.path, query: req.query, retryable: true, maxAttempts, signal };
    if (authForm === 'split') return split.request({ ...call, headers: partnerHeader });
    const reply = await composite.request(call);
    if (reply.status !== 401 || authForm === 'composite') {
      if (reply.status < 400) authForm = 'composite';
      return reply;
    }
    const other = await split.request({ ...call, headers: partnerHeader });
    if (other.status === 401) return reply;
    if (other.status < 400) authForm = 'split';
    return other;
  }

  async function getPage(req: NextRequest, what: string, signal?: AbortSignal, maxAttempts?: number) {
    const reply = await send(req, signal, maxAttempts);
    const parsed = parseWireJson(reply.text);
    const vendor = parsed.ok ? vendorMessage(parsed.value, secrets) : null;
    if (reply.status === 204) return { rows: [], nextLink: null };
    if (reply.status !== 200) {
      const err = statusError(SYSTEM, what, reply);
      // MRI's own words say which property or parameter it did not like; credentials are masked.
      if (vendor && reply.status !== 401 && reply.status !== 403) throw new UpstreamError(`${err.message.replace(/\.$/, '')}: "${vendor}".`, err.status, err.retryable);
      throw err;
    }
    // An empty 200 body is not "nobody lives here": it is what a dropped or cut-off answer looks
    // like, and reading it as an empty property would disable everyone in it. (204 says "no
    // content" on purpose and is read as empty above.)
    if (!parsed.ok) throw malformed(what, reply.text.trim() === '' ? 'the answer is empty' : 'the answer is not complete JSON (it may have been cut off)');
    const page = readMriPage(parsed.value);
    if (!page.ok) {
      if (vendor) throw new UpstreamError(`MRI refused the request while ${what}: "${vendor}".`, reply.status);
      throw malformed(what, page.why);
    }
    return page;
  }

  async function* readProperty(propertyId: string, seen: Set<string>, signal?: AbortSignal): AsyncGenerator<SourceRecord[]> {
    let req: NextRequest | null = firstRequest(propertyId, opts.pageSize);
    const links = new Set<string>();
    for (let n = 1; req && n <= MAX_PAGES; n++) {
      const what = `reading page ${n} of the residents of property ${propertyId}`;
      const page = await getPage(req, what, signal);
      const records: SourceRecord[] = [];
      for (const raw of page.rows) {
        const row = new MriRow(raw);
        const id = row.personId()!;
        if (seen.has(id)) throw malformed(what, `resident ${id} appears more than once`);
        seen.add(id);
        records.push(mriResidentToRecord(row, propertyId));
      }
      yield records;
      const link = page.nextLink;
      if (!link) return;
      const current = `${origin}${req.path}?${new URLSearchParams(req.query).toString()}`;
      const next = followLink(link, origin, current, SYSTEM);
      const key = `${next.path}?${new URLSearchParams(next.query).toString()}`;
      if (links.has(key)) throw malformed(what, 'its next-page link points back to a page already read');
      links.add(key);
      req = next;
    }
    if (req) throw malformed(`reading the residents of property ${propertyId}`, `it kept sending next-page links after ${MAX_PAGES} pages`);
  }

  return {
    kind: 'mri',

    async test(): Promise<TestResult> {
      if (propertyIds.length === 0) return { ok: false, message: 'No MRI property id (RMPROPID) is set for this connection.' };
      try {
        for (const p of propertyIds) await getPage(firstRequest(p, 1), `checking property ${p}`, undefined, 2);
        return { ok: true, message: `Connected to MRI as ${opts.credentials.userName.trim()} (database ${opts.credentials.databaseName.trim()}): property ${propertyIds.join(', ')} answers.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      if (propertyIds.length === 0) throw new UpstreamError('No MRI property id (RMPROPID) is set for this connection; nothing can be read.');
      const seen = new Set<string>();
      for (const p of propertyIds) yield* readProperty(p, seen, listOpts?.signal);
    },
  };
}

/**
 * MRI's error bodies vary: OData's { "odata.error": { code, message: { lang, value } } },
 * { error: { message } } (message possibly { value }), { Message }, { message }. Take its words,
 * minus secrets.
 */
function vendorMessage(body: unknown, secrets: string[]): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const e = (b['odata.error'] ?? b.error ?? b.Error) as Record<string, unknown> | string | undefined;
  let raw: unknown = typeof e === 'string' ? e : (e?.message ?? e?.Message ?? b.Message ?? b.message);
  if (raw && typeof raw === 'object') raw = (raw as { value?: unknown }).value;
  if (typeof raw !== 'string' || !raw.trim()) return null;
  let msg = raw.replace(/\s+/g, ' ').trim().slice(0, 200);
  for (const s of secrets) if (s && s.length >= 3) msg = msg.split(s).join('***');
  return msg;
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`${capital(SYSTEM)} sent an unusable answer while ${what}: ${why}.`, null, true);
}
