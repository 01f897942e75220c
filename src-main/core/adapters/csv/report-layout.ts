/**
 * Reports, not tables: what PMS and member-system exports put around the rows of people.
 *
 * - Above the header: a report title ("Tenant Directory"), the property, "As of 11/23/2026",
 *   blank lines. The header is the first row that the column guess (or the explicit mapping) can
 *   use: one with a column that identifies people. Rows with two or more names win over a lone
 *   word, so a title such as "Resident ID Report" is not taken for a one-column header.
 * - A header split over two rows (Yardi's rent roll: "Market" above "Rent", "Lease" above
 *   "Expiration") is joined when the second row holds only short words under named columns.
 * - Below and between the people: "Total" and summary lines, section titles ("Current/Notice/Vacant
 *   Residents"), charge lines that continue the row above, vacant units, a header repeated after a
 *   page break. These describe nobody, so they are skipped and listed, not counted as bad rows.
 *   A row that does name someone (a name, an email or a phone) but has no id is still a bad row.
 */
import { type ColumnMappingInput, headerKey, resolveColumnMapping, type ResolvedMapping } from './column-mapping';
import type { CsvLimits, CsvRow } from './parse-csv';

/** Lines read while looking for the header; titles and dates above it are a handful of lines. */
export const HEADER_SCAN_ROWS = 30;

const isFilled = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

function filledCount(row: CsvRow): number {
  let n = 0;
  for (const f of row.fields) if (isFilled(f)) n++;
  return n;
}

function usableMapping(fields: string[], explicit: ColumnMappingInput | undefined): boolean {
  try {
    resolveColumnMapping(fields, explicit);
    return true;
  } catch {
    return false;
  }
}

/**
 * Index in `rows` of the header: the first row with at least two names that identifies people,
 * else the first single-column row that does (a file of ids only), else 0 (whose mapping error
 * then names the headers found).
 */
export function findHeaderRow(rows: CsvRow[], explicit: ColumnMappingInput | undefined, limits: CsvLimits): number {
  let single = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row.problem || row.fieldCount > limits.maxColumns) continue;
    const filled = filledCount(row);
    if (filled === 0 || !usableMapping(row.fields, explicit)) continue;
    if (filled >= 2) return i;
    if (single < 0) single = i;
  }
  return single >= 0 ? single : 0;
}

const PERSON_FIELDS = ['fullName', 'firstName', 'lastName', 'email', 'phone'] as const;

/**
 * Whether `row` (just under the header) is the second line of a two-row header: no id, nothing
 * under the name and contact columns, at least two short words with no digits or "@", each under
 * a named column. A lone section title ("Current Residents") is not one.
 */
export function isHeaderContinuation(row: CsvRow, header: CsvRow, mapping: ResolvedMapping): boolean {
  if (row.problem || row.fieldCount > header.fieldCount) return false;
  const { columns } = mapping;
  if (isFilled(row.fields[columns.externalId!])) return false;
  for (const field of PERSON_FIELDS) {
    const index = columns[field];
    if (index !== undefined && isFilled(row.fields[index])) return false;
  }
  let words = 0;
  for (let i = 0; i < row.fields.length; i++) {
    const value = row.fields[i];
    if (!isFilled(value)) continue;
    if (!isFilled(header.fields[i]) || value.length > 40 || /[\d@]/.test(value)) return false;
    words++;
  }
  return words >= 2;
}

/** "Unit" over "Sq Ft" becomes "Unit Sq Ft"; columns without a second line keep their name. */
export function joinHeaderRows(header: CsvRow, continuation: CsvRow): string[] {
  return header.fields.map((name, i) => {
    const more = continuation.fields[i]?.trim() ?? '';
    return more === '' ? name : `${name.trim()} ${more}`;
  });
}

/** First cells of totals and report footers. */
const SUMMARY_LINE =
  /^(?:grand\s+|sub\s*-?\s*|property\s+|report\s+|page\s+)?totals?\b|^summary\b|^(?:record\s+)?count\b|^\d+\s+(?:records?|rows?|residents?|tenants?|members?|clients?|people|persons?|units?)\b|^(?:report\s+)?(?:generated|printed|created|run)\s+(?:on|at|by)\b|^page\s+\d+|^end\s+of\s+report\b/i;

const VACANT = /^\W*vacant\W*$/i;

/**
 * The start of a first cell, as SUMMARY_LINE reads it: its words lie in the first few dozen
 * characters, and with runs of spaces made single the pattern's optional spaces around "sub-"
 * cannot share out a long run every possible way (a 9,000-space cell took ~0.1 s per row).
 */
function summaryHead(cell: string): string {
  return cell.slice(0, 200).replace(/\s+/g, ' ');
}

/**
 * Why a data row describes nobody and can be skipped (plain language, for the report), or null
 * when it must be read as a person (and, if it cannot, reported as bad). `headerKeys` are the
 * header's cells as headerKey() folds them, to recognise a header repeated after a page break.
 */
export function skipReason(row: CsvRow, mapping: ResolvedMapping, headerKeys: string[]): string | null {
  const { columns } = mapping;
  const { fields } = row;
  const idIndex = columns.externalId!;
  const id = fields[idIndex]?.trim() ?? '';
  let firstIndex = -1;
  let filledCount = 0;
  for (let i = 0; i < fields.length; i++) {
    if (!isFilled(fields[i])) continue;
    if (firstIndex < 0) firstIndex = i;
    filledCount++;
  }
  if (firstIndex < 0) return null;
  const first = fields[firstIndex].trim();

  // Checked only when the first value reads like its header, so ordinary rows stay cheap.
  if (headerKey(first) === headerKeys[firstIndex] && fields.every((f, i) => !isFilled(f) || headerKey(f) === headerKeys[i])) {
    return 'the header repeated (a page break in the export)';
  }
  const value = (field: (typeof PERSON_FIELDS)[number]) => {
    const index = columns[field];
    return index === undefined ? '' : (fields[index]?.trim() ?? '');
  };
  const names = [value('fullName'), value('firstName'), value('lastName')].filter((v) => v !== '');
  const contact = value('email') !== '' || value('phone') !== '';
  // "Total" first and nobody named after it ("Total Fitness, Ana Cruz" is a person's row); the
  // word itself may sit in the name column.
  const namedAfter = names.length > (PERSON_FIELDS.some((f) => columns[f] === firstIndex) ? 1 : 0);
  if ((id === '' || firstIndex === idIndex) && !namedAfter && !contact && SUMMARY_LINE.test(summaryHead(first))) {
    return `a summary line ("${clip(first)}")`;
  }
  // A section title that landed in the id column ("Current Residents"): ids have no spaces, and a
  // person's row has more than one value. An id alone ("12345") is still read as a person.
  if (filledCount === 1 && firstIndex === idIndex && /\s/.test(first)) return `a title or note line ("${clip(first)}")`;
  if (id !== '') return null;

  if (!contact && names.length > 0 && names.every((n) => VACANT.test(n))) return 'a vacant unit';
  if (names.length > 0 || contact) return null;
  if (filledCount === 1) return `a title or note line ("${clip(first)}")`;
  return 'no id, name, email or phone on this row (a continuation or section line)';
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
