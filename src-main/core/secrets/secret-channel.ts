import { ApiError } from '../../contract/errors';
import { assertSecretRef } from './secret-store';
import type { SecretStore } from './secret-store';

/**
 * Secrets across a process boundary, for the desktop app.
 *
 * In Electron the core runs in a utilityProcess, where `safeStorage` (the OS keychain) does not
 * exist: only the main process can use it. So the core does not own its secrets there; it asks
 * the main process, over the same parent port that carries the RPC messages:
 *
 *   core (utilityProcess)                        Electron main process
 *   createChannelSecretStore ── secret.req ──►  serveSecretChannel(createSafeStorageSecretStore(…))
 *                            ◄── secret.res ──
 *
 * The messages use their own `t` values, which the RPC client and the core supervisor ignore
 * (they only act on 'req' / 'res' / 'evt'), so the two conversations share the port safely.
 * Wiring: core-process.ts builds the client when started with `--host electron`; the Electron
 * host serves it for each core process it forks (electron-host.ts). The browser host needs none
 * of this: its core process keeps secrets itself in an encrypted file (file-secret-store.ts).
 */

export type SecretRequest =
  | { t: 'secret.req'; id: number; op: 'get'; ref: string }
  | { t: 'secret.req'; id: number; op: 'set'; ref: string; value: string }
  | { t: 'secret.req'; id: number; op: 'delete'; ref: string };

export type SecretResponse =
  | { t: 'secret.res'; id: number; ok: true; value: string | null }
  | { t: 'secret.res'; id: number; ok: false; code: ApiError['code']; message: string };

export interface RawPort {
  send(message: unknown): void;
  onMessage(cb: (message: unknown) => void): unknown;
}

export interface ChannelSecretStoreOptions {
  /** How long to wait for the main process before giving up on one request. */
  timeoutMs?: number;
  /** What describe() says; the main process knows where secrets really go. */
  description?: string;
}

export const DESKTOP_SECRETS_DESCRIPTION =
  "Secrets are encrypted with the operating system's keychain (Electron safeStorage) by the desktop app and never leave this computer.";

/** The core's side: a SecretStore whose every operation is a request to the host. */
export function createChannelSecretStore(port: RawPort, opts: ChannelSecretStoreOptions = {}): SecretStore {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let nextId = 1;
  const pending = new Map<number, { resolve(v: string | null): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();

  port.onMessage((raw) => {
    const msg = raw as Partial<SecretResponse> | null;
    if (!msg || msg.t !== 'secret.res' || typeof msg.id !== 'number') return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve((msg as { value: string | null }).value ?? null);
    else {
      const failed = msg as { code: ApiError['code']; message: string };
      p.reject(new ApiError(failed.code ?? 'unavailable', failed.message ?? 'The secret store failed.'));
    }
  });

  const ask = (req: Omit<SecretRequest, 't' | 'id'>): Promise<string | null> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new ApiError('unavailable', 'The desktop app did not answer a request for a stored secret in time.'));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      port.send({ t: 'secret.req', id, ...req });
    });

  return {
    async get(ref) {
      assertSecretRef(ref);
      return ask({ op: 'get', ref });
    },
    async set(ref, value) {
      assertSecretRef(ref);
      await ask({ op: 'set', ref, value } as Omit<SecretRequest, 't' | 'id'>);
    },
    async delete(ref) {
      assertSecretRef(ref);
      await ask({ op: 'delete', ref });
    },
    describe: () => opts.description ?? DESKTOP_SECRETS_DESCRIPTION,
  };
}

/** The host's side: answers the core's secret requests from a real store, for as long as the port lives. */
export function serveSecretChannel(store: SecretStore, port: RawPort): void {
  port.onMessage(async (raw) => {
    const msg = raw as Partial<SecretRequest> | null;
    if (!msg || msg.t !== 'secret.req' || typeof msg.id !== 'number') return;
    const id = msg.id;
    try {
      let value: string | null = null;
      if (msg.op === 'get') value = await store.get(String(msg.ref));
      else if (msg.op === 'set') await store.set(String(msg.ref), String((msg as { value?: unknown }).value ?? ''));
      else if (msg.op === 'delete') await store.delete(String(msg.ref));
      else throw new ApiError('invalid_input', 'Unknown secret operation.');
      port.send({ t: 'secret.res', id, ok: true, value } satisfies SecretResponse);
    } catch (err) {
      // Only the message travels back: error objects could carry more than we mean to send.
      const code = err instanceof ApiError ? err.code : 'internal';
      const message = err instanceof Error ? err.message : 'The secret store failed.';
      port.send({ t: 'secret.res', id, ok: false, code, message } satisfies SecretResponse);
    }
  });
}
