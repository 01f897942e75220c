import type { SecretStore } from './secret-store';

/**
 * The secrets of each connection, held in the core's memory once read.
 *
 * Adapters are built synchronously (the sync engine asks `connectorFor(conn)` and expects an
 * answer), while every SecretStore is asynchronous (the desktop one asks another process). So
 * secrets are read from the store when the core starts and whenever they change, and the
 * adapters are built from this copy. One store entry per connection holds all of its secret
 * fields as JSON, so a connection's secrets are written and forgotten together.
 */
export class ConnectionSecrets {
  private readonly values = new Map<string, Record<string, string>>();
  private readonly failures = new Map<string, string>();

  constructor(readonly store: SecretStore) {}

  /** The store reference of a connection (source or access system): ids are our own UUIDs. */
  static refFor(connectionId: string): string {
    return `connection:${connectionId}`;
  }

  /** Reads these refs from the store. A ref that cannot be read is remembered as a failure, never thrown. */
  async preload(refs: Iterable<string>): Promise<void> {
    for (const ref of refs) {
      try {
        const text = await this.store.get(ref);
        this.failures.delete(ref);
        if (text === null) this.values.delete(ref);
        else this.values.set(ref, parseSecrets(text));
      } catch (err) {
        this.values.delete(ref);
        this.failures.set(ref, err instanceof Error ? err.message : String(err));
      }
    }
  }

  /** The secrets under `ref` as last read; empty when there are none. */
  peek(ref: string | null): Record<string, string> {
    if (!ref) return {};
    return { ...(this.values.get(ref) ?? {}) };
  }

  /** Why the secrets under `ref` could not be read, if they could not. */
  failure(ref: string | null): string | null {
    return ref ? (this.failures.get(ref) ?? null) : null;
  }

  /** Which secret fields have a value (for "•••• set" in the UI); never the values. */
  keysSet(ref: string | null): string[] {
    return Object.keys(this.peek(ref)).filter((k) => this.peek(ref)[k] !== '');
  }

  /** Replaces everything stored under `ref`; an empty set forgets the ref. */
  async save(ref: string, secrets: Record<string, string>): Promise<void> {
    const clean = Object.fromEntries(Object.entries(secrets).filter(([, v]) => typeof v === 'string' && v !== ''));
    if (Object.keys(clean).length === 0) {
      await this.remove(ref);
      return;
    }
    await this.store.set(ref, JSON.stringify(clean));
    this.values.set(ref, clean);
    this.failures.delete(ref);
  }

  async remove(ref: string): Promise<void> {
    await this.store.delete(ref);
    this.values.delete(ref);
    this.failures.delete(ref);
  }

  /** Every secret value we hold, so messages can be scrubbed of any that slipped in. */
  allValues(): string[] {
    const out: string[] = [];
    for (const v of this.values.values()) out.push(...Object.values(v).filter((s) => s.length >= 4));
    return out;
  }
}

function parseSecrets(text: string): Record<string, string> {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // Fall through: a value stored by something else is not ours to interpret.
  }
  return {};
}

/** Replaces any known secret value inside a message with a mask. Belt and braces: adapters already avoid them. */
export function scrubSecrets(message: string, secrets: string[]): string {
  let out = message;
  for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join('••••');
  return out;
}
