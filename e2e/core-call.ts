import WebSocket from 'ws';

/**
 * One call to the core over the browser host's socket, as a second client would make it: for
 * setting the scene (records to import, a change made elsewhere), never for what a test asserts.
 */
export async function callCore<T>(hostUrl: string, name: string, args: unknown): Promise<T> {
  const url = new URL(hostUrl);
  const ws = new WebSocket(`ws://${url.host}/rpc?token=${encodeURIComponent(url.searchParams.get('token') ?? '')}`, {
    headers: { Origin: url.origin },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const reply = new Promise<{ ok: boolean; result?: T; error?: { message: string } }>((resolve) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { t: string; id?: number; ok: boolean; result?: T; error?: { message: string } };
        if (msg.t === 'res' && msg.id === 1) resolve(msg);
      });
    });
    ws.send(JSON.stringify({ t: 'req', id: 1, name, args }));
    const msg = await reply;
    if (!msg.ok) throw new Error(msg.error?.message ?? `${name} failed`);
    return msg.result as T;
  } finally {
    ws.close();
  }
}
