import type { Misbehaviour } from '../http/fake-server';

/** What the shared contract suites need from any fake: a way to make it misbehave. */
export interface FaultControl {
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
}

/** Retries kept short so the fault tests run in a second, while still exercising backoff. */
export const CONTRACT_RETRY = { attempts: 3, baseDelayMs: 20, maxDelayMs: 1_500, timeoutMs: 5_000 };

/** Strings that must never appear in an error message or a record. */
export function expectNoSecrets(text: string, secrets: string[]): void {
  for (const s of secrets) if (s && s.length >= 4 && text.includes(s)) throw new Error(`A secret leaked into: ${text}`);
}
