import type { SourceRecord } from '../adapters/types';

/*
 * A record's fingerprint: what decides whether a record must go through the rules again.
 *
 * recordFingerprint() hashes a record's fields (and the policy it is read under), laid out as one
 * key, to what the person row stores (source_hash). The hash is a fast 64-bit string hash in JS
 * (two 32-bit multiply-xor lanes) rather than a cryptographic digest: it guards against "nothing
 * changed", not against an attacker, and a change going unnoticed needs a 1-in-2^53 collision on
 * the very record that changed.
 *
 * Between passes the engine also keeps each linked record's fields (recordFields, in
 * fingerprint-cache.ts): comparing a record with them field by field allocates nothing and is
 * several times cheaper than building and hashing its key, which at 100k records is a fifth of
 * an unchanged pass.
 */

const SEP = '\u0001';
const NIL = '\u0002';

/** A field as text; null/undefined and non-strings (numbers, objects from a sloppy upstream) stay distinct from any text. */
function part(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return NIL;
  return `${NIL}${typeof v}:${asText(v)}`;
}

/**
 * JSON where JSON can say it (the text stored fingerprints were made with), else something
 * stable: a BigInt, a cycle or a structure nested past the stack made JSON.stringify throw, which
 * failed the whole pass over one odd field. Only non-string fields ever get here.
 */
function asText(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    try {
      return String(v);
    } catch {
      return Object.prototype.toString.call(v);
    }
  }
}

/*
 * The hash: two 32-bit multiply-xor lanes over the characters of the key. It is fed one field at
 * a time, which hashes exactly the characters of the joined key without building that string
 * (a first pass would otherwise make and flatten 100k keys only to read them once).
 */
let laneA = 0;
let laneB = 0;

function start(): void {
  laneA = 0xdeadbeef;
  laneB = 0x41c6ce57;
}

function feed(text: string): void {
  let a = laneA;
  let b = laneB;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  laneA = a;
  laneB = b;
}

function finish(): string {
  let a = laneA;
  let b = laneB;
  a = Math.imul(a ^ (a >>> 16), 2246822507);
  a ^= Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507);
  b ^= Math.imul(a ^ (a >>> 13), 3266489909);
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
}

function fingerprintOf(key: string): string {
  start();
  feed(key);
  return finish();
}

/** The policy text is hashed once per source and pass, so each record's key stays short. */
export function policyTag(policyKey: string): string {
  return fingerprintOf(policyKey);
}

/** A field as its key text: strings as they are, anything else marked so no text can equal it. */
function feedPart(v: unknown): void {
  feed(SEP);
  feed(typeof v === 'string' ? v : part(v));
}

/**
 * The fingerprint of `policy` and the record's fields laid out as one key: the policy, then each
 * field after a separator, the tags last as their count, a separator and the tags joined by it.
 */
export function recordFingerprint(policy: string, r: SourceRecord): string {
  start();
  feed(policy);
  feedPart(r.firstName);
  feedPart(r.lastName);
  feedPart(r.email);
  feedPart(r.phone);
  feedPart(r.unit);
  feedPart(r.status);
  feedPart(r.type);
  feedPart(r.siteKey);
  feed(SEP);
  const tags = r.tags as unknown;
  if (Array.isArray(tags) && tags.every((t) => typeof t === 'string')) {
    feed(String(tags.length));
    feed(SEP);
    for (let i = 0; i < tags.length; i++) {
      if (i > 0) feed(SEP);
      feed(tags[i] as string);
    }
  } else feed(part(tags));
  return finish();
}

/** A record's fields as kept between passes, the policy tag first (see sameRecord). */
export type RecordFields = readonly unknown[];

/** Primitives as they are; a list of strings copied (an upstream client may reuse its arrays); anything else as text. */
function keep(v: unknown): unknown {
  if (v === null || v === undefined || typeof v !== 'object') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.slice();
  return part(v);
}

function same(kept: unknown, v: unknown): boolean {
  if (kept === v) return typeof v !== 'object' || v === null;
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(kept)) {
    if (!Array.isArray(v) || v.length !== kept.length) return false;
    for (let i = 0; i < v.length; i++) if (v[i] !== kept[i] || typeof v[i] !== 'string') return false;
    return true;
  }
  return kept === part(v);
}

export function recordFields(policy: string, r: SourceRecord): RecordFields {
  return [policy, keep(r.firstName), keep(r.lastName), keep(r.email), keep(r.phone), keep(r.unit), keep(r.status), keep(r.type), keep(r.siteKey), keep(r.tags)];
}

/**
 * Whether `r`, read under `policy`, is exactly the record `fields` were kept from. May say "no"
 * for an equal record (it then goes the slow way, through its fingerprint), never "yes" for a
 * different one.
 */
export function sameRecord(fields: RecordFields, policy: string, r: SourceRecord): boolean {
  return (
    fields[0] === policy && same(fields[1], r.firstName) && same(fields[2], r.lastName) && same(fields[3], r.email) &&
    same(fields[4], r.phone) && same(fields[5], r.unit) && same(fields[6], r.status) && same(fields[7], r.type) &&
    same(fields[8], r.siteKey) && same(fields[9], r.tags)
  );
}
