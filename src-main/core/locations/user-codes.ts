import { randomInt } from 'node:crypto';

/**
 * User codes open doors and disarm panels: treat them as secrets. They never leave the core
 * whole — the UI, the event log and error messages see all but the last digit masked.
 */
export function maskCode(code: string | null | undefined): string {
  if (!code) return '';
  return '•'.repeat(Math.max(0, code.length - 1)) + code.slice(-1);
}

/** Codes anyone would try first: one digit repeated, or a straight run (1234, 9876). */
export function isWeakCode(code: string): boolean {
  if (/^(\d)\1+$/.test(code)) return true;
  const digits = [...code].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => d - digits[i]));
  return steps.size === 1 && (steps.has(1) || steps.has(-1));
}

/** A random 4-digit code that is not weak and not already taken in `taken`. */
export function generateCode(taken: ReadonlySet<string>, length = 4): string {
  for (let i = 0; i < 10_000; i++) {
    const code = String(randomInt(0, 10 ** length)).padStart(length, '0');
    if (!isWeakCode(code) && !taken.has(code)) return code;
  }
  throw new Error('No free user code is left at this length.');
}
