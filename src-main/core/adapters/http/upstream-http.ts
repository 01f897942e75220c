import got, { RequestError } from 'got';
import { UpstreamError } from '../types';

/**
 * The HTTP client every adapter uses: got for the request, our own loop for retries so the
 * rules are visible in one place — exponential backoff, Retry-After honoured (capped), retries
 * only for calls that are safe to repeat, and error messages that never carry a credential.
 */

/** How a vendor wants to be authenticated. Credentials never appear in messages or logs. */
export type UpstreamAuth =
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'header'; name: string; value: string }
  /** Credentials travel in the body (SOAP vendors); nothing in the headers. */
  | { kind: 'none' };

export interface RetryPolicy {
  /** Tries in total, the first one included. */
  attempts: number;
  /** First backoff step; doubled on each further try. */
  baseDelayMs: number;
  /** No wait is longer than this, whatever Retry-After asks for. */
  maxDelayMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 15_000 };

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | null | undefined>;
  json?: unknown;
  /** A non-JSON body (XML/SOAP), sent as is. */
  body?: { contentType: string; text: string };
  headers?: Record<string, string>;
  /** Safe to send again (reads, and writes that carry an idempotency key). */
  retryable: boolean;
  /** Fewer tries than the policy allows (a connection test wants a quick answer). */
  maxAttempts?: number;
  /**
   * Consulted before retrying an answer whose status allows a retry; false ends the loop with
   * that answer. SOAP services answer 500 for every fault, including ones that blame the caller
   * (bad credentials), which must not be sent again.
   */
  retryIf?(reply: Omit<HttpReply, 'attempts'>): boolean;
  signal?: AbortSignal;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** How many tries it took. */
  attempts: number;
}

export interface UpstreamHttp {
  readonly baseUrl: string;
  request(call: HttpCall): Promise<HttpReply>;
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'it did not answer in time',
  ENOTFOUND: 'the host name was not found',
  EHOSTUNREACH: 'the host is unreachable',
  EPIPE: 'the connection closed early',
  ERR_STREAM_PREMATURE_CLOSE: 'the connection closed before the answer was complete',
};

/**
 * @param systemName how messages name the system ("the property system", "Demo Access").
 */
const XML_ENCODING = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

function decoderFor(label: string, fatal: boolean): TextDecoder | null {
  try {
    return new TextDecoder(label, { fatal });
  } catch {
    return null; // a label TextDecoder does not know
  }
}

/**
 * A reply's text. The charset comes from the Content-Type, else from an XML prolog's encoding, else
 * UTF-8. Bytes that are not valid in the charset they claim are read as Windows-1252 (which
 * Latin-1 replies are, in practice) rather than with U+FFFD in place of every accent: "Zoë" would
 * otherwise reach the access systems as "Zo\uFFFD".
 */
export function decodeReply(body: Uint8Array, contentType: string | undefined): string {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return decoderFor('utf-8', false)!.decode(body.subarray(3));
  const declared =
    /charset\s*=\s*"?([A-Za-z0-9._-]+)/i.exec(contentType ?? '')?.[1] ?? XML_ENCODING.exec(Buffer.from(body.buffer, body.byteOffset, Math.min(200, body.length)).toString('latin1'))?.[1] ?? 'utf-8';
  const strict = decoderFor(declared, true);
  if (strict) {
    try {
      return strict.decode(body);
    } catch {
      /* not valid in the declared charset: see below */
    }
  }
  return decoderFor('windows-1252', false)!.decode(body);
}

/**
 * The base URL as an error message may show it: these messages land in the activity log and in
 * delivery reasons, so a user name and password typed into the URL, or a key in its query
 * string, are left out.
 */
export function urlForMessages(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return 'the configured address';
  }
}

export function createUpstreamHttp(opts: {
  baseUrl: string;
  /** Shorthand for bearer auth. */
  token?: string;
  auth?: UpstreamAuth;
  systemName: string;
  retry?: Partial<RetryPolicy>;
  /** Default Accept header (JSON unless said otherwise). */
  accept?: string;
}): UpstreamHttp {
  const auth: UpstreamAuth = opts.auth ?? (opts.token !== undefined ? { kind: 'bearer', token: opts.token } : { kind: 'none' });
  const authHeaders: Record<string, string> =
    auth.kind === 'bearer'
      ? { authorization: `Bearer ${auth.token}` }
      : auth.kind === 'basic'
        ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
        : auth.kind === 'header'
          ? { [auth.name.toLowerCase()]: auth.value }
          : {};
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const shownUrl = urlForMessages(baseUrl);

  async function once(call: HttpCall): Promise<Omit<HttpReply, 'attempts'>> {
    const url = new URL(baseUrl + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== null && v !== undefined) url.searchParams.set(k, String(v));
    const res = await got(url, {
      method: call.method,
      headers: {
        accept: opts.accept ?? 'application/json',
        ...authHeaders,
        ...(call.body ? { 'content-type': call.body.contentType } : {}),
        ...call.headers,
      },
      json: call.json,
      body: call.body?.text,
      // Bytes, decoded here: got reads every reply as UTF-8, and a Latin-1 reply then loses its accents silently.
      responseType: 'buffer',
      throwHttpErrors: false,
      followRedirect: false,
      retry: { limit: 0 },
      timeout: { request: policy.timeoutMs },
      signal: call.signal,
    });
    return { status: res.statusCode, headers: res.headers, text: decodeReply(res.body, res.headers['content-type']) };
  }

  return {
    baseUrl,
    async request(call) {
      const tries = call.retryable ? Math.max(1, Math.min(policy.attempts, call.maxAttempts ?? Infinity)) : 1;
      for (let attempt = 1; ; attempt++) {
        let reply: Omit<HttpReply, 'attempts'>;
        try {
          reply = await once(call);
        } catch (err) {
          if (call.signal?.aborted) throw new UpstreamError(`The request to ${opts.systemName} was cancelled.`);
          const reason = describeNetworkError(err);
          if (attempt >= tries) {
            const after = attempt > 1 ? ` (after ${attempt} tries)` : '';
            throw new UpstreamError(`Could not reach ${opts.systemName} at ${shownUrl}: ${reason}${after}.`, null, true);
          }
          await sleep(backoff(policy, attempt), call.signal);
          continue;
        }
        if (!RETRY_STATUSES.has(reply.status) || attempt >= tries || (call.retryIf && !call.retryIf(reply))) return { ...reply, attempts: attempt };
        const asked = retryAfterMs(reply.headers['retry-after']);
        await sleep(asked !== null ? Math.min(asked, policy.maxDelayMs) : backoff(policy, attempt), call.signal);
      }
    },
  };
}

function backoff(policy: RetryPolicy, attempt: number): number {
  const step = policy.baseDelayMs * 2 ** (attempt - 1);
  // A little jitter so many clients do not come back at the same instant.
  return Math.min(policy.maxDelayMs, step + Math.random() * policy.baseDelayMs * 0.25);
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function retryAfterMs(value: string | string[] | undefined): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function describeNetworkError(err: unknown): string {
  const code = err instanceof RequestError ? err.code : (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && NETWORK_WORDS[code]) return NETWORK_WORDS[code];
  return code ? `network error ${code}` : 'network error';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new UpstreamError('The request was cancelled.'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UpstreamError('The request was cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses a JSON body; null when it is not JSON (cut off, HTML error page…). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The vendor's own error code from `{ error: { code } }`, when it sent one. */
export function vendorErrorCode(text: string): string | null {
  const parsed = parseJson(text);
  if (!parsed.ok || !parsed.value || typeof parsed.value !== 'object') return null;
  const code = (parsed.value as { error?: { code?: unknown } }).error?.code;
  return typeof code === 'string' && /^[a-z0-9_.-]{1,64}$/i.test(code) ? code : null;
}

/** Shared wording for answers that are not the caller's business to interpret further. */
export function statusError(systemName: string, what: string, reply: HttpReply): UpstreamError {
  const tries = reply.attempts > 1 ? ` after ${reply.attempts} tries` : '';
  const code = vendorErrorCode(reply.text);
  const detail = code ? `, ${code}` : '';
  if (reply.status === 401 || reply.status === 403) {
    return new UpstreamError(`${capital(systemName)} rejected the API token (${reply.status}). Check the credentials in the connection settings.`, reply.status);
  }
  if (reply.status === 429) {
    return new UpstreamError(`${capital(systemName)} is still limiting requests (429)${tries} while ${what}.`, 429, true);
  }
  if (reply.status >= 500) {
    return new UpstreamError(`${capital(systemName)} failed (${reply.status}${detail})${tries} while ${what}.`, reply.status, true);
  }
  return new UpstreamError(`${capital(systemName)} answered ${reply.status}${detail} while ${what}.`, reply.status);
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
