import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { WS_PATH } from '../../contract/bridge';
import { contentSecurityPolicy } from '../content-security-policy';
import type { RpcMessage } from '../../contract/rpc';
import type { RpcResult } from '../../contract/bridge';
import type { EventName } from '../../contract/events';

export interface ConsoleServerOptions {
  staticDir: string;
  token: string;
  port?: number;
  /** Largest message a client may send; defaults to MAX_MESSAGE_BYTES (tests lower it). */
  maxMessageBytes?: number;
  /** Runs one call in the core; never throws. */
  call(name: string, args: unknown): Promise<RpcResult>;
  /**
   * Events each page hears as soon as its socket opens. The host passes the core's status when the
   * core is not running: a page opened after a failed start would otherwise never learn why.
   */
  greeting?(): Array<{ name: EventName; payload: unknown }>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Largest message a page may send. Calls are small except a CSV import, which carries its file
 * (up to 20 MB, so about 27 MB as base64); anything bigger is hostile or a bug.
 */
export const MAX_MESSAGE_BYTES = 28 * 1024 * 1024;

export function browserContentSecurityPolicy(port: number): string {
  return contentSecurityPolicy({ connectSrc: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Serves the renderer and the API to a browser on 127.0.0.1 only. The API needs the per-launch
 * token; the Host and Origin checks stop other web pages (DNS rebinding, cross-site sockets).
 */
export async function startConsoleServer(opts: ConsoleServerOptions) {
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const server = createServer(async (req, res) => {
    if (!allowedHosts().has(req.headers.host ?? '')) return send(res, 421, 'text/plain', 'Wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'Method not allowed');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'text/plain', 'Bad path');
    }
    if (path === '/' || path === '') path = '/index.html';
    const file = normalize(join(opts.staticDir, path));
    if (!file.startsWith(normalize(opts.staticDir) + sep)) return send(res, 404, 'text/plain', 'Not found');
    try {
      const body = await readFile(file);
      send(res, 200, MIME[extname(file)] ?? 'application/octet-stream', body, path === '/index.html');
    } catch {
      send(res, 404, 'text/plain', 'Not found');
    }
  });

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer, noCache = false) {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Security-Policy': browserContentSecurityPolicy(port),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': noCache ? 'no-store' : 'no-cache',
    });
    res.end(body);
  }

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes ?? MAX_MESSAGE_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    // Node drops its own error listener from an upgraded socket; a client that resets while we
    // refuse it must not take the host down with an unhandled 'error'.
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    const originOk = !origin || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    if (
      url.pathname !== WS_PATH ||
      !allowedHosts().has(req.headers.host ?? '') ||
      !originOk ||
      !tokenMatches(url.searchParams.get('token'), opts.token)
    ) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // A frame over the size limit, text that is not UTF-8 or a broken frame makes ws close the
      // socket and emit 'error'. With no listener that error would be thrown and end the host,
      // so any client holding the token could stop the console for everyone.
      ws.on('error', () => {});
      for (const e of opts.greeting?.() ?? []) ws.send(JSON.stringify({ t: 'evt', name: e.name, payload: e.payload }));
      ws.on('message', async (data) => {
        let msg: RpcMessage;
        try {
          msg = JSON.parse(String(data)) as RpcMessage;
        } catch {
          return; // Not our protocol: ignore rather than crash the host.
        }
        if (!msg || msg.t !== 'req' || typeof msg.id !== 'number') return;
        let out: RpcResult;
        try {
          out = await opts.call(msg.name, msg.args);
        } catch (err) {
          // call() promises not to throw; if one ever does, answer instead of an unhandled rejection.
          out = { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
        }
        if (ws.readyState !== ws.OPEN) return;
        ws.send(JSON.stringify(out.ok ? { t: 'res', id: msg.id, ok: true, result: out.result } : { t: 'res', id: msg.id, ok: false, error: out.error }));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;

  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${opts.token}`,
    broadcast(name: EventName, payload: unknown) {
      const text = JSON.stringify({ t: 'evt', name, payload });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
