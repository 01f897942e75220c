import type Database from 'better-sqlite3';
import type { Outcome } from '../../contract/dto';
import { ActivityScan } from './activity-stream';

const HEADERS = ['time', 'outcome', 'person', 'external id', 'source', 'reason code', 'reason', 'run id', 'person id'];

/**
 * A cell as spreadsheet programs will read it safely: quoted when needed, and a value that
 * starts like a formula is prefixed with an apostrophe so opening the export can never run it.
 * "Like a formula": =, +, -, @, a tab or line break before anything else, and the full-width
 * forms of the four signs, which spreadsheets in East Asian locales also take as a formula
 * start. Source data is untrusted; the export must not become an attack.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The same entries as the list with the same filter, all of them, newest first (batch entries expanded). */
export function exportActivityCsv(
  sqlite: Database.Database,
  input: { siteId: string; query?: string; outcome?: Outcome },
  now: Date,
): { fileName: string; csv: string; rows: number } {
  const lines = [HEADERS.join(',')];
  let rows = 0;
  for (const r of new ActivityScan(sqlite, input).rows()) {
    lines.push([r.at, r.outcome, r.personName, r.externalId, r.sourceName, r.reasonCode, r.reason, r.runId, r.personId].map(csvCell).join(','));
    rows++;
  }
  const stamp = now.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  return { fileName: `rollcall-activity-${stamp}.csv`, csv: `${lines.join('\r\n')}\r\n`, rows };
}
