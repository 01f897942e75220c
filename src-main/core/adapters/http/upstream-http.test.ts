import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createUpstreamHttp, decodeReply, urlForMessages } from './upstream-http';

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('upstream errors', () => {
  it('never show a password or a query-string key typed into the address', async () => {
    const port = await closedPort();
    const http = createUpstreamHttp({
      baseUrl: `http://pms-user:Hunter2-secret@127.0.0.1:${port}/api/v1?api_key=k-7f3a9`,
      auth: { kind: 'none' },
      systemName: 'the property system',
      retry: { attempts: 1 },
    });
    const err = await http.request({ method: 'GET', path: '/residents', retryable: false }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`Could not reach the property system at http://127\\.0\\.0\\.1:${port}/api/v1`));
    expect(message).not.toMatch(/Hunter2|pms-user|k-7f3a9|api_key/);
  });

  it('show an address that is not a URL as a phrase, not as typed', () => {
    expect(urlForMessages('not a url with p4ssword')).toBe('the configured address');
    expect(urlForMessages('https://a:b@host.example/x/?t=1#frag')).toBe('https://host.example/x');
  });
});

describe('reply text', () => {
  const latin1 = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
  const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

  it('keeps accents of a Latin-1 reply labelled as UTF-8 (or not labelled at all), instead of U+FFFD', () => {
    expect(decodeReply(latin1('{"first":"Zoë","last":"Müller"}'), 'application/json; charset=utf-8')).toBe('{"first":"Zoë","last":"Müller"}');
    expect(decodeReply(latin1('{"first":"Zoë"}'), 'application/json')).toBe('{"first":"Zoë"}');
  });

  it('reads UTF-8 as UTF-8, a declared Latin-1 as Latin-1, and an XML prolog\'s encoding when the header has none', () => {
    expect(decodeReply(utf8('{"first":"Zoë 🌈","last":"Nguyễn"}'), 'application/json')).toBe('{"first":"Zoë 🌈","last":"Nguyễn"}');
    expect(decodeReply(latin1('Zoë'), 'text/plain; charset=ISO-8859-1')).toBe('Zoë');
    expect(decodeReply(latin1('<?xml version="1.0" encoding="ISO-8859-1"?><r>Zoë</r>'), 'text/xml')).toBe('<?xml version="1.0" encoding="ISO-8859-1"?><r>Zoë</r>');
    expect(decodeReply(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"a":"é"}')]), 'application/json')).toBe('{"a":"é"}');
  });

  it('comes over the wire the same way', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(Buffer.from('{"name":"Zoë Müller"}', 'latin1'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const http = createUpstreamHttp({ baseUrl: `http://127.0.0.1:${port}`, auth: { kind: 'none' }, systemName: 'the property system' });
      const reply = await http.request({ method: 'GET', path: '/x', retryable: true });
      expect(JSON.parse(reply.text)).toEqual({ name: 'Zoë Müller' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
