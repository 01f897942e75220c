import type Database from 'better-sqlite3';
import type { AlertRow } from '../alerts/alert-queries';
import type { AlertDto, AlertStatus, AlertType } from '../../contract/dto';
import { RESOLUTIONS_BY_TYPE } from '../../contract/calls/decisions';
import type {
  AlertReviewRow,
  DecisionDto,
  DecisionStatus,
  OpStatus,
  OutboxOpDto,
  PendingCount,
} from '../../contract/calls/decisions';
import { ALERT_RESOLUTION_ORDER } from '../alerts/alert-detail';
import { likePattern, parseJson } from '../sql-helpers';
import { describeOp } from './plan-resolution';

interface DecisionRow {
  seq: number;
  id: string;
  site_id: string;
  alert_id: string | null;
  alert_type: AlertType;
  fingerprint: string;
  person_id: string | null;
  person_name: string;
  resolution: DecisionDto['resolution'];
  options: string;
  actor: string;
  decided_at: string;
  basis: string;
  task: string | null;
  status: DecisionStatus;
  error: string | null;
  finished_at: string | null;
}

export interface OpRow {
  seq: number;
  id: string;
  decision_id: string;
  op_index: number;
  site_id: string;
  access_system_id: string;
  access_system_name: string | null;
  person_key: string;
  kind: OutboxOpDto['kind'];
  remote_id: string | null;
  base_version: string | null;
  payload: string;
  idempotency_key: string;
  status: OpStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  result: string | null;
  interrupted: number;
  sent_at: string | null;
  finished_at: string | null;
  alert_id: string | null;
  person_id: string | null;
  person_name: string;
}

export const OP_SELECT = `SELECT o.*, s.name AS access_system_name, d.alert_id, d.person_id, d.person_name
  FROM outbox_op o JOIN decision d ON d.id = o.decision_id LEFT JOIN access_system s ON s.id = o.access_system_id`;

export function opToDto(r: OpRow): OutboxOpDto {
  const payload = parseJson<Record<string, unknown>>(r.payload, {});
  const accessSystemName = r.access_system_name ?? 'the access system';
  return {
    id: r.id,
    decisionId: r.decision_id,
    alertId: r.alert_id,
    siteId: r.site_id,
    personId: r.person_id,
    personName: r.person_name,
    index: r.op_index,
    kind: r.kind,
    accessSystemId: r.access_system_id,
    accessSystemName,
    remoteId: r.remote_id,
    baseVersion: r.base_version,
    payload,
    idempotencyKey: r.idempotency_key,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    description: describeOp({ kind: r.kind, accessSystemName, remoteId: r.remote_id, payload }),
    sentAt: r.sent_at,
    finishedAt: r.finished_at,
  };
}

function toDto(r: DecisionRow, ops: OutboxOpDto[]): DecisionDto {
  return {
    id: r.id,
    siteId: r.site_id,
    alertId: r.alert_id,
    alertType: r.alert_type,
    fingerprint: r.fingerprint,
    personId: r.person_id,
    personName: r.person_name,
    resolution: r.resolution,
    options: parseJson(r.options, {}),
    actor: r.actor,
    decidedAt: r.decided_at,
    status: r.status,
    basis: parseJson(r.basis, []),
    task: parseJson(r.task, null),
    error: r.error,
    finishedAt: r.finished_at,
    ops,
  };
}

/**
 * Fix-at-source tasks end when their alert does: a pass that no longer sees the condition closes
 * the alert as resolved at source. Done lazily, whenever decisions are read.
 */
export function settleTasks(sqlite: Database.Database, at: string): number {
  return sqlite
    .prepare(
      `UPDATE decision SET status = 'done', finished_at = @at
        WHERE status = 'awaiting_source'
          AND (alert_id IS NULL OR EXISTS (SELECT 1 FROM alert a WHERE a.id = decision.alert_id AND a.status <> 'open'))`,
    )
    .run({ at }).changes;
}

export function listDecisions(
  sqlite: Database.Database,
  input: { siteId?: string; personId?: string; alertId?: string; status?: DecisionStatus; before?: number; limit: number },
): { total: number; rows: DecisionDto[]; nextBefore: number | null } {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [col, v] of [
    ['site_id', input.siteId],
    ['person_id', input.personId],
    ['alert_id', input.alertId],
    ['status', input.status],
  ] as const) {
    if (v) {
      parts.push(`${col} = ?`);
      params.push(v);
    }
  }
  const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  const total = sqlite.prepare(`SELECT count(*) FROM decision ${where}`).pluck().get(...params) as number;
  const pageWhere = input.before ? `${where ? `${where} AND` : 'WHERE'} seq < ?` : where;
  const rows = sqlite
    .prepare<unknown[], DecisionRow>(`SELECT * FROM decision ${pageWhere} ORDER BY seq DESC LIMIT ?`)
    .all(...params, ...(input.before ? [input.before] : []), input.limit);
  const ops = opsOf(sqlite, rows.map((r) => r.id));
  return {
    total,
    rows: rows.map((r) => toDto(r, ops.get(r.id) ?? [])),
    nextBefore: rows.length === input.limit ? rows[rows.length - 1].seq : null,
  };
}

function opsOf(sqlite: Database.Database, decisionIds: string[]): Map<string, OutboxOpDto[]> {
  const out = new Map<string, OutboxOpDto[]>();
  if (decisionIds.length === 0) return out;
  const stmt = sqlite.prepare<[string], OpRow>(`${OP_SELECT} WHERE o.decision_id = ? ORDER BY o.op_index`);
  for (const id of decisionIds) out.set(id, stmt.all(id).map(opToDto));
  return out;
}

export function getDecision(sqlite: Database.Database, decisionId: string): DecisionDto | null {
  const row = sqlite.prepare<[string], DecisionRow>(`SELECT * FROM decision WHERE id = ?`).get(decisionId);
  return row ? toDto(row, opsOf(sqlite, [row.id]).get(row.id) ?? []) : null;
}

export function listOps(
  sqlite: Database.Database,
  input: { siteId?: string; decisionId?: string; status?: OpStatus; limit: number },
): OutboxOpDto[] {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (input.siteId) {
    parts.push('o.site_id = ?');
    params.push(input.siteId);
  }
  if (input.decisionId) {
    parts.push('o.decision_id = ?');
    params.push(input.decisionId);
  }
  if (input.status) {
    parts.push('o.status = ?');
    params.push(input.status);
  }
  const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  return sqlite
    .prepare<unknown[], OpRow>(`${OP_SELECT} ${where} ORDER BY d.seq, o.op_index LIMIT ?`)
    .all(...params, input.limit)
    .map(opToDto);
}

export function pendingCount(sqlite: Database.Database, input: { siteId?: string; personId?: string }): PendingCount {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (input.siteId) {
    parts.push('site_id = ?');
    params.push(input.siteId);
  }
  if (input.personId) {
    parts.push('person_id = ?');
    params.push(input.personId);
  }
  const and = parts.length ? `AND ${parts.join(' AND ')}` : '';
  const pending = sqlite.prepare(`SELECT count(*) FROM decision WHERE status = 'pending' ${and}`).pluck().get(...params) as number;
  const tasks = sqlite.prepare(`SELECT count(*) FROM decision WHERE status = 'awaiting_source' ${and}`).pluck().get(...params) as number;
  const byPerson: Record<string, number> = {};
  for (const r of sqlite
    .prepare<unknown[], { person_id: string; n: number }>(
      `SELECT person_id, count(*) AS n FROM decision WHERE status = 'pending' AND person_id IS NOT NULL ${and} GROUP BY person_id`,
    )
    .all(...params)) {
    byPerson[r.person_id] = r.n;
  }
  return { pending, tasks, byPerson };
}

const TYPE_RANK = `CASE a.type ${ALERT_RESOLUTION_ORDER.map((t, i) => `WHEN '${t}' THEN ${i}`).join(' ')} ELSE ${ALERT_RESOLUTION_ORDER.length} END`;

interface ReviewRow extends AlertRow {
  d_id: string | null;
  d_resolution: DecisionDto['resolution'] | null;
  d_status: DecisionStatus | null;
  d_actor: string | null;
  d_decided_at: string | null;
  d_task: string | null;
  d_error: string | null;
}

/** Alerts for bulk review: filters in SQL, the latest decision joined in, resolution order kept. */
export function queryAlerts(
  sqlite: Database.Database,
  input: {
    siteId: string;
    type?: AlertType;
    olderThanDays?: number;
    text?: string;
    status: AlertStatus | 'all';
    pendingDecision?: boolean;
    limit: number;
  },
  now: Date,
): AlertReviewRow[] {
  const parts = ['a.site_id = ?'];
  const params: unknown[] = [input.siteId];
  // Waiting decisions are few and resolved alerts many: start from the decisions (CROSS JOIN keeps
  // that order in SQLite, through idx_decision_site_status), and keep an alert only while the
  // waiting decision is its latest one (a later decision replaces it).
  const from = input.pendingDecision ? 'decision p CROSS JOIN alert a ON a.id = p.alert_id' : 'alert a';
  if (input.pendingDecision) {
    parts.push('p.site_id = ?', `p.status = 'pending'`, 'd.seq = p.seq');
    params.push(input.siteId);
  }
  if (input.status !== 'all') {
    parts.push('a.status = ?');
    params.push(input.status);
  }
  if (input.type) {
    parts.push('a.type = ?');
    params.push(input.type);
  }
  if (input.olderThanDays !== undefined) {
    parts.push('a.opened_at <= ?');
    params.push(new Date(now.getTime() - input.olderThanDays * 86_400_000).toISOString());
  }
  const text = (input.text ?? '').trim().toLowerCase();
  if (text) {
    // The detail holds both sides' names, emails and ids, so one LIKE finds a person either way.
    parts.push(`(lower(a.title) LIKE ? ESCAPE '\\' OR lower(a.detail) LIKE ? ESCAPE '\\' OR lower(a.fingerprint) LIKE ? ESCAPE '\\')`);
    const like = likePattern(text);
    params.push(like, like, like);
  }
  const rows = sqlite
    .prepare<unknown[], ReviewRow>(
      `SELECT a.id, a.site_id, a.type, a.fingerprint, a.status, a.title, a.person_ids, a.detail, a.opened_at, a.updated_at,
              d.id AS d_id, d.resolution AS d_resolution, d.status AS d_status, d.actor AS d_actor, d.decided_at AS d_decided_at,
              d.task AS d_task, d.error AS d_error
         FROM ${from}
         LEFT JOIN decision d ON d.seq = (SELECT max(seq) FROM decision WHERE alert_id = a.id)
        WHERE ${parts.join(' AND ')}
        ORDER BY ${TYPE_RANK}, a.opened_at, a.title, a.fingerprint
        LIMIT ?`,
    )
    .all(...params, input.limit);
  return rows.map((r) => {
    const alert: AlertDto = {
      id: r.id,
      siteId: r.site_id,
      type: r.type,
      fingerprint: r.fingerprint,
      status: r.status,
      title: r.title,
      personIds: parseJson<string[]>(r.person_ids, []),
      detail: parseJson<Record<string, unknown>>(r.detail, {}),
      openedAt: r.opened_at,
      updatedAt: r.updated_at,
    };
    return {
      ...alert,
      resolutions: [...(RESOLUTIONS_BY_TYPE[r.type] ?? [])],
      decision: r.d_id
        ? {
            id: r.d_id,
            resolution: r.d_resolution!,
            status: r.d_status!,
            actor: r.d_actor!,
            decidedAt: r.d_decided_at!,
            task: parseJson(r.d_task, null),
            error: r.d_error,
          }
        : null,
    };
  });
}
