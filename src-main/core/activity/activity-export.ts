import type Database from 'better-sqlite3';
import type { Outcome } from '../../contract/dto';
import { activityFilter } from './activity-queries';

const HEADERS = ['time', 'outcome', 'person', 'external id', 'source', 'reason code', 'reason', 'run id', 'person id'];

/**
 * A cell as spreadsheet programs will read it safely: quoted when needed, and a value that
 * starts like a formula (=, +, -, @, tab, CR) is prefixed with an apostrophe so opening the
 * export can never run it. Source data is untrusted; the export must not become an attack.
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function exportActivityCsv(
  sqlite: Database.Database,
  input: { siteId: string; query?: string; outcome?: Outcome },
  now: Date,
): { fileName: string; csv: string; rows: number } {
  const { sql: filter, params } = activityFilter(input);
  const lines = [HEADERS.join(',')];
  let rows = 0;
  const stmt = sqlite.prepare(
    `SELECT e.at, e.outcome, e.person_name, e.external_id, sc.name AS source_name, e.reason_code, e.reason, e.run_id, e.person_id
     FROM activity_entry e LEFT JOIN source_connection sc ON sc.id = e.source_connection_id
     WHERE ${filter} ORDER BY e.id DESC`,
  );
  for (const r of stmt.iterate(...params) as Iterable<Record<string, unknown>>) {
    lines.push(
      [r.at, r.outcome, r.person_name, r.external_id, r.source_name, r.reason_code, r.reason, r.run_id, r.person_id].map(csvCell).join(','),
    );
    rows++;
  }
  const stamp = now.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  return { fileName: `rollcall-activity-${stamp}.csv`, csv: `${lines.join('\r\n')}\r\n`, rows };
}
