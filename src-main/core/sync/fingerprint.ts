import type { SourceRecord } from '../adapters/types';

/*
 * A record's fingerprint: what decides whether a record must go through the rules again. It is
 * computed for every record of every pass (100k per hourly pass), so it is a fast 64-bit string
 * hash in JS (two 32-bit multiply-xor lanes) rather than a cryptographic digest: it guards
 * against "nothing changed", not against an attacker, and a change going unnoticed needs a
 * 1-in-2^53 collision on the very record that changed.
 *
 * The fields are fed one after another into the running state instead of being joined into one
 * string first (joining, then flattening, the string cost as much as the hashing), and the
 * policy key, the same for every record of a source, is hashed once and used as the seed.
 */

let h1 = 0;
let h2 = 0;

function feedText(s: string): void {
  let a = h1;
  let b = h2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  // The length closes the field, so ("ab", "c") and ("a", "bc") differ.
  h1 = Math.imul(a ^ (s.length + 0x9e37), 2246822507);
  h2 = Math.imul(b ^ (s.length + 0x7f4a), 3266489909);
}

/** A field; null/undefined and non-strings (numbers, objects from a sloppy upstream) stay distinct from any text. */
function feed(v: unknown): void {
  if (typeof v === 'string') return feedText(v);
  h1 = Math.imul(h1 ^ 0x5bd1e995, 2654435761);
  if (v === null || v === undefined) return;
  feedText(`${typeof v}:${JSON.stringify(v) ?? String(v)}`);
}

function feedTags(tags: unknown): void {
  if (Array.isArray(tags) && tags.every((t) => typeof t === 'string')) {
    h2 = Math.imul(h2 ^ (tags.length + 1), 1597334677);
    for (const t of tags) feedText(t);
  } else feed(tags);
}

function finish(): string {
  let a = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  a ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  let b = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  b ^= Math.imul(a ^ (a >>> 13), 3266489909);
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
}

/** The seed for one source's records under one policy. */
export interface FingerprintSeed {
  h1: number;
  h2: number;
}

export function fingerprintSeed(policyKey: string): FingerprintSeed {
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;
  feedText(policyKey);
  return { h1, h2 };
}

export function recordFingerprint(seed: FingerprintSeed, r: SourceRecord): string {
  h1 = seed.h1;
  h2 = seed.h2;
  feed(r.firstName);
  feed(r.lastName);
  feed(r.email);
  feed(r.phone);
  feed(r.unit);
  feed(r.status);
  feed(r.type);
  feed(r.siteKey);
  feedTags(r.tags);
  return finish();
}
