/** The CSV source's public surface; see csv-source.ts for how a file is read and why bad rows stop it. */
export { createCsvSource, formatBadRow, DEFAULT_CSV_SOURCE_LIMITS } from './csv-source';
export type { CsvBadRow, CsvReport, CsvSource, CsvSourceLimits, CsvSourceOptions } from './csv-source';
export { CSV_FIELDS, contactRank, guessColumnMapping, parseMappingString, resolveColumnMapping } from './column-mapping';
export type { ColumnMappingInput, CsvField, ResolvedMapping } from './column-mapping';
export { CsvError } from './csv-error';
export { isExcelScientific, pickEmail, pickPhone, unwrapExcelText } from '../contact-cells';
export type { Picked } from '../contact-cells';
export { decodeCsvBytes, describeEncoding } from './decode-text';
export type { CsvEncoding, DecodedText } from './decode-text';
export { CSV_DELIMITERS, detectDelimiter, describeDelimiter, parseCsv, readCsvRows } from './parse-csv';
export type { CsvDelimiter, CsvLimits, CsvRow, ParsedCsv } from './parse-csv';
