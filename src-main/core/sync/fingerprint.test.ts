import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../adapters/types';
import { policyTag, recordFingerprint } from './fingerprint';

/*
 * The fingerprint as earlier versions computed it, written out the long way: the record laid out
 * as one key string, then hashed. Databases keep these in person.source_hash, so a faster way to
 * compute it must give the very same text, or every record would be read again after an upgrade.
 */
const SEP = '\u0001';
const NIL = '\u0002';
function part(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return NIL;
  return `${NIL}${typeof v}:${JSON.stringify(v) ?? String(v)}`;
}
function tagsPart(tags: unknown): string {
  if (Array.isArray(tags) && tags.every((t) => typeof t === 'string')) return `${tags.length}${SEP}${tags.join(SEP)}`;
  return part(tags);
}
function storedFingerprint(policy: string, r: SourceRecord): string {
  const key =
    policy + SEP + part(r.firstName) + SEP + part(r.lastName) + SEP + part(r.email) + SEP + part(r.phone) + SEP + part(r.unit) +
    SEP + part(r.status) + SEP + part(r.type) + SEP + part(r.siteKey) + SEP + tagsPart(r.tags);
  let a = 0xdeadbeef;
  let b = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507);
  a ^= Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507);
  b ^= Math.imul(a ^ (a >>> 13), 3266489909);
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
}

// Fields as sloppy upstreams send them: text (with separators and astral characters), nothing, numbers, objects.
const field = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom(null, undefined, '', SEP, NIL), fc.integer(), fc.object());
const tags = fc.oneof(fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 }), fc.constantFrom(undefined, null, 'Gym'), fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }));
const record = fc.record({
  externalId: fc.string(),
  firstName: field,
  lastName: field,
  email: field,
  phone: field,
  unit: field,
  status: field,
  type: field,
  siteKey: field,
  tags,
  raw: fc.constant({}),
}) as fc.Arbitrary<SourceRecord>;

describe('record fingerprints', () => {
  it('are exactly the ones earlier versions stored, whatever the record holds', () => {
    fc.assert(
      fc.property(fc.string(), record, (policy, r) => {
        const tag = policyTag(policy);
        expect(recordFingerprint(tag, r)).toBe(storedFingerprint(tag, r));
      }),
      { numRuns: 2000 },
    );
  });

  it('tell apart records that differ in one field, or only in where a separator falls', () => {
    const base: SourceRecord = { externalId: 'R-1', firstName: 'Ana', lastName: 'Ruiz', email: 'ana@example.com', tags: ['Gym'], raw: {} };
    const fp = recordFingerprint('p', base);
    expect(recordFingerprint('p', { ...base, lastName: 'Ruíz' })).not.toBe(fp);
    expect(recordFingerprint('p', { ...base, firstName: 'An', lastName: 'aRuiz' })).not.toBe(fp);
    expect(recordFingerprint('p', { ...base, tags: ['Gym', 'Pool'] })).not.toBe(fp);
    expect(recordFingerprint('q', base)).not.toBe(fp);
    expect(recordFingerprint('p', { ...base })).toBe(fp);
  });
});
