/**
 * Where connection credentials (API keys, passwords, client secrets) live. The database holds
 * only a reference; the value sits in a store the host provides: the OS keychain through
 * Electron's safeStorage on the desktop, something else in the browser host. The core depends
 * on this interface alone, so it stays free of any platform code.
 */
export interface SecretStore {
  /** The value stored under `ref`, or null if there is none. */
  get(ref: string): Promise<string | null>;
  /** Stores (or replaces) the value under `ref`. */
  set(ref: string, value: string): Promise<void>;
  /** Forgets `ref`; forgetting a missing ref is not an error. */
  delete(ref: string): Promise<void>;
  /** One line for people and logs saying where secrets are kept and how; never a secret. */
  describe(): string;
}

/** Refs are short printable names such as `connection:4f1c…:apiKey`, never user text. */
export const SECRET_REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

export function assertSecretRef(ref: unknown): asserts ref is string {
  if (typeof ref !== 'string' || !SECRET_REF_PATTERN.test(ref)) {
    throw new TypeError('A secret reference must be 1–200 characters of letters, digits, ".", "_", ":" or "-".');
  }
}
