/**
 * CSV source: people from a file exported by a PMS, a gym system or a spreadsheet.
 *
 * How a file is read
 * - Bytes → text (decode-text.ts): BOM, then UTF-16 by its zero bytes, then strict UTF-8, then
 *   Windows-1252, so a file saved by Excel on Windows keeps "Zoë" as Zoë.
 * - Text → rows (parse-csv.ts): a `sep=` line, else the delimiter among , ; tab | whose first rows
 *   agree; RFC 4180 quoting; each row keeps the line it starts on, for messages.
 * - Header → fields (column-mapping.ts): guessed from common header names, overridable per field
 *   by an explicit mapping (object header→field, or the CLI's "field=Header,field=Header").
 *   Columns that feed nothing are listed as ignored; every column stays in `raw`. Note the two
 *   explicit forms read in opposite directions: the object is { "E-mail Address": "email" }, the
 *   string is "email=E-mail Address". A column named `fullName` is split into first/last only on
 *   rows where the first and last name columns are both empty or absent.
 * - Reports, not tables (report-layout.ts): the header is the first of the opening lines that
 *   identifies people, so a title, a report date or blank lines above it are skipped and the report
 *   says on which line it was found. Totals, section titles, charge lines, vacant units and a header
 *   repeated after a page break describe nobody: they are listed as skipped, not as bad rows.
 * - Cells (../contact-cells.ts): a phone cell listing several labelled numbers gives the mobile one,
 *   an email cell with several addresses gives the first valid-looking one; Excel's ="00123" and
 *   leading apostrophes are undone; a phone Excel rounded ("5.55123E+9") is dropped with a warning
 *   and an id it rounded is a bad row, since the lost digits can never be recovered.
 *
 * Why bad rows stop the read
 * A row with the wrong number of fields, no external id, a repeated external id or an over-long
 * value means the file is damaged or was exported wrongly. If those rows were dropped quietly, the
 * people on them would look "gone from the source" and the sync engine would disable them. So
 * `list()` reads the whole file first and throws an UpstreamError naming the bad lines before it
 * yields anything; the engine treats that like any failed source read (nobody is disabled).
 * `allowBadRows: true` is the explicit "skip them, I know" switch; the report still lists them,
 * and the people on skipped rows WILL be treated as absent.
 *
 * Limits (a hostile or broken file must fail fast with a message, not hang or fill memory):
 * 50 MB per file (checked before decoding; the caller should also stat the file before reading
 * it), 10,000 characters per value, 200 columns. A header over the limits is a file error; a data
 * row over them is a bad row.
 *
 * Values that look like spreadsheet formulas ("=cmd|' /C calc'!A0", "+1-555…", "@SUM(…)") are
 * plain text here: nothing is ever evaluated, and they reach `raw` and the record as written. Any
 * LATER CSV export of people or activity must neutralise cells starting with = + - @ TAB or CR
 * (prefix a single quote) before a spreadsheet opens them.
 */
import type { PersonType } from '../../../contract/dto';
import { UpstreamError, type ListOptions, type SourceConnector, type SourceRecord, type TestResult } from '../types';
import { type ColumnMappingInput, type CsvField, resolveColumnMapping, type ResolvedMapping } from './column-mapping';
import { CsvError } from './csv-error';
import { type CsvEncoding, decodeCsvBytes, describeEncoding } from './decode-text';
import {
  chooseDelimiter,
  type CsvDelimiter,
  type CsvLimits,
  type CsvRow,
  DEFAULT_CSV_LIMITS,
  describeDelimiter,
  readCsvRows,
} from './parse-csv';
import { cell, readPersonType, splitFullName, splitTags } from './row-values';
import { isExcelScientific, pickEmail, pickPhone, unwrapExcelText } from '../contact-cells';
import { findHeaderRow, HEADER_SCAN_ROWS, isHeaderContinuation, joinHeaderRows, skipReason } from './report-layout';
import { headerKey } from './column-mapping';
import { MAX_FIELD_CHARS, MAX_TAGS } from '../../sync/record-shape';

export interface CsvBadRow {
  /** 1-based line in the file where the row starts. */
  line: number;
  /** Plain language, without the line: "7 fields, expected 9". See formatBadRow. */
  reason: string;
}

export interface CsvReport {
  fileName: string;
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  /** Data rows read (header and empty lines not counted), good and bad. */
  rows: number;
  /** Rows that became records (rows minus bad rows minus rows with every cell empty). */
  records: number;
  columns: number;
  headers: string[];
  /** Field → header name. */
  mapping: Partial<Record<CsvField, string>>;
  /** Fields whose column was given explicitly rather than guessed. */
  explicitFields: CsvField[];
  ignoredColumns: string[];
  /** The first MAX_LISTED_BAD_ROWS bad rows; badRowCount has the total. */
  badRows: CsvBadRow[];
  badRowCount: number;
  /** Things that did not stop the read but deserve a look (an unknown person type, say). */
  warnings: string[];
  /** 1-based line of the header row; above 1 when a report title or date came before it. */
  headerLine: number;
  /** Lines that describe nobody (totals, section titles, vacant units…), first MAX_LISTED_BAD_ROWS. */
  skippedRows: CsvBadRow[];
  skippedRowCount: number;
}

export interface CsvSourceOptions {
  /** The file's bytes, or a loader called on every test() and list() so edits to the file are seen. */
  bytes: Uint8Array | (() => Promise<Uint8Array>);
  /** For messages only. */
  fileName: string;
  mapping?: ColumnMappingInput;
  /** Person type for rows without a (recognised) type column. */
  defaultType?: PersonType;
  /** Records per page from list(); default 500. */
  pageSize?: number;
  /** Skip bad rows instead of failing the read. They are still reported. */
  allowBadRows?: boolean;
  /** Force a delimiter instead of detecting it (a `sep=` line in the file still wins). */
  delimiter?: CsvDelimiter;
  limits?: Partial<CsvSourceLimits>;
}

export interface CsvSourceLimits extends CsvLimits {
  maxBytes: number;
}

export const DEFAULT_CSV_SOURCE_LIMITS: CsvSourceLimits = { ...DEFAULT_CSV_LIMITS, maxBytes: 50 * 1024 * 1024 };

export type CsvSource = SourceConnector & {
  /** The report of the last read (test, list or inspect). Throws if the file was never read. */
  report(): CsvReport;
  /** Reads the file and returns its report without failing on bad rows (file errors still throw). */
  inspect(): Promise<CsvReport>;
};

const MAX_LISTED_BAD_ROWS = 1000;
const MAX_WARNINGS = 20;
/** Rows between pauses that let the host's event loop breathe while a big file is read. */
const ROWS_PER_SLICE = 10_000;

export function formatBadRow(bad: CsvBadRow): string {
  return `line ${bad.line}: ${bad.reason}`;
}

export function createCsvSource(opts: CsvSourceOptions): CsvSource {
  const limits: CsvSourceLimits = { ...DEFAULT_CSV_SOURCE_LIMITS, ...opts.limits };
  const pageSize = Math.max(1, opts.pageSize ?? 500);
  let last: CsvReport | null = null;

  async function read(signal?: AbortSignal): Promise<{ report: CsvReport; records: SourceRecord[] }> {
    try {
      const bytes = typeof opts.bytes === 'function' ? await opts.bytes() : opts.bytes;
      signal?.throwIfAborted();
      const result = await readCsvFile(bytes, opts, limits, signal);
      last = result.report;
      return result;
    } catch (err) {
      if (err instanceof CsvError) throw new UpstreamError(`${opts.fileName}: ${err.message}`);
      throw err;
    }
  }

  return {
    kind: 'csv',

    async test(): Promise<TestResult> {
      try {
        const { report } = await read();
        const ok = report.badRowCount === 0 || opts.allowBadRows === true;
        const parts = [summarise(report)];
        if (report.badRowCount > 0) parts.push(badRowSummary(report, opts.allowBadRows === true));
        if (report.warnings.length > 0) parts.push(`Warnings: ${report.warnings.join('; ')}.`);
        return { ok, message: parts.join(' ') };
      } catch (err) {
        return { ok: false, message: err instanceof Error ? err.message : String(err) };
      }
    },

    async *list(listOpts?: ListOptions): AsyncIterable<SourceRecord[]> {
      const signal = listOpts?.signal;
      const { report, records } = await read(signal);
      if (report.badRowCount > 0 && opts.allowBadRows !== true) {
        throw new UpstreamError(badRowSummary(report, false));
      }
      for (let start = 0; start < records.length; start += pageSize) {
        signal?.throwIfAborted();
        yield records.slice(start, start + pageSize);
      }
    },

    report(): CsvReport {
      if (!last) throw new Error(`${opts.fileName} has not been read yet: call test(), inspect() or list() first.`);
      return last;
    },

    async inspect(): Promise<CsvReport> {
      return (await read()).report;
    },
  };
}

function summarise(report: CsvReport): string {
  const mapping = Object.entries(report.mapping)
    .map(([field, header]) => `${field} ← "${header}"`)
    .join(', ');
  const ignored = report.ignoredColumns.length
    ? ` Ignored columns: ${report.ignoredColumns.map((h) => `"${h}"`).join(', ')}.`
    : '';
  const header = report.headerLine > 1 ? ` Header row found on line ${report.headerLine}; the lines above it were skipped.` : '';
  const skipped = report.skippedRowCount
    ? ` Skipped ${report.skippedRowCount} ${plural(report.skippedRowCount, 'line')} that name nobody (${report.skippedRows
        .slice(0, 3)
        .map(formatBadRow)
        .join('; ')}${report.skippedRowCount > 3 ? '; …' : ''}).`
    : '';
  return (
    `${report.fileName}: ${report.rows} ${plural(report.rows, 'row')}, ${report.columns} ${plural(report.columns, 'column')} ` +
    `(${describeEncoding(report.encoding)}, ${describeDelimiter(report.delimiter)}-separated). Mapping: ${mapping}.${ignored}${header}${skipped}`
  );
}

function badRowSummary(report: CsvReport, skipped: boolean): string {
  const lines = report.badRows.slice(0, 10).map((b) => b.line);
  const moreLines = report.badRowCount > lines.length ? ', …' : '';
  const reasons = report.badRows.slice(0, 3).map(formatBadRow).join('; ');
  const moreReasons = report.badRowCount > 3 ? `; and ${report.badRowCount - 3} more` : '';
  const head =
    `${report.fileName}: ${report.badRowCount} bad ${plural(report.badRowCount, 'row')} ` +
    `(${plural(lines.length, 'line')} ${lines.join(', ')}${moreLines}): ${reasons}${moreReasons}.`;
  return skipped
    ? `${head} These rows are skipped; the people on them will be treated as missing from the file.`
    : `${head} Nothing was read from this file, so nobody was changed or disabled. Fix these rows, or import with bad rows allowed to skip them.`;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

async function readCsvFile(
  bytes: Uint8Array,
  opts: CsvSourceOptions,
  limits: CsvSourceLimits,
  signal: AbortSignal | undefined,
): Promise<{ report: CsvReport; records: SourceRecord[] }> {
  if (bytes.length > limits.maxBytes) {
    throw new CsvError(
      `the file is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; the limit is ${Math.floor(limits.maxBytes / 1024 / 1024)} MB. Split it into smaller files (for example one per property).`,
    );
  }
  const { text, encoding } = decodeCsvBytes(bytes);
  const { delimiter, body, startLine } = chooseDelimiter(text, opts.delimiter);
  const rows = readCsvRows(body, delimiter, limits, startLine);

  // Reports put a title, a date or blank lines above the header: look at the first lines for it.
  const lead: CsvRow[] = [];
  while (lead.length < HEADER_SCAN_ROWS) {
    const next = rows.next();
    if (next.done) break;
    lead.push(next.value);
  }
  if (lead.length === 0) throw new CsvError('the file is empty: expected a header row naming the columns.');
  const headerIndex = findHeaderRow(lead, opts.mapping, limits);
  const header = lead[headerIndex];
  checkHeader(header, limits);
  let mapping = resolveColumnMapping(header.fields, opts.mapping);
  let firstData = headerIndex + 1;
  const below = lead[firstData];
  if (below && isHeaderContinuation(below, header, mapping)) {
    try {
      mapping = resolveColumnMapping(joinHeaderRows(header, below), opts.mapping);
      firstData++;
    } catch {
      // The joined names lost a column the mapping needs: keep the one-row header.
    }
  }
  const columnCount = header.fieldCount;
  const headerKeys = header.fields.map(headerKey);
  const dataRows = (function* () {
    for (let i = firstData; i < lead.length; i++) yield lead[i];
    yield* rows;
  })();

  const records: SourceRecord[] = [];
  const badRows: CsvBadRow[] = [];
  let badRowCount = 0;
  const warnings: string[] = [];
  let warningCount = 0;
  const skippedRows: CsvBadRow[] = [];
  let skippedRowCount = 0;
  const seenIds = new Map<string, number>();
  let dataRowCount = 0;

  const addBad = (line: number, reason: string): void => {
    badRowCount++;
    if (badRows.length < MAX_LISTED_BAD_ROWS) badRows.push({ line, reason });
  };
  const warn = (message: string): void => {
    warningCount++;
    if (warnings.length < MAX_WARNINGS) warnings.push(message);
  };

  for (const row of dataRows) {
    dataRowCount++;
    if (dataRowCount % ROWS_PER_SLICE === 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    }
    const verdict = checkRow(row, mapping, columnCount, limits.maxFieldLength, headerKeys);
    if (verdict?.kind === 'blank') continue;
    if (verdict?.kind === 'skip') {
      skippedRowCount++;
      if (skippedRows.length < MAX_LISTED_BAD_ROWS) skippedRows.push({ line: row.line, reason: verdict.reason });
      continue;
    }
    if (verdict) {
      addBad(row.line, verdict.reason);
      continue;
    }
    const externalId = readExternalId(row, mapping)!;
    const seenOn = seenIds.get(externalId);
    if (seenOn !== undefined) {
      addBad(row.line, `external id "${externalId}" is already used on line ${seenOn}`);
      continue;
    }
    seenIds.set(externalId, row.line);
    records.push(toRecord(row, mapping, externalId, opts.defaultType ?? null, warn));
  }
  if (warningCount > warnings.length) warnings.push(`and ${warningCount - warnings.length} more warnings`);

  return {
    records,
    report: {
      fileName: opts.fileName,
      encoding,
      delimiter,
      rows: dataRowCount,
      records: records.length,
      columns: columnCount,
      headers: mapping.headers,
      mapping: mapping.byField,
      explicitFields: mapping.explicitFields,
      ignoredColumns: mapping.ignored,
      badRows,
      badRowCount,
      warnings,
      headerLine: header.line,
      skippedRows,
      skippedRowCount,
    },
  };
}

/** The id cell without the marks Excel exports leave on it (="00123", '00123), or null. */
function readExternalId(row: CsvRow, mapping: ResolvedMapping): string | null {
  const value = cell(row.fields[mapping.columns.externalId!]);
  return value === null ? null : cell(unwrapExcelText(value));
}

/** A damaged header makes every row meaningless, so it fails the file rather than one row. */
function checkHeader(header: CsvRow, limits: CsvLimits): void {
  if (header.fieldCount > limits.maxColumns) {
    throw new CsvError(
      `the header row (line ${header.line}) has ${formatCount(header.fieldCount)} columns; the limit is ${limits.maxColumns}. Check the delimiter, or remove unused columns.`,
    );
  }
  if (header.problem?.kind === 'field-too-long') {
    throw new CsvError(
      `column ${header.problem.field + 1} of the header row is ${formatCount(header.problem.length)} characters long; the limit is ${formatCount(limits.maxFieldLength)}.`,
    );
  }
  if (header.problem?.kind === 'text-after-quote') {
    throw new CsvError(`column ${header.problem.field + 1} of the header row has text after its closing quote.`);
  }
  if (header.fields.every((f) => f.trim() === '')) {
    throw new CsvError(`the first row (line ${header.line}) has no column names; the file must start with a header row.`);
  }
}

type RowVerdict = { kind: 'blank' } | { kind: 'skip'; reason: string } | { kind: 'bad'; reason: string };

/**
 * What to do with a data row: null to read it as a person; 'blank' for a row of empty cells;
 * 'skip' for a line that describes nobody (a total, a section title…, see report-layout.ts);
 * 'bad' with a plain-language reason for a row that should have been a person and cannot be.
 */
function checkRow(
  row: CsvRow,
  mapping: ResolvedMapping,
  columnCount: number,
  maxFieldLength: number,
  headerKeys: string[],
): RowVerdict | null {
  const bad = (reason: string): RowVerdict => ({ kind: 'bad', reason });
  const columnName = (index: number): string => mapping.headers[index] ?? `column ${index + 1}`;
  if (row.problem?.kind === 'field-too-long') {
    return bad(`the "${columnName(row.problem.field)}" value is ${formatCount(row.problem.length)} characters long; the limit is ${formatCount(maxFieldLength)}`);
  }
  if (row.problem?.kind === 'text-after-quote') {
    return bad(`the "${columnName(row.problem.field)}" value has text after its closing quote (a quote inside a value must be doubled: "")`);
  }
  // Spreadsheets export fully empty rows as ",,,,"; they describe nobody.
  if (row.fieldCount <= row.fields.length && row.fields.every(isBlank)) return { kind: 'blank' };
  if (row.fieldCount <= row.fields.length) {
    const skip = skipReason(row, mapping, headerKeys);
    if (skip) return { kind: 'skip', reason: skip };
  }
  if (row.fieldCount !== columnCount) {
    // A trailing delimiter on some rows only adds empty fields at the end: harmless.
    const extrasEmpty =
      row.fieldCount > columnCount &&
      row.fieldCount <= row.fields.length &&
      row.fields.slice(columnCount).every(isBlank);
    if (!extrasEmpty) return bad(`${formatCount(row.fieldCount)} fields, expected ${columnCount}`);
  }
  const id = readExternalId(row, mapping);
  if (id === null) return bad(`no external id (the "${mapping.byField.externalId}" column is empty)`);
  if (isExcelScientific(id)) {
    // Rounded ids collide and name the wrong people: never guess the lost digits.
    return bad(`the external id "${id}" is a number Excel rounded into scientific notation; format the "${mapping.byField.externalId}" column as text and export again`);
  }
  const limit = fieldLimitProblem(row, mapping, columnName);
  return limit === null ? null : bad(limit);
}

/**
 * The sync engine refuses a record whose fields pass its limits (sync/record-shape.ts); a row
 * that would be refused is reported here, with its line, instead of importing and then showing
 * up in the activity log as unusable. Only mapped columns count: an unmapped notes column may
 * hold what it likes.
 */
function fieldLimitProblem(row: CsvRow, mapping: ResolvedMapping, columnName: (index: number) => string): string | null {
  for (const [field, index] of Object.entries(mapping.columns) as [CsvField, number][]) {
    const value = cell(row.fields[index]);
    if (value === null) continue;
    if (field === 'tags') {
      const tags = splitTags(value);
      if (tags.length > MAX_TAGS) return `the "${columnName(index)}" value has ${formatCount(tags.length)} tags; the limit is ${MAX_TAGS}`;
      const long = tags.find((t) => t.length > MAX_FIELD_CHARS);
      if (long) return `a tag in the "${columnName(index)}" value is ${formatCount(long.length)} characters long; the limit is ${formatCount(MAX_FIELD_CHARS)}`;
    } else if (value.length > MAX_FIELD_CHARS) {
      return `the "${columnName(index)}" value is ${formatCount(value.length)} characters long; the limit is ${formatCount(MAX_FIELD_CHARS)}`;
    }
  }
  return null;
}

function isBlank(value: string): boolean {
  return !/\S/.test(value);
}

function toRecord(
  row: CsvRow,
  mapping: ResolvedMapping,
  externalId: string,
  defaultType: PersonType | null,
  warn: (message: string) => void,
): SourceRecord {
  const { columns, headers } = mapping;
  const get = (field: CsvField): string | null => {
    const index = columns[field];
    return index === undefined ? null : cell(row.fields[index]);
  };

  let firstName = get('firstName');
  let lastName = get('lastName');
  const fullName = get('fullName');
  if (firstName === null && lastName === null && fullName !== null) {
    ({ firstName, lastName } = splitFullName(fullName));
  }

  let type = defaultType;
  const typeCell = get('type');
  if (typeCell !== null) {
    const known = readPersonType(typeCell);
    if (known) type = known;
    else warn(`line ${row.line}: type "${typeCell}" is not one of resident, staff, visitor, member; used ${defaultType ?? 'the site default'}`);
  }

  const email = pickEmail(get('email'));
  const phone = pickPhone(get('phone'));
  if (phone.note) warn(`line ${row.line}: ${phone.note}`);
  const unitCell = get('unit');

  const tagsCell = get('tags');
  const raw: Record<string, string> = {};
  for (let i = 0; i < headers.length; i++) {
    // A hostile "__proto__" header must stay an ordinary column, not change raw's prototype.
    if (headers[i] === '__proto__') {
      Object.defineProperty(raw, '__proto__', { value: row.fields[i] ?? '', enumerable: true, writable: true, configurable: true });
    } else {
      raw[headers[i]] = row.fields[i] ?? '';
    }
  }

  return {
    externalId,
    firstName,
    lastName,
    email: email.value,
    phone: phone.value,
    unit: unitCell === null ? null : cell(unwrapExcelText(unitCell)),
    status: get('status'),
    type,
    ...(tagsCell !== null ? { tags: splitTags(tagsCell) } : {}),
    // Without a property column the file belongs wholly to the site it is imported into.
    ...(columns.siteKey !== undefined ? { siteKey: get('siteKey') } : {}),
    raw,
  };
}
