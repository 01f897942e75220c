import { UpstreamError } from '../types';
import type { ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp, parseJson, statusError } from '../http/upstream-http';
import type { RetryPolicy } from '../http/upstream-http';
import { capital, followLink, splitBase } from './next-link';
import type { NextRequest } from './next-link';
import { MRI_RESIDENTS_API, mriPageSchema, mriPersonId, mriResidentToRecord, nextLinkOf } from './mri-wire';

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

/** MRI's API user is one string: client id / database / user / partner key. */
export function mriUserName(c: Pick<MriCredentials, 'clientId' | 'databaseName' | 'userName' | 'partnerKey'>): string {
  return [c.clientId, c.databaseName, c.userName, c.partnerKey].map((s) => s.trim()).join('/');
}

export function createMriSource(opts: MriSourceOptions): SourceConnector {
  const { origin, prefix: rawPrefix } = splitBase(opts.url);
  // People paste the address with or without the API folder; the calls add it themselves.
  const prefix = rawPrefix.replace(/\/mriapiservices(\/api\.asp)?$/i, '');
  const http = createUpstreamHttp({
    baseUrl: origin,
    auth: { kind: 'basic', username: mriUserName(opts.credentials), password: opts.credentials.password },
    systemName: SYSTEM,
    retry: opts.retry,
  });
  const propertyIds = [...new Set(opts.propertyIds.map((p) => p.trim()).filter(Boolean))];
  const secrets = [opts.credentials.password, opts.credentials.partnerKey];

  const firstRequest = (propertyId: string, top?: number): NextRequest => ({
    path: `${prefix}/mriapiservices/api.asp`,
    query: { $api: MRI_RESIDENTS_API, RMPROPID: propertyId, $format: 'json', ...(top ? { $top: String(top) } : {}) },
  });

  async function getPage(req: NextRequest, what: string, signal?: AbortSignal, maxAttempts?: number) {
    const reply = await http.request({ method: 'GET', path: req.path, query: req.query, retryable: true, maxAttempts, signal });
    if (reply.status !== 200) throw statusError(SYSTEM, what, reply);
    const parsed = parseJson(reply.text);
    if (!parsed.ok) throw malformed(what, 'the answer is not complete JSON (it may have been cut off)');
    const vendor = vendorMessage(parsed.value, secrets);
    const page = mriPageSchema.safeParse(parsed.value);
    if (!page.success) {
      if (vendor) throw new UpstreamError(`MRI refused the request while ${what}: "${vendor}".`, reply.status);
      const issue = page.error.issues[0];
      throw malformed(what, `${issue.path.length ? issue.path.join('.') : 'the answer'}: ${issue.message}`);
    }
    const raw = (parsed.value as { value: Record<string, unknown>[] }).value;
    return { page: page.data, raw };
  }

  async function* readProperty(propertyId: string, seen: Set<string>, signal?: AbortSignal): AsyncGenerator<SourceRecord[]> {
    let req: NextRequest | null = firstRequest(propertyId, opts.pageSize);
    const links = new Set<string>();
    for (let n = 1; req && n <= MAX_PAGES; n++) {
      const what = `reading page ${n} of the residents of property ${propertyId}`;
      const { page, raw } = await getPage(req, what, signal);
      const records: SourceRecord[] = [];
      page.value.forEach((r, i) => {
        const id = mriPersonId(r);
        if (seen.has(id)) throw malformed(what, `resident ${id} appears more than once`);
        seen.add(id);
        records.push(mriResidentToRecord(raw[i], r, propertyId));
      });
      yield records;
      const link = nextLinkOf(page);
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

/** MRI's error bodies vary ({ error: { message } }, { Message }, { message }); take its words, minus secrets. */
function vendorMessage(body: unknown, secrets: string[]): string | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const e = b.error as Record<string, unknown> | string | undefined;
  const raw = typeof e === 'string' ? e : (e?.message ?? e?.Message ?? b.Message ?? b.message);
  if (typeof raw !== 'string' || !raw.trim()) return null;
  let msg = raw.replace(/\s+/g, ' ').trim().slice(0, 200);
  for (const s of secrets) if (s && s.length >= 3) msg = msg.split(s).join('***');
  return msg;
}

function malformed(what: string, why: string): UpstreamError {
  return new UpstreamError(`${capital(SYSTEM)} sent an unusable answer while ${what}: ${why}.`, null, true);
}
