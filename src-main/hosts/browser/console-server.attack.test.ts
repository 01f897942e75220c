import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startConsoleServer } from './console-server';
import { dispatch } from '../../contract/dispatch';
import type { Handlers } from '../../contract/rpc';
import { api } from '../../contract/api';

/*
 * Hostile use of the browser host: what a web page in the same browser, a local user without
 * the token, or a buggy/hostile client holding the token can try. The host must refuse or
 * answer with a typed error, and must keep running for the real console.
 */

let dir: string;
let server: Awaited<ReturnType<typeof startConsoleServer>>;
const TOKEN = 'attack-token-abcdefghijklmnop';
const seen: Array<{ name: string; args: unknown }> = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollcall-static-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Rollcall</title>');
  seen.length = 0;
  const handlers = Object.fromEntries(Object.keys(api).map((k) => [k, (input: unknown) => ({ call: k, input })])) as unknown as Handlers;
  server = await startConsoleServer({
    staticDir: dir,
    token: TOKEN,
    maxMessageBytes: 64 * 1024,
    call: (name, args) => {
      seen.push({ name, args });
      return dispatch(handlers, name, args, { role: 'frontDesk' });
    },
  });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function http(method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw HTTP exchange, for requests node:http will not make (no Host header at all). */
function raw(text: string) {
  return new Promise<string>((resolve, reject) => {
    const sock = tcpConnect(server.port, '127.0.0.1', () => sock.write(text));
    let out = '';
    sock.on('data', (c) => (out += c));
    sock.on('end', () => resolve(out));
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
  });
}

function open(query: string, headers: Record<string, string> = {}) {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/rpc${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

const good = () => open(`?token=${TOKEN}`, { Origin: `http://127.0.0.1:${server.port}` });

function callOn(ws: WebSocket, id: number, name: unknown, args: unknown) {
  return new Promise<Record<string, unknown>>((resolve) => {
    const onMsg = (data: unknown) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      if (msg.id !== id) return;
      ws.off('message', onMsg);
      resolve(msg);
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ t: 'req', id, name, args }));
  });
}

function closed(ws: WebSocket) {
  return new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('browser host under attack: who may connect', () => {
  it('refuses a token that is only a prefix, an extension or a different case of the real one', async () => {
    for (const t of [TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), encodeURIComponent(` ${TOKEN}`), '']) {
      await expect(open(`?token=${t}`)).rejects.toThrow(/403/);
    }
  });

  it('refuses the socket to a rebound host name even with the right token', async () => {
    await expect(open(`?token=${TOKEN}`, { Host: `attacker.example:${server.port}` })).rejects.toThrow(/403/);
    await expect(open(`?token=${TOKEN}`, { Host: `127.0.0.1:${server.port + 1}` })).rejects.toThrow(/403/);
  });

  it('refuses the socket to an opaque ("null") origin, another port on localhost and https look-alikes', async () => {
    for (const origin of ['null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`, `http://127.0.0.1:${server.port}.evil.example`]) {
      await expect(open(`?token=${TOKEN}`, { Origin: origin })).rejects.toThrow(/403/);
    }
  });

  it('refuses the socket on any other path', async () => {
    await expect(
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/rpc/x?token=${TOKEN}`);
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        ws.once('error', reject);
      }),
    ).rejects.toThrow(/403/);
  });

  it('refuses an HTTP request with no Host header at all', async () => {
    const reply = await raw('GET / HTTP/1.0\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.\d 421/);
  });

  it('answers cross-site preflights and writes with 405 and no CORS headers', async () => {
    for (const method of ['OPTIONS', 'POST', 'PUT', 'DELETE']) {
      const res = await http(method, '/', { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' });
      expect(res.status).toBe(405);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    const page = await http('GET', '/', { Origin: 'https://evil.example' });
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('never puts the token in a response', async () => {
    for (const path of ['/', `/?token=${TOKEN}`, '/missing.js', `/rpc?token=${TOKEN}`]) {
      const res = await http('GET', path);
      expect(res.body).not.toContain(TOKEN);
      expect(JSON.stringify(res.headers)).not.toContain(TOKEN);
    }
  });
});

describe('browser host under attack: what a connected client sends', () => {
  it('answers unknown and prototype-named calls with a typed error, never reaching a handler', async () => {
    const ws = await good();
    let id = 1;
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'people.list.extra', 42, null, { a: 1 }]) {
      const res = await callOn(ws, id++, name, {});
      expect(res).toMatchObject({ t: 'res', ok: false, error: { code: 'unknown_call' } });
    }
    ws.close();
  });

  it('refuses prototype-pollution keys in call input and leaves Object.prototype alone', async () => {
    const ws = await good();
    // Sent as text so "__proto__" is an own key of the decoded object, as an attacker would send it.
    const send = (id: number, body: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        ws.once('message', (d) => resolve(JSON.parse(String(d))));
        ws.send(`{"t":"req","id":${id},"name":"people.list","args":${body}}`);
      });
    expect(await send(1, '{"siteId":"s1","__proto__":{"polluted":true}}')).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await send(2, '{"siteId":"s1","constructor":{"prototype":{"polluted":true}}}')).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    ws.close();
  });

  it('ignores frames that are not requests, and keeps serving', async () => {
    const ws = await good();
    for (const frame of ['', 'null', '[]', '"req"', '{"t":"req"}', '{"t":"req","id":"1","name":"sites.list"}', '{"t":"evt","name":"core.ready"}', '{'.repeat(5000)]) {
      ws.send(frame);
    }
    expect(await callOn(ws, 7, 'sites.list', {})).toMatchObject({ id: 7, ok: true });
    expect(seen.map((s) => s.name)).toEqual(['sites.list']);
    ws.close();
  });

  it('closes a socket that sends a message over the limit, and the host keeps serving', async () => {
    const ws = await good();
    const code = closed(ws);
    ws.send(JSON.stringify({ t: 'req', id: 1, name: 'sites.list', args: { pad: 'x'.repeat(70 * 1024) } }));
    expect(await code).toBe(1009);
    expect(seen).toEqual([]);
    const again = await good();
    expect(await callOn(again, 2, 'sites.list', {})).toMatchObject({ ok: true });
    again.close();
  });

  it('closes a socket that sends a text frame that is not UTF-8, and the host keeps serving', async () => {
    const ws = await good();
    const code = closed(ws);
    // ws does not check what a client sends; a hostile or broken client can put any bytes in a text frame.
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await code).toBe(1007);
    const again = await good();
    expect(await callOn(again, 3, 'sites.list', {})).toMatchObject({ ok: true });
    again.close();
  });
});
