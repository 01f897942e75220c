import { randomUUID } from 'node:crypto';
import type { AlertDto } from '../../contract/dto';
import type { DecideManyResult, DecideResult, DecisionOptions, Resolution } from '../../contract/calls/decisions';
import type { OpenDatabase } from '../db/open-database';
import { dismissAlert, getAlert } from '../alerts/alert-queries';
import { auditWriter } from '../audit/audit-log';
import { describeOp, planResolution, PlanError } from './plan-resolution';
import type { PairDetail } from '../alerts/alert-detail';

/**
 * Records decisions. Everything for one call — every decision, its outbox operations, the audit
 * rows and the alerts' new state — is one SQLite transaction: nothing touches the network, so it
 * works offline, and a thousand alerts decided in bulk commit (or fail) together in milliseconds.
 */

export interface DecideInput {
  alertIds: string[];
  resolution: Resolution;
  options: DecisionOptions;
  actor: string;
}

/** The idempotency key of an operation: derived, so a retry after a crash sends the same one. */
export function idempotencyKeyFor(decisionId: string, opIndex: number): string {
  return `rollcall-${decisionId}-${opIndex}`;
}

export function opIdFor(decisionId: string, opIndex: number): string {
  return `${decisionId}_${opIndex}`;
}

/** Whose turn it is: writes for one person go out in order; the person is the source side if known. */
export function personOf(alert: AlertDto): { key: string; personId: string | null; name: string } {
  const d = alert.detail as Partial<PairDetail>;
  const personId = d.source?.personId ?? d.account?.personId ?? alert.personIds[0] ?? null;
  const name = d.source ? [d.source.firstName, d.source.lastName].filter(Boolean).join(' ') : alert.title;
  return { key: personId ?? `alert:${alert.fingerprint}`, personId, name: name || alert.title };
}

/** Drops what a previous decision left on the alert (a conflict note, a task). */
function withoutNotes(detail: Record<string, unknown>, extra?: Record<string, unknown>): string {
  const { review: _review, task: _task, ...rest } = detail;
  return JSON.stringify({ ...rest, ...extra });
}

export function recordDecisions(db: OpenDatabase, input: DecideInput, now: Date): { result: DecideManyResult; siteIds: Set<string> } {
  const sqlite = db.sqlite;
  const at = now.toISOString();
  const audit = auditWriter(sqlite);
  const sourceHash = sqlite.prepare<[string], string | null>('SELECT source_hash FROM person WHERE id = ?').pluck();
  const activeDecision = sqlite.prepare<[string], { id: string; status: string }>(
    `SELECT id, status FROM decision WHERE alert_id = ? AND status IN ('pending', 'awaiting_source') ORDER BY seq DESC LIMIT 1`,
  );
  const supersede = sqlite.prepare(`UPDATE decision SET status = 'cancelled', error = ?, finished_at = ? WHERE id = ?`);
  const insertDecision = sqlite.prepare(
    `INSERT INTO decision (id, site_id, alert_id, alert_type, fingerprint, person_key, person_id, person_name, resolution, options, actor, decided_at, basis, task, status)
     VALUES (@id, @siteId, @alertId, @alertType, @fingerprint, @personKey, @personId, @personName, @resolution, @options, @actor, @at, @basis, @task, @status)`,
  );
  const insertOp = sqlite.prepare(
    `INSERT INTO outbox_op (id, decision_id, op_index, site_id, access_system_id, person_key, kind, remote_id, base_version, payload, idempotency_key, status)
     VALUES (@id, @decisionId, @index, @siteId, @accessSystemId, @personKey, @kind, @remoteId, @baseVersion, @payload, @key, 'pending')`,
  );
  const resolveAlert = sqlite.prepare(
    `UPDATE alert SET status = 'resolved', detail = @detail, updated_at = @at, closed_at = @at WHERE id = @id`,
  );
  const setDetail = sqlite.prepare(`UPDATE alert SET detail = @detail, updated_at = @at WHERE id = @id`);

  const versionOf = (personId: string) => sourceHash.get(personId) ?? null;
  const result: DecideManyResult = { recorded: 0, tasks: 0, dismissed: 0, skipped: 0, errors: 0, results: [] };
  const siteIds = new Set<string>();

  const decideOne = (alertId: string): DecideResult => {
    const fail = (error: string): DecideResult => ({ alertId, ok: false, result: 'error', decisionId: null, error, ops: 0 });
    const alert = getAlert(db, alertId);
    if (!alert) return fail('There is no such alert (it may have been removed).');
    if (input.resolution === 'skip') return { alertId, ok: true, result: 'skipped', decisionId: null, error: null, ops: 0 };
    if (alert.status !== 'open') return fail(`This alert is no longer open (${alert.status.replace(/_/g, ' ')}).`);

    const active = activeDecision.get(alertId);
    if (active?.status === 'pending') {
      return fail('This alert already has a decision waiting to push; withdraw it first to decide again.');
    }

    let plan;
    try {
      plan = planResolution(alert, input.resolution, input.options, versionOf);
    } catch (err) {
      if (err instanceof PlanError) return fail(err.message);
      throw err;
    }
    if (plan.kind === 'skip') return { alertId, ok: true, result: 'skipped', decisionId: null, error: null, ops: 0 };

    // A fix-at-source task can be replaced by another decision (the manager changed their mind).
    if (active) supersede.run('Replaced by a later decision.', at, active.id);

    const decisionId = randomUUID();
    const person = personOf(alert);
    const status = plan.kind === 'ops' ? 'pending' : plan.kind === 'task' ? 'awaiting_source' : 'dismissed';
    insertDecision.run({
      id: decisionId,
      siteId: alert.siteId,
      alertId,
      alertType: alert.type,
      fingerprint: alert.fingerprint,
      personKey: person.key,
      personId: person.personId,
      personName: person.name,
      resolution: input.resolution,
      options: JSON.stringify(input.options),
      actor: input.actor,
      at,
      basis: JSON.stringify(plan.basis),
      task: plan.kind === 'task' ? JSON.stringify(plan.task) : null,
      status,
    });
    audit({
      siteId: alert.siteId,
      at,
      actor: input.actor,
      kind: 'decision',
      action: input.resolution,
      personId: person.personId,
      personName: person.name,
      alertId,
      decisionId,
      target: alert.title,
      result: status === 'pending' ? 'recorded' : status,
      message: plan.kind === 'task' ? plan.task.instruction : plan.kind === 'ops' ? plan.ops.map(describeOp).join('; ') : null,
      detail: { alertType: alert.type, fingerprint: alert.fingerprint, options: input.options, basis: plan.basis },
    });
    siteIds.add(alert.siteId);

    if (plan.kind === 'ops') {
      plan.ops.forEach((op, index) => {
        insertOp.run({
          id: opIdFor(decisionId, index),
          decisionId,
          index,
          siteId: alert.siteId,
          accessSystemId: op.accessSystemId,
          personKey: person.key,
          kind: op.kind,
          remoteId: op.remoteId,
          baseVersion: op.baseVersion,
          payload: JSON.stringify(op.payload),
          key: idempotencyKeyFor(decisionId, index),
        });
      });
      resolveAlert.run({ id: alertId, at, detail: withoutNotes(alert.detail) });
      return { alertId, ok: true, result: 'recorded', decisionId, error: null, ops: plan.ops.length };
    }
    if (plan.kind === 'task') {
      // The alert stays open: it is still true until the source changes.
      setDetail.run({ id: alertId, at, detail: withoutNotes(alert.detail, { task: { ...plan.task, decisionId, actor: input.actor, at } }) });
      return { alertId, ok: true, result: 'task', decisionId, error: null, ops: 0 };
    }
    setDetail.run({ id: alertId, at, detail: withoutNotes(alert.detail) });
    dismissAlert(db, alertId, { remember: plan.remember }, now);
    return { alertId, ok: true, result: 'dismissed', decisionId, error: null, ops: 0 };
  };

  sqlite.transaction(() => {
    // The same alert named twice in one bulk call is decided once.
    for (const alertId of new Set(input.alertIds)) {
      const r = decideOne(alertId);
      result.results.push(r);
      if (!r.ok) result.errors++;
      else if (r.result === 'recorded') result.recorded++;
      else if (r.result === 'task') result.tasks++;
      else if (r.result === 'dismissed') result.dismissed++;
      else result.skipped++;
    }
  })();
  return { result, siteIds };
}
