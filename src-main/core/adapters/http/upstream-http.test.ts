import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createUpstreamHttp, urlForMessages } from './upstream-http';

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
