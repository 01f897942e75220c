import { describe, expect, it } from 'vitest';
import { CodeSealer, CodeUnreadableError, SEALED_CODE_PREFIX, isSealedCode } from './code-sealer';

describe('sealing alarm user codes', () => {
  const sealer = new CodeSealer(CodeSealer.freshKey());

  it('seals a code into text that holds no trace of it and opens back to the code', () => {
    const sealed = sealer.seal('73914682');
    expect(sealed.startsWith(SEALED_CODE_PREFIX)).toBe(true);
    expect(sealed.split(':')).toHaveLength(5);
    expect(sealed).not.toContain('73914682');
    expect(sealer.unseal(sealed, 'the code')).toBe('73914682');
    expect(isSealedCode(sealed)).toBe(true);
  });

  it('gives a different text each time, so codes compare only once unsealed', () => {
    const a = sealer.seal('4829');
    const b = sealer.seal('4829');
    expect(a).not.toBe(b);
    expect(sealer.unseal(a, 'a')).toBe(sealer.unseal(b, 'b'));
  });

  it('reads a code stored before sealing as it is', () => {
    expect(isSealedCode('4829')).toBe(false);
    expect(sealer.unseal('4829', 'the code')).toBe('4829');
  });

  it('refuses, without the code in the message, a value altered or sealed with another key', () => {
    const sealed = sealer.seal('60418257');
    const other = new CodeSealer(CodeSealer.freshKey());
    const [, , iv, tag, data] = sealed.split(':');
    const flipped = Buffer.from(data, 'base64');
    flipped[0] ^= 1;
    for (const bad of [
      sealed.replace(`:${data}`, `:${flipped.toString('base64')}`),
      sealed.replace(`:${tag}:`, `:${Buffer.alloc(16).toString('base64')}:`),
      sealed.replace(`${iv}:`, ''),
    ]) {
      expect(() => sealer.unseal(bad, "Ana Lopez's code")).toThrow(CodeUnreadableError);
    }
    const err = (() => {
      try {
        other.unseal(sealed, "the stored alarm code of Ana Lopez");
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err?.message).toMatch(/^The stored alarm code of Ana Lopez could not be unsealed/);
    expect(err?.message).not.toContain('60418257');
    expect(err?.message).not.toContain(data);
  });

  it('will not seal or pass on something that is not a code', () => {
    expect(() => sealer.seal('12a4')).toThrow(/4–8 digit/);
    expect(() => sealer.unseal('sealed:v2:x', 'the code')).toThrow(CodeUnreadableError);
    expect(() => sealer.unseal('', 'the code')).toThrow(/damaged/);
    expect(() => new CodeSealer(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
