import type Database from 'better-sqlite3';
import type { AuditEntryDto } from '../../contract/calls/decisions';
import { csvCell } from '../activity/activity-export';
import { parseJson } from '../sql-helpers';
import type { ChangeRow } from './change-audit';

/**
 * The audit trail: every decision, every upstream write and every change made by hand (settings,
 * connections, people; see change-audit.ts), who did it, when, what and with what result. Rows are
 * only ever appended; nothing in the app edits or deletes them.
 */

export interface AuditWrite {
  siteId: string | null;
  at: string;
  actor: string;
  kind: AuditEntryDto['kind'];
  action: string;
  personId?: string | null;
  personName?: string;
  alertId?: string | null;
  decisionId?: string | null;
  opId?: string | null;
  target?: string | null;
  result: string;
  message?: string | null;
  detail?: Record<string, unknown> | null;
}

export type AuditWriter = (entry: AuditWrite) => void;

/** A prepared writer: callers use it inside their own transactions, so audit and change commit together. */
export function auditWriter(sqlite: Database.Database): AuditWriter {
  const stmt = sqlite.prepare(
    `INSERT INTO audit_entry (site_id, at, actor, kind, action, person_id, person_name, alert_id, decision_id, op_id, target, result, message, detail)
     VALUES (@siteId, @at, @actor, @kind, @action, @personId, @personName, @alertId, @decisionId, @opId, @target, @result, @message, @detail)`,
  );
  return (e) => {
    stmt.run({
      siteId: e.siteId,
      at: e.at,
      actor: e.actor,
      kind: e.kind,
      action: e.action,
      personId: e.personId ?? null,
      personName: e.personName ?? '',
      alertId: e.alertId ?? null,
      decisionId: e.decisionId ?? null,
      opId: e.opId ?? null,
      target: e.target ?? null,
      result: e.result,
      message: e.message ?? null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
    });
  };
}

interface AuditRow {
  id: number;
  site_id: string | null;
  at: string;
  actor: string;
  kind: AuditEntryDto['kind'];
  action: string;
  person_id: string | null;
  person_name: string;
  alert_id: string | null;
  decision_id: string | null;
  op_id: string | null;
  target: string | null;
  result: string;
  message: string | null;
  detail: string | null;
}

function toDto(r: AuditRow): AuditEntryDto {
  return {
    id: r.id,
    siteId: r.site_id,
    at: r.at,
    actor: r.actor,
    kind: r.kind,
    action: r.action,
    personId: r.person_id,
    personName: r.person_name,
    alertId: r.alert_id,
    decisionId: r.decision_id,
    opId: r.op_id,
    target: r.target,
    result: r.result,
    message: r.message,
    detail: parseJson<Record<string, unknown> | null>(r.detail, null),
  };
}

export interface AuditFilter {
  siteId?: string;
  personId?: string;
}

function where(filter: AuditFilter, before?: number): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.siteId) {
    // App-wide entries (work offline, the demo removed) belong to no site: every site's trail shows them.
    parts.push('(site_id = ? OR site_id IS NULL)');
    params.push(filter.siteId);
  }
  if (filter.personId) {
    parts.push('person_id = ?');
    params.push(filter.personId);
  }
  if (before) {
    parts.push('id < ?');
    params.push(before);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export function listAudit(
  sqlite: Database.Database,
  input: AuditFilter & { before?: number; limit: number },
): { total: number; rows: AuditEntryDto[]; nextBefore: number | null } {
  const all = where(input);
  const total = sqlite.prepare(`SELECT count(*) FROM audit_entry ${all.sql}`).pluck().get(...all.params) as number;
  const page = where(input, input.before);
  const rows = sqlite
    .prepare<unknown[], AuditRow>(`SELECT * FROM audit_entry ${page.sql} ORDER BY id DESC LIMIT ?`)
    .all(...page.params, input.limit)
    .map(toDto);
  const nextBefore = rows.length === input.limit ? rows[rows.length - 1].id : null;
  return { total, rows, nextBefore };
}

/** A change entry's settings, before → after, as one line of text; secrets by label only. */
export function changesText(detail: Record<string, unknown> | null): string {
  const rows = Array.isArray(detail?.changes) ? (detail.changes as ChangeRow[]) : [];
  const parts = rows.map((r) => ('from' in r || 'to' in r ? `${r.label}: ${r.from ?? 'empty'} → ${r.to ?? 'empty'}` : r.label));
  const secrets = Array.isArray(detail?.secretsChanged) ? (detail.secretsChanged as string[]) : [];
  if (secrets.length) parts.push(`secrets changed: ${secrets.join(', ')}`);
  return parts.join('; ');
}

// "changes" comes last so readers of the older columns still find them where they were.
const HEADERS = ['time', 'actor', 'kind', 'action', 'person', 'target', 'result', 'message', 'person id', 'alert id', 'decision id', 'operation id', 'site id', 'changes'];

export function exportAuditCsv(sqlite: Database.Database, filter: AuditFilter, now: Date): { fileName: string; csv: string; rows: number } {
  const w = where(filter);
  const lines = [HEADERS.join(',')];
  let rows = 0;
  for (const r of sqlite.prepare<unknown[], AuditRow>(`SELECT * FROM audit_entry ${w.sql} ORDER BY id DESC`).iterate(...w.params)) {
    lines.push(
      [r.at, r.actor, r.kind, r.action, r.person_name, r.target, r.result, r.message, r.person_id, r.alert_id, r.decision_id, r.op_id, r.site_id, changesText(parseJson(r.detail, null))]
        .map(csvCell)
        .join(','),
    );
    rows++;
  }
  const stamp = now.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  return { fileName: `rollcall-audit-${stamp}.csv`, csv: `${lines.join('\r\n')}\r\n`, rows };
}
