import { CsvError } from './csv-error';

/**
 * RFC 4180 reading, tolerant where real exports differ and strict where a mistake would silently
 * change data:
 * - fields may be quoted; a doubled quote inside is one quote; quoted fields may hold delimiters and
 *   line breaks (so one row can span several lines: each row carries the line it starts on);
 * - rows end with CRLF, LF or a lone CR (old Mac exports); the last row may or may not end with one;
 * - empty lines are skipped (trailing ones are common, mid-file ones are harmless);
 * - a quote in the middle of an unquoted field is kept as a character (Excel does the same);
 * - text after a closing quote, an over-long field or too many columns marks the ROW as bad
 *   (the caller reports it with its line number); an unclosed quote is a file error, because
 *   everything after it would be read as one field.
 * Limits keep a hostile or broken file from eating memory: fields beyond `maxColumns` are counted but
 * not stored, and field text beyond `maxFieldLength` is counted but not kept.
 */

export type CsvDelimiter = ',' | ';' | '\t' | '|';
export const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t', '|'];

export interface CsvLimits {
  /** Characters per field. */
  maxFieldLength: number;
  /** Fields per row (header included). */
  maxColumns: number;
}

export const DEFAULT_CSV_LIMITS: CsvLimits = { maxFieldLength: 10_000, maxColumns: 200 };

export type CsvRowProblem =
  | { kind: 'field-too-long'; field: number; length: number }
  | { kind: 'text-after-quote'; field: number };

export interface CsvRow {
  /** 1-based line of the file where the row starts. */
  line: number;
  /** The fields, up to maxColumns + 1 of them (enough to see that there were too many). */
  fields: string[];
  /** How many fields the row really had. */
  fieldCount: number;
  /** The first problem found in the row, if any; `field` is 0-based. */
  problem?: CsvRowProblem;
}

export interface ParsedCsv {
  delimiter: CsvDelimiter;
  /** Where the delimiter came from: a `sep=` line, the caller, or detection. */
  delimiterSource: 'sep-line' | 'given' | 'detected';
  /** Every non-empty row, header first. */
  rows: CsvRow[];
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Reads rows one at a time, so a caller can stop early (delimiter detection) or pause between rows
 * (the source yields to the event loop on big files). Throws CsvError only for an unclosed quote.
 */
export function* readCsvRows(
  text: string,
  delimiter: CsvDelimiter,
  limits: CsvLimits = DEFAULT_CSV_LIMITS,
  startLine = 1,
): Generator<CsvRow> {
  const n = text.length;
  const d = delimiter.charCodeAt(0);
  const maxStored = limits.maxColumns + 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = startLine;

  while (i < n) {
    const rowLine = line;
    const fields: string[] = [];
    let fieldCount = 0;
    let problem: CsvRowProblem | undefined;
    let onlyEmptyUnquoted = true;

    for (;;) {
      let value: string;
      let length: number;
      if (text.charCodeAt(i) === QUOTE) {
        onlyEmptyUnquoted = false;
        const quoteLine = line;
        i++;
        const parts: string[] = [];
        length = 0;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) {
            throw new CsvError(
              `Line ${quoteLine}: a quoted field starts here but its closing quote is missing, so the rest of the file cannot be read. Check that quotes inside values are doubled ("").`,
            );
          }
          line += countLineBreaks(text, i, q);
          length += q - i;
          if (length <= limits.maxFieldLength) parts.push(text.slice(i, q));
          if (text.charCodeAt(q + 1) === QUOTE) {
            length += 1;
            if (length <= limits.maxFieldLength) parts.push('"');
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        value = parts.join('');
        // Spaces before the delimiter are harmless padding; anything else means the quoting is off.
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === SPACE || (c === TAB && d !== TAB)) j++;
          else break;
        }
        if (j < n && !isEndOfField(text.charCodeAt(j), d)) {
          problem ??= { kind: 'text-after-quote', field: fieldCount };
          while (j < n && !isEndOfField(text.charCodeAt(j), d)) j++;
          value += text.slice(i, j);
        }
        i = j;
      } else {
        let j = i;
        while (j < n && !isEndOfField(text.charCodeAt(j), d)) j++;
        length = j - i;
        value = length <= limits.maxFieldLength ? text.slice(i, j) : '';
        if (length > 0) onlyEmptyUnquoted = false;
        i = j;
      }

      if (length > limits.maxFieldLength) problem ??= { kind: 'field-too-long', field: fieldCount, length };
      if (fieldCount < maxStored) fields.push(value);
      fieldCount++;

      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === d) {
        i++;
        continue;
      }
      // A line break ends the row.
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }

    // An empty line is one empty unquoted field: nothing to report, nothing to keep.
    if (fieldCount === 1 && onlyEmptyUnquoted) continue;
    yield problem ? { line: rowLine, fields, fieldCount, problem } : { line: rowLine, fields, fieldCount };
  }
}

function isEndOfField(c: number, delimiter: number): boolean {
  return c === delimiter || c === LF || c === CR;
}

/** CRLF, LF and a lone CR each count as one line break. */
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === LF) count++;
    else if (c === CR && text.charCodeAt(k + 1) !== LF) count++;
  }
  return count;
}

/**
 * Excel understands a first line `sep=;` naming the delimiter, and some tools write it. Returns the
 * delimiter and where the data starts, or null.
 */
export function readSepLine(text: string): { delimiter: CsvDelimiter; rest: string; linesSkipped: number } | null {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const match = /^sep=(.)[ \t]*(\r\n|\n|\r|$)/i.exec(text.slice(start, start + 12));
  if (!match) return null;
  const delimiter = match[1] as CsvDelimiter;
  if (!CSV_DELIMITERS.includes(delimiter)) return null;
  return { delimiter, rest: text.slice(start + match[0].length), linesSkipped: 1 };
}

/**
 * Picks the delimiter that splits the first rows into the same, largest-possible number of
 * fields. Quotes are respected (a comma inside "Smith, Ana" does not count), so a semicolon file
 * full of quoted commas is still seen as a semicolon file. The common count is the most frequent
 * one of two or more fields rather than the first row's: exports often start with a title or a
 * report date on a line of its own. With a single column any delimiter fits; comma wins.
 */
export function detectDelimiter(text: string, sampleRows = 20): CsvDelimiter {
  let best: { delimiter: CsvDelimiter; consistent: number; columns: number } = {
    delimiter: ',',
    consistent: 0,
    columns: 1,
  };
  // Detection only needs the start of the file; an unclosed quote far below is the parser's job.
  const sample = text.slice(0, 256 * 1024);
  for (const delimiter of CSV_DELIMITERS) {
    const counts: number[] = [];
    try {
      for (const row of readCsvRows(sample, delimiter, { maxFieldLength: Infinity, maxColumns: 10_000 })) {
        counts.push(row.fieldCount);
        if (counts.length >= sampleRows) break;
      }
    } catch {
      // The sample may cut a quoted field in two; judge by the rows read so far.
    }
    const columns = modalCount(counts);
    if (columns < 2) continue;
    const consistent = counts.filter((c) => c === columns).length / counts.length;
    if (consistent > best.consistent || (consistent === best.consistent && columns > best.columns)) {
      best = { delimiter, consistent, columns };
    }
  }
  return best.delimiter;
}

/** The most frequent field count of two or more (the larger one on a tie), or 1. */
function modalCount(counts: number[]): number {
  const freq = new Map<number, number>();
  for (const c of counts) if (c >= 2) freq.set(c, (freq.get(c) ?? 0) + 1);
  let mode = 1;
  let seen = 0;
  for (const [count, n] of freq) {
    if (n > seen || (n === seen && count > mode)) {
      mode = count;
      seen = n;
    }
  }
  return mode;
}

/** Reads a whole text: `sep=` line first, then the given or detected delimiter. */
export function parseCsv(
  text: string,
  opts: { delimiter?: CsvDelimiter; limits?: CsvLimits } = {},
): ParsedCsv {
  const { delimiter, delimiterSource, body, startLine } = chooseDelimiter(text, opts.delimiter);
  return { delimiter, delimiterSource, rows: [...readCsvRows(body, delimiter, opts.limits, startLine)] };
}

/** Shared by parseCsv and the source (which reads rows lazily). */
export function chooseDelimiter(
  text: string,
  given?: CsvDelimiter,
): { delimiter: CsvDelimiter; delimiterSource: ParsedCsv['delimiterSource']; body: string; startLine: number } {
  const sep = readSepLine(text);
  if (sep) return { delimiter: sep.delimiter, delimiterSource: 'sep-line', body: sep.rest, startLine: 1 + sep.linesSkipped };
  if (given) return { delimiter: given, delimiterSource: 'given', body: text, startLine: 1 };
  return { delimiter: detectDelimiter(text), delimiterSource: 'detected', body: text, startLine: 1 };
}

export function describeDelimiter(delimiter: CsvDelimiter): string {
  switch (delimiter) {
    case ',':
      return 'comma';
    case ';':
      return 'semicolon';
    case '\t':
      return 'tab';
    case '|':
      return 'pipe';
  }
}
