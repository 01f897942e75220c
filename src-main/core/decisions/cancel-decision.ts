import type { DecisionDto } from '../../contract/calls/decisions';
import { ApiError } from '../../contract/errors';
import type { OpenDatabase } from '../db/open-database';
import { auditWriter } from '../audit/audit-log';
import { parseJson } from '../sql-helpers';
import { getDecision } from './decision-queries';

/**
 * Withdraws a decision before it reaches the upstream: possible while none of its writes has
 * left (nothing 'sending' or 'applied'), or for a fix-at-source task. The alert opens again.
 */
export function cancelDecision(db: OpenDatabase, decisionId: string, actor: string, now: Date): { decision: DecisionDto; siteId: string } {
  const { sqlite } = db;
  const at = now.toISOString();
  const d = sqlite
    .prepare<[string], { id: string; site_id: string; alert_id: string | null; status: string; person_id: string | null; person_name: string; resolution: string }>(
      'SELECT id, site_id, alert_id, status, person_id, person_name, resolution FROM decision WHERE id = ?',
    )
    .get(decisionId);
  if (!d) throw new ApiError('not_found', 'There is no such decision.');
  if (d.status !== 'pending' && d.status !== 'awaiting_source') {
    throw new ApiError('conflict', `This decision can no longer be withdrawn (it is ${d.status.replace(/_/g, ' ')}).`);
  }
  sqlite.transaction(() => {
    const started = sqlite
      .prepare(`SELECT count(*) FROM outbox_op WHERE decision_id = ? AND (status IN ('sending', 'applied') OR interrupted = 1)`)
      .pluck()
      .get(decisionId) as number;
    if (started > 0) throw new ApiError('conflict', 'Part of this decision was already sent upstream, so it can no longer be withdrawn.');
    sqlite
      .prepare(`UPDATE outbox_op SET status = 'cancelled', last_error = 'Withdrawn before it was sent.', finished_at = ? WHERE decision_id = ? AND status = 'pending'`)
      .run(at, decisionId);
    sqlite.prepare(`UPDATE decision SET status = 'cancelled', error = 'Withdrawn.', finished_at = ? WHERE id = ?`).run(at, decisionId);
    if (d.alert_id) {
      const row = sqlite.prepare<[string], { detail: string }>('SELECT detail FROM alert WHERE id = ?').get(d.alert_id);
      if (row) {
        const { task: _task, ...detail } = parseJson<Record<string, unknown>>(row.detail, {});
        sqlite
          .prepare(
            `UPDATE alert SET detail = ?, updated_at = ?,
                    status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END,
                    closed_at = CASE WHEN status = 'resolved' THEN NULL ELSE closed_at END
              WHERE id = ?`,
          )
          .run(JSON.stringify(detail), at, d.alert_id);
      }
    }
    auditWriter(sqlite)({
      siteId: d.site_id,
      at,
      actor,
      kind: 'decision',
      action: 'withdraw',
      personId: d.person_id,
      personName: d.person_name,
      alertId: d.alert_id,
      decisionId,
      result: 'cancelled',
      message: `Withdrew “${d.resolution}”.`,
    });
  })();
  return { decision: getDecision(sqlite, decisionId)!, siteId: d.site_id };
}
