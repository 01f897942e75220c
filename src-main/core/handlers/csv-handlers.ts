import type { Handlers } from '../../contract/rpc';
import { CSV_IMPORT_MAX_BYTES } from '../../contract/dto';
import type { CsvFieldOption, CsvInspectDto, CsvReportDto, CsvSampleRecord } from '../../contract/dto';
import { ApiError } from '../../contract/errors';
import { createCsvSource, CSV_FIELDS, describeDelimiter, describeEncoding } from '../adapters/csv';
import type { CsvField, CsvReport } from '../adapters/csv';
import { UpstreamError } from '../adapters/types';
import type { SourceRecord } from '../adapters/types';
import { importCsv } from '../csv-import';
import { callActor, requireSite } from './core-context';
import type { CoreContext } from './core-context';
import { settingsView } from './settings-handlers';

/** How many records csv.inspect shows "as Rollcall reads them". */
export const CSV_SAMPLE_SIZE = 20;

const FIELD_LABELS: Record<CsvField, string> = {
  externalId: 'Person ID (required)',
  firstName: 'First name',
  lastName: 'Last name',
  fullName: 'Full name (split into first and last)',
  email: 'Email',
  phone: 'Phone',
  unit: 'Unit',
  status: 'Status',
  type: 'Person type',
  siteKey: 'Property or site code',
  tags: 'Tags',
};

export const CSV_FIELD_OPTIONS: CsvFieldOption[] = CSV_FIELDS.map((field) => ({
  field,
  label: FIELD_LABELS[field],
  required: field === 'externalId',
}));

/** The zod schema bounds the base64 text; this checks the decoded file, whatever padding it had. */
function decodeContent(content: string): Buffer {
  const bytes = Buffer.from(content, 'base64');
  if (bytes.length > CSV_IMPORT_MAX_BYTES) {
    throw new ApiError('invalid_input', `The file is larger than ${CSV_IMPORT_MAX_BYTES / 1024 / 1024} MB. Split it into smaller files and import them one at a time.`);
  }
  return bytes;
}

export function toReportDto(report: CsvReport): CsvReportDto {
  return {
    fileName: report.fileName,
    encoding: report.encoding,
    encodingLabel: describeEncoding(report.encoding),
    delimiter: report.delimiter,
    delimiterLabel: describeDelimiter(report.delimiter),
    headerLine: report.headerLine,
    rows: report.rows,
    records: report.records,
    columns: report.columns,
    headers: report.headers,
    mapping: report.mapping,
    explicitFields: report.explicitFields,
    ignoredColumns: report.ignoredColumns,
    badRows: report.badRows.map(({ line, reason }) => ({ line, reason })),
    badRowCount: report.badRowCount,
    skippedRows: report.skippedRows.map(({ line, reason }) => ({ line, reason })),
    skippedRowCount: report.skippedRowCount,
    warnings: report.warnings,
  };
}

function toSample(r: SourceRecord): CsvSampleRecord {
  return {
    externalId: r.externalId,
    firstName: r.firstName ?? null,
    lastName: r.lastName ?? null,
    email: r.email ?? null,
    phone: r.phone ?? null,
    unit: r.unit ?? null,
    status: r.status ?? null,
  };
}

/** The CLI's wording names a flag; the console offers a checkbox instead. */
function consoleWording(warning: string): string {
  return warning.replace(' or pass --enable-integrations', ', or tick "Turn integrations on for this site"');
}

export function csvHandlers(ctx: CoreContext): Pick<Handlers, 'csv.inspect' | 'csv.import'> {
  return {
    'csv.inspect': async (input) => {
      requireSite(ctx, input.siteId);
      const bytes = decodeContent(input.content);
      // Bad rows are allowed here so the first records can be shown next to the list of bad lines;
      // whether they block the import is decided by csv.import's own switch.
      const source = createCsvSource({ bytes, fileName: input.fileName, mapping: input.mapping, allowBadRows: true, pageSize: CSV_SAMPLE_SIZE });
      let sample: SourceRecord[] = [];
      try {
        for await (const page of source.list()) {
          sample = page;
          break;
        }
      } catch (err) {
        // File-level problems (no header, a mapping naming a missing column…) come as UpstreamError, in plain words.
        if (err instanceof UpstreamError) throw new ApiError('invalid_input', err.message);
        throw err;
      }
      const dto: CsvInspectDto = {
        ...toReportDto(source.report()),
        sample: sample.map(toSample),
        fields: CSV_FIELD_OPTIONS,
        integrationsEnabled: settingsView(ctx, input.siteId).settings.integrationsEnabled,
      };
      return dto;
    },

    'csv.import': async (input, call) => {
      requireSite(ctx, input.siteId);
      // The import audits itself (applied, held or failed; never a dry run) with this call's actor.
      const result = await importCsv(ctx, {
        siteId: input.siteId,
        fileName: input.fileName,
        bytes: decodeContent(input.content),
        mapping: input.mapping,
        allowBadRows: input.allowBadRows,
        dryRun: input.dryRun,
        enableIntegrations: input.enableIntegrations,
        trigger: 'manual',
        actor: callActor(ctx, call),
      });
      return {
        report: toReportDto(result.report),
        run: result.run,
        warnings: result.warnings.map(consoleWording),
        sourceConnectionId: result.sourceConnectionId,
        fileCounts: result.fileCounts,
      };
    },
  };
}
