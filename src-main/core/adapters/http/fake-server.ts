import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';

/**
 * The plumbing every upstream fake shares (the demo's and each vendor adapter's): routing, auth,
 * bodies with a size limit, a request log, and injectable faults ("misbehave") so tests and the
 * demo UI can show what Rollcall does when a vendor has a bad day. Bodies are JSON by default;
 * a fake that speaks XML/SOAP passes its own `encode` and reads `rawBody`.
 */

/** A fault applied to the next matching request(s). Fields combine (e.g. delay then 500). */
export interface Misbehaviour {
  /** Answer with this status instead of doing the work (401, 429, 500, 503…). */
  status?: number;
  /** Sent as Retry-After with `status`. */
  retryAfterSeconds?: number;
  /** Do the work first, then answer with `status`: the change happens but the reply is lost. */
  afterApply?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Send only the first half of the body. */
  truncate?: boolean;
  /** Valid JSON in the wrong shape (records without ids, a list that is not a list). */
  malformed?: boolean;
  /** A list that names the same record twice. */
  duplicateIds?: boolean;
  /** A well-formed, empty list. */
  emptyList?: boolean;
  /** How many matching requests this applies to (default 1; Infinity until cleared). */
  times?: number;
  /** Only requests with this method. */
  method?: string;
  /** Only requests whose path starts with this. */
  path?: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the request was JSON, else undefined. */
  body: unknown;
  /** The request body as text, whatever its type. */
  rawBody: string;
  header(name: string): string | undefined;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface FakeRoute {
  method: string;
  /** "/v1/users/:id" style; ":name" segments become params. */
  pattern: string;
  handler: FakeHandler;
}

/** How each server bends its own list bodies when asked to misbehave. */
export interface BodyShapers {
  malformed(body: unknown): unknown;
  duplicateIds(body: unknown): unknown;
  emptyList(body: unknown): unknown;
}

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  /** True when the answer was a stored idempotent result rather than new work. */
  replayed: boolean;
}

export interface FakeServer {
  url: string;
  token: string;
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

/** The part of a fake server every fake hands its tests as is: the log, the fault switch, close. */
export type FakeControls = Pick<FakeServer, 'requestLog' | 'misbehave' | 'clearMisbehaviour' | 'close'>;

export function fakeControls(server: FakeServer): FakeControls {
  return { requestLog: server.requestLog, misbehave: server.misbehave, clearMisbehaviour: server.clearMisbehaviour, close: server.close };
}

export interface FakeServerOptions {
  /** The bearer token the default check expects. */
  token: string;
  /** Replaces the bearer check (Basic auth, API-key headers, credentials inside a SOAP body…). */
  authorize?(req: { headers: IncomingHttpHeaders; rawBody: string; path: string }): boolean;
  /** Turns a reply body into bytes on the wire (default: JSON). Faults bend the body before this. */
  encode?(body: unknown, status: number): { contentType: string; text: string };
  /**
   * Also pass the server's own refusals (401, 404, 413) and injected status faults through
   * `encode`, as `{ error: { code, message } }` bodies: a SOAP service answers those as SOAP Faults.
   */
  encodeErrors?: boolean;
  routes: FakeRoute[];
  shapers: BodyShapers;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
}

const LOG_CAP = 5000;

export function jsonError(status: number, code: string, message: string, headers?: Record<string, string>): FakeReply {
  return { status, body: { error: { code, message } }, headers };
}

/** Response header fakes set to mark a stored idempotent answer (also read by the request log). */
export const REPLAY_HEADER = 'Idempotent-Replayed';

export async function startFakeServer(opts: FakeServerOptions): Promise<FakeServer> {
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const faults: (Misbehaviour & { left: number })[] = [];
  const requestLog: RequestLogEntry[] = [];
  const compiled = opts.routes.map((r) => ({ ...r, parts: r.pattern.split('/').filter(Boolean) }));
  // Refusals stay JSON unless the fake asked for its own wire format on them too.
  const errorEncode = opts.encodeErrors ? opts.encode : undefined;

  const takeFault = (method: string, path: string): Misbehaviour | null => {
    const i = faults.findIndex((f) => (!f.method || f.method.toUpperCase() === method) && (!f.path || path.startsWith(f.path)));
    if (i < 0) return null;
    const f = faults[i];
    f.left -= 1;
    if (f.left <= 0) faults.splice(i, 1);
    return f;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const fault = takeFault(method, path);
    const key = headerValue(req.headers, 'idempotency-key') ?? null;
    const log = (status: number, replayed = false) => {
      requestLog.push({ at: new Date().toISOString(), method, path, idempotencyKey: key, status, replayed });
      if (requestLog.length > LOG_CAP) requestLog.splice(0, requestLog.length - LOG_CAP);
    };

    let body: unknown;
    let rawBody: string;
    try {
      rawBody = await readBody(req, maxBody);
      const isJson = /json/i.test(headerValue(req.headers, 'content-type') ?? '') || (!opts.encode && rawBody !== '');
      body = isJson && rawBody !== '' ? JSON.parse(rawBody) : undefined;
    } catch (err) {
      const reply = (err as Error).message === 'too_large'
        ? jsonError(413, 'body_too_large', `Request bodies are limited to ${maxBody} bytes.`)
        : jsonError(400, 'invalid_json', 'The request body is not valid JSON.');
      log(reply.status);
      return send(res, reply, false, errorEncode);
    }

    if (fault?.delayMs) await sleep(fault.delayMs);
    if (res.destroyed) return;

    const allowed = opts.authorize ? opts.authorize({ headers: req.headers, rawBody, path }) : authorised(req.headers, opts.token);
    if (!allowed) {
      log(401);
      return send(res, jsonError(401, 'unauthorized', 'Missing or invalid bearer token.'), false, errorEncode);
    }

    const faultReply = (): FakeReply => {
      const status = fault!.status!;
      const headers = fault!.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault!.retryAfterSeconds) } : undefined;
      const code = status === 401 ? 'unauthorized' : status === 429 ? 'rate_limited' : status >= 500 ? 'server_error' : 'error';
      return jsonError(status, code, `Injected fault: HTTP ${status}.`, headers);
    };
    if (fault?.status && !fault.afterApply) {
      const reply = faultReply();
      log(reply.status);
      return send(res, reply, false, errorEncode);
    }

    let reply: FakeReply;
    const route = match(compiled, method, path);
    if (!route) {
      reply = jsonError(404, 'not_found', `No route for ${method} ${path}.`);
    } else {
      try {
        reply = await route.route.handler({
          method,
          path,
          params: route.params,
          query: url.searchParams,
          headers: req.headers,
          body,
          rawBody,
          header: (name) => headerValue(req.headers, name),
        });
      } catch (err) {
        reply = jsonError(500, 'internal', `The fake server failed: ${(err as Error).message}`);
      }
    }
    const replayed = reply.headers?.[REPLAY_HEADER] === 'true';

    if (fault?.status && fault.afterApply) {
      log(fault.status, replayed);
      return send(res, faultReply(), false, errorEncode);
    }
    if (reply.status >= 200 && reply.status < 300 && reply.body !== undefined) {
      if (fault?.emptyList) reply = { ...reply, body: opts.shapers.emptyList(reply.body) };
      if (fault?.duplicateIds) reply = { ...reply, body: opts.shapers.duplicateIds(reply.body) };
      if (fault?.malformed) reply = { ...reply, body: opts.shapers.malformed(reply.body) };
    }
    log(reply.status, replayed);
    send(res, reply, fault?.truncate === true, opts.encode);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent && !res.destroyed) send(res, jsonError(500, 'internal', (err as Error).message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token: opts.token,
    requestLog,
    misbehave(m) {
      faults.push({ ...m, left: m.times ?? 1 });
    },
    clearMisbehaviour() {
      faults.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets from clients would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

type Encoder = NonNullable<FakeServerOptions['encode']>;
const encodeJson: Encoder = (body) => ({ contentType: 'application/json; charset=utf-8', text: JSON.stringify(body) });

function send(res: ServerResponse, reply: FakeReply, truncate = false, encode: Encoder = encodeJson): void {
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const { contentType, text } = encode(reply.body, reply.status);
  headers['Content-Type'] = contentType;
  if (truncate) {
    // No Content-Length: the response ends cleanly, the JSON inside it does not.
    res.writeHead(reply.status, headers);
    res.end(text.slice(0, Math.floor(text.length / 2)));
    return;
  }
  headers['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers);
  res.end(text);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function authorised(headers: IncomingHttpHeaders, token: string): boolean {
  const auth = headerValue(headers, 'authorization') ?? '';
  const m = /^Bearer (.+)$/i.exec(auth);
  if (!m) return false;
  const given = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Keep draining so the client sees our 413 rather than a reset connection.
    if (size > limit) tooLarge = true;
    else chunks.push(chunk as Buffer);
  }
  if (tooLarge) throw new Error('too_large');
  return Buffer.concat(chunks).toString('utf8');
}

function match(
  routes: (FakeRoute & { parts: string[] })[],
  method: string,
  path: string,
): { route: FakeRoute; params: Record<string, string> } | null {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.method !== method || route.parts.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      if (route.parts[i].startsWith(':')) params[route.parts[i].slice(1)] = decodeURIComponent(parts[i]);
      else ok = route.parts[i] === parts[i];
    }
    if (ok) return { route, params };
  }
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Shared list-bending helpers: both servers keep their records under one array key. */
export function listShapers(listKey: string, extra?: { empty?: (body: Record<string, unknown>) => Record<string, unknown> }): BodyShapers {
  const asObject = (body: unknown) => (body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null);
  return {
    malformed(body) {
      const o = asObject(body);
      if (!o) return body;
      const list = o[listKey];
      if (Array.isArray(list) && list.length > 0) {
        // The first record loses its id: valid JSON, unusable data.
        const [first, ...rest] = list as Record<string, unknown>[];
        const { id: _id, ...noId } = first;
        return { ...o, [listKey]: [noId, ...rest] };
      }
      if (Array.isArray(list)) return { ...o, [listKey]: { items: list } };
      if ('id' in o) {
        const { id: _id, ...noId } = o;
        return noId;
      }
      return { unexpected: true };
    },
    duplicateIds(body) {
      const o = asObject(body);
      const list = o?.[listKey];
      if (!o || !Array.isArray(list) || list.length === 0) return body;
      const copy = [...list];
      if (copy.length === 1) copy.push(copy[0]);
      else copy[copy.length - 1] = copy[0];
      return { ...o, [listKey]: copy };
    },
    emptyList(body) {
      const o = asObject(body);
      if (!o || !Array.isArray(o[listKey])) return body;
      const emptied = { ...o, [listKey]: [] };
      return extra?.empty ? extra.empty(emptied) : emptied;
    },
  };
}
