import { timingSafeEqual } from 'node:crypto';

/**
 * Credential checks the vendor fakes share. Test and demo code only, but the comparisons are
 * constant-time anyway so the fakes behave like the services they stand in for.
 */

/** Compares a secret a request carried with the one the fake expects (false when none was sent). */
export function sameSecret(given: string | null | undefined, want: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The decoded "user:password" of a Basic Authorization header, or null when it is not Basic. */
export function basicCredentials(authorization: string | undefined): string | null {
  const m = /^Basic (.+)$/i.exec(authorization ?? '');
  return m ? Buffer.from(m[1], 'base64').toString('utf8') : null;
}
