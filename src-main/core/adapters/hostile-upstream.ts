import { startFakeServer } from './http/fake-server';
import type { FakeRequest, FakeServer } from './http/fake-server';

/**
 * A real HTTP upstream (127.0.0.1, port 0) that answers with exactly the text a test scripts:
 * bodies the vendor fakes cannot produce because they serialise well-formed JSON themselves
 * (20-digit numeric ids, a byte-order mark, a hand-cut page). Test code only.
 */

export interface ScriptedReply {
  status?: number;
  text: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type ScriptedRoute = (req: FakeRequest) => ScriptedReply;

/** `routes` maps "METHOD /path" to the reply; any credentials are accepted. */
export async function startScriptedUpstream(routes: Record<string, ScriptedRoute>): Promise<FakeServer & { hits: string[] }> {
  const hits: string[] = [];
  const server = await startFakeServer({
    token: 'scripted',
    authorize: () => true,
    // The handler's body is already the wire text.
    encode: (body) => {
      const b = body as { text: string; contentType?: string } | undefined;
      return { contentType: b?.contentType ?? 'application/json; charset=utf-8', text: b?.text ?? '' };
    },
    routes: Object.entries(routes).map(([key, route]) => {
      const [method, pattern] = key.split(' ');
      return {
        method,
        pattern,
        handler: (req: FakeRequest) => {
          hits.push(`${req.method} ${req.path}?${req.query.toString()}`);
          const r = route(req);
          return { status: r.status ?? 200, body: { text: r.text, contentType: r.contentType }, headers: r.headers };
        },
      };
    }),
    shapers: { malformed: (b) => b, duplicateIds: (b) => b, emptyList: (b) => b },
  });
  return Object.assign(server, { hits });
}
