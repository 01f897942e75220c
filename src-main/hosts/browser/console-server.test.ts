import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startConsoleServer } from './console-server';
import { dispatch } from '../../contract/dispatch';
import type { Handlers } from '../../contract/rpc';
import { api } from '../../contract/api';

let dir: string;
let server: Awaited<ReturnType<typeof startConsoleServer>>;
const TOKEN = 'test-token-0123456789';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollcall-static-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Rollcall</title>');
  writeFileSync(join(tmpdir(), 'rollcall-secret.txt'), 'outside');
  const handlers = Object.fromEntries(Object.keys(api).map((k) => [k, () => ({ call: k })])) as unknown as Handlers;
  server = await startConsoleServer({
    staticDir: dir,
    token: TOKEN,
    call: (name, args) => dispatch(handlers, name, args, { role: 'frontDesk' }),
  });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(query: string, headers: Record<string, string> = {}) {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/rpc${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function call(ws: WebSocket, name: string, args: unknown) {
  return new Promise<Record<string, unknown>>((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data))));
    ws.send(JSON.stringify({ t: 'req', id: 1, name, args }));
  });
}

describe('browser host console server', () => {
  it('listens on 127.0.0.1 only and prints a URL that carries the token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=${TOKEN}$`));
  });

  it('serves the renderer with a strict CSP and refuses paths outside it', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(page.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/../rollcall-secret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/rollcall-secret.txt')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });

  it('refuses a request for another host name (DNS rebinding)', async () => {
    expect((await get('/', { Host: `evil.example:${server.port}` })).status).toBe(421);
  });

  it('refuses the API without the token, with a wrong token, or from another origin', async () => {
    await expect(connect('')).rejects.toThrow(/403/);
    await expect(connect('?token=wrong')).rejects.toThrow(/403/);
    await expect(connect(`?token=${TOKEN}`, { Origin: 'https://evil.example' })).rejects.toThrow(/403/);
  });

  it('carries calls with the token, and validation errors come back typed', async () => {
    const ws = await connect(`?token=${TOKEN}`, { Origin: `http://127.0.0.1:${server.port}` });
    expect(await call(ws, 'sites.list', {})).toMatchObject({ t: 'res', id: 1, ok: true, result: { call: 'sites.list' } });
    expect(await call(ws, 'people.list', { siteId: 42 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await call(ws, 'demo.remove', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    ws.close();
  });

  it('survives garbage on the socket', async () => {
    const ws = await connect(`?token=${TOKEN}`);
    ws.send('not json at all');
    ws.send(JSON.stringify({ t: 'res', id: 9 }));
    expect(await call(ws, 'sites.list', {})).toMatchObject({ ok: true });
    ws.close();
  });
});

describe('a console server whose core could not start', () => {
  it('tells each page why as soon as its socket opens, and answers calls with the reason', async () => {
    const reason = 'The Rollcall database /data/rollcall.db is damaged. Rollcall has left it exactly as it is.';
    const status = { state: 'failed', message: reason, restarts: 0 };
    const failed = await startConsoleServer({
      staticDir: dir,
      token: TOKEN,
      greeting: () => [{ name: 'core.status', payload: status }],
      call: async () => ({ ok: false, error: { code: 'unavailable', message: reason } }),
    });
    try {
      const messages: unknown[] = [];
      const ws = new WebSocket(`ws://127.0.0.1:${failed.port}/rpc?token=${TOKEN}`);
      ws.on('message', (data) => messages.push(JSON.parse(String(data))));
      await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
      ws.send(JSON.stringify({ t: 'req', id: 1, name: 'sites.list', args: {} }));
      const end = Date.now() + 5000;
      while (messages.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(messages).toEqual([
        { t: 'evt', name: 'core.status', payload: status },
        { t: 'res', id: 1, ok: false, error: { code: 'unavailable', message: reason } },
      ]);
      ws.close();
    } finally {
      await failed.close();
    }
  });
});
