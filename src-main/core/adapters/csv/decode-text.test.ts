import { describe, expect, it } from 'vitest';
import { CsvError } from './csv-error';
import { decodeCsvBytes } from './decode-text';

const CSV = 'ID,First,Last\n1,Zoë,Brontë\n2,José,Núñez\n';

function utf16le(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf16le'));
}
function utf16be(text: string): Uint8Array {
  const le = utf16le(text);
  const be = new Uint8Array(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1];
    be[i + 1] = le[i];
  }
  return be;
}
function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

describe('decodeCsvBytes', () => {
  it('reads plain UTF-8', () => {
    expect(decodeCsvBytes(new TextEncoder().encode(CSV))).toEqual({ text: CSV, encoding: 'utf-8' });
  });

  it('strips a UTF-8 BOM so the first header is not "\\uFEFFID"', () => {
    const bytes = concat(new Uint8Array([0xef, 0xbb, 0xbf]), new TextEncoder().encode(CSV));
    const { text, encoding } = decodeCsvBytes(bytes);
    expect(encoding).toBe('utf-8');
    expect(text.startsWith('ID,')).toBe(true);
  });

  it('reads UTF-16 LE with a BOM (Excel "Unicode Text")', () => {
    const out = decodeCsvBytes(concat(new Uint8Array([0xff, 0xfe]), utf16le(CSV)));
    expect(out).toEqual({ text: CSV, encoding: 'utf-16le' });
  });

  it('reads UTF-16 BE with a BOM', () => {
    const out = decodeCsvBytes(concat(new Uint8Array([0xfe, 0xff]), utf16be(CSV)));
    expect(out).toEqual({ text: CSV, encoding: 'utf-16be' });
  });

  it('recognises UTF-16 LE and BE without a BOM by their zero bytes', () => {
    expect(decodeCsvBytes(utf16le(CSV))).toEqual({ text: CSV, encoding: 'utf-16le' });
    expect(decodeCsvBytes(utf16be(CSV))).toEqual({ text: CSV, encoding: 'utf-16be' });
  });

  it('falls back to Windows-1252 when the bytes are not UTF-8 (Excel on Windows)', () => {
    // "Zoë" with ë as the single byte 0xEB, and a curly apostrophe as 0x92.
    const bytes = new Uint8Array([...Buffer.from('ID,Name\n1,Zo', 'ascii'), 0xeb, ...Buffer.from('\n2,O', 'ascii'), 0x92, ...Buffer.from('Brien\n', 'ascii')]);
    const out = decodeCsvBytes(bytes);
    expect(out.encoding).toBe('latin1');
    expect(out.text).toBe('ID,Name\n1,Zoë\n2,O’Brien\n');
  });

  it('refuses a workbook picked by mistake with a message that says what to do', () => {
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    expect(() => decodeCsvBytes(xlsx)).toThrow(CsvError);
    expect(() => decodeCsvBytes(xlsx)).toThrow(/Excel workbook/);
  });

  it('refuses a UTF-8-marked file whose bytes are not UTF-8 instead of guessing', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('ID\n1,Zo', 'ascii'), 0xeb, 0x0a]);
    expect(() => decodeCsvBytes(bytes)).toThrow(/not UTF-8/);
  });

  it('handles an empty file', () => {
    expect(decodeCsvBytes(new Uint8Array())).toEqual({ text: '', encoding: 'utf-8' });
  });
});
