import { CsvError } from './csv-error';

/**
 * Turns the bytes of an exported file into text. People export CSVs from Excel on Windows
 * (Windows-1252, or "Unicode Text" which is UTF-16 LE), from Google Sheets and web apps (UTF-8,
 * sometimes with a BOM) and from older PMS tools (UTF-16 without a BOM). A wrong guess turns
 * "Zoë" into "ZoÃ«" and then into a new person, so the order below matters:
 * BOM → NUL-byte pattern (UTF-16 without BOM) → strict UTF-8 → Windows-1252.
 */

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

export interface DecodedText {
  text: string;
  encoding: CsvEncoding;
}

export function decodeCsvBytes(bytes: Uint8Array): DecodedText {
  rejectBinaryFormats(bytes);

  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) {
    const text = decodeUtf8Strict(bytes.subarray(3));
    // The BOM promises UTF-8; guessing another encoding for the rest would quietly change names.
    if (text === null) {
      throw new CsvError('This file starts with a UTF-8 marker but contains bytes that are not UTF-8 (it may mix two encodings). Export it again as "CSV UTF-8".');
    }
    rejectNul(text);
    return { text, encoding: 'utf-8' };
  }
  // UTF-32 LE also starts with FF FE; it is vanishingly rare in CSV exports and not supported.
  if (startsWith(bytes, [0xff, 0xfe, 0x00, 0x00])) {
    throw new CsvError('This file is encoded as UTF-32, which is not supported. Save it as UTF-8 CSV.');
  }
  if (startsWith(bytes, [0xff, 0xfe])) return { text: decodeUtf16(bytes.subarray(2), 'le'), encoding: 'utf-16le' };
  if (startsWith(bytes, [0xfe, 0xff])) return { text: decodeUtf16(bytes.subarray(2), 'be'), encoding: 'utf-16be' };

  const guessed = guessUtf16WithoutBom(bytes);
  if (guessed) {
    return { text: decodeUtf16(bytes, guessed), encoding: guessed === 'le' ? 'utf-16le' : 'utf-16be' };
  }

  const utf8 = decodeUtf8Strict(bytes);
  if (utf8 !== null) {
    rejectNul(utf8);
    return { text: utf8, encoding: 'utf-8' };
  }
  const latin = decodeWindows1252(bytes);
  rejectNul(latin);
  return { text: latin, encoding: 'latin1' };
}

/** A human name for the encoding, for messages and the test() result. */
export function describeEncoding(encoding: CsvEncoding): string {
  switch (encoding) {
    case 'utf-8':
      return 'UTF-8';
    case 'utf-16le':
      return 'UTF-16 LE';
    case 'utf-16be':
      return 'UTF-16 BE';
    case 'latin1':
      return 'Windows-1252 (Latin-1)';
  }
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((b, i) => bytes[i] === b);
}

/** A workbook chosen by mistake is a common slip; say so rather than "bad rows" on line 1. */
function rejectBinaryFormats(bytes: Uint8Array): void {
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    throw new CsvError('This looks like an Excel workbook (.xlsx) or another zip file, not a CSV. Save it as "CSV UTF-8" and try again.');
  }
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0])) {
    throw new CsvError('This looks like an old Excel workbook (.xls), not a CSV. Save it as "CSV UTF-8" and try again.');
  }
}

function rejectNul(text: string): void {
  if (text.includes('\u0000')) {
    throw new CsvError('This file contains NUL bytes, so it is not a plain-text CSV. Export it again as CSV.');
  }
}

/**
 * Text that is mostly ASCII, written as UTF-16, has a zero byte in every other position: the odd
 * positions for little-endian, the even ones for big-endian. A quarter of the sample is enough to be
 * sure (names in other scripts have no zero bytes) while the other side must be nearly free of them.
 */
function guessUtf16WithoutBom(bytes: Uint8Array): 'le' | 'be' | null {
  const sampleLength = Math.min(bytes.length, 4096) & ~1;
  if (sampleLength < 2) return null;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < sampleLength; i++) {
    if (bytes[i] === 0) {
      if (i % 2 === 0) zeroEven++;
      else zeroOdd++;
    }
  }
  const pairs = sampleLength / 2;
  if (zeroOdd >= pairs * 0.25 && zeroEven <= pairs * 0.02) return 'le';
  if (zeroEven >= pairs * 0.25 && zeroOdd <= pairs * 0.02) return 'be';
  return null;
}

function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

function decodeUtf16(bytes: Uint8Array, order: 'le' | 'be'): string {
  if (bytes.length % 2 !== 0) {
    throw new CsvError('This UTF-16 file has an odd number of bytes, so it was cut short. Export it again.');
  }
  // Only the little-endian decoder is guaranteed in every Node build, so big-endian input is
  // byte-swapped into a copy first.
  let source = bytes;
  if (order === 'be') {
    source = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i += 2) {
      source[i] = bytes[i + 1];
      source[i + 1] = bytes[i];
    }
  }
  const text = new TextDecoder('utf-16le', { ignoreBOM: true }).decode(source);
  rejectNul(text);
  return text;
}

/**
 * Windows-1252 is Latin-1 except for 0x80–0x9F, where it has the euro sign, curly quotes and
 * dashes that Excel writes. Done by table here because some Node builds decode the "latin1" label
 * as plain ISO-8859-1 and would turn a curly apostrophe in "O’Brien" into a control character.
 */
const CP1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
];

function decodeWindows1252(bytes: Uint8Array): string {
  const chunks: string[] = [];
  const chunkSize = 8192;
  const units = new Uint16Array(chunkSize);
  for (let start = 0; start < bytes.length; start += chunkSize) {
    const end = Math.min(start + chunkSize, bytes.length);
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      units[i - start] = b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : b;
    }
    chunks.push(String.fromCharCode(...units.subarray(0, end - start)));
  }
  return chunks.join('');
}
