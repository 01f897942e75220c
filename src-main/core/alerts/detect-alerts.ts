import { randomUUID } from 'node:crypto';
import type { AlertStatus } from '../../contract/dto';
import type { OpenDatabase } from '../db/open-database';
import { detectConditions } from './detectors';
import { loadSiteSnapshot } from './site-snapshot';

export interface DetectionResult {
  /** Open alerts for the site after detection. */
  open: number;
  /** New alerts, plus closed ones whose condition came back (or whose records changed after a dismissal). */
  opened: number;
  /** Open alerts seen again and refreshed in place. */
  updated: number;
  /** Open alerts whose condition is gone, now resolved at source. */
  closed: number;
}

interface ExistingAlert {
  id: string;
  fingerprint: string;
  status: AlertStatus;
  records_hash: string;
  /** Notes a decision left on the alert (JSON text): a conflict to re-review, a fix-at-source task. */
  review: string | null;
  task: string | null;
}

/** Keeps a decision's notes on an open alert that detection refreshes with new values. */
function withDecisionNotes(detail: object, row: ExistingAlert): object {
  const notes: Record<string, unknown> = {};
  for (const key of ['review', 'task'] as const) {
    const text = row[key];
    if (!text) continue;
    try {
      notes[key] = JSON.parse(text);
    } catch {
      // A damaged note is dropped rather than blocking detection.
    }
  }
  return Object.keys(notes).length ? { ...detail, ...notes } : detail;
}

/**
 * Runs the four detectors over one site and reconciles their findings with the alert table in a
 * single transaction. The table is keyed by fingerprint, so a condition seen on every pass stays
 * one alert; what a manager dismissed (with "remember") or resolved stays closed until the
 * records behind it change.
 */
export function detectAlerts(db: OpenDatabase, siteId: string, now: Date): DetectionResult {
  const sqlite = db.sqlite;
  const at = now.toISOString();
  const existingStmt = sqlite.prepare<[string], ExistingAlert>(
    `SELECT id, fingerprint, status, records_hash, json_extract(detail, '$.review') AS review, json_extract(detail, '$.task') AS task
       FROM alert WHERE site_id = ?`,
  );
  const insert = sqlite.prepare(
    `INSERT INTO alert (id, site_id, type, fingerprint, status, title, person_ids, detail, records_hash, opened_at, updated_at, closed_at)
     VALUES (@id, @siteId, @type, @fingerprint, 'open', @title, @personIds, @detail, @recordsHash, @at, @at, NULL)`,
  );
  const refresh = sqlite.prepare(
    `UPDATE alert SET title = @title, person_ids = @personIds, detail = @detail, records_hash = @recordsHash, updated_at = @at
      WHERE id = @id`,
  );
  const reopen = sqlite.prepare(
    `UPDATE alert SET status = 'open', title = @title, person_ids = @personIds, detail = @detail, records_hash = @recordsHash,
            opened_at = @at, updated_at = @at, closed_at = NULL
      WHERE id = @id`,
  );
  const close = sqlite.prepare(
    `UPDATE alert SET status = 'resolved_at_source', updated_at = @at, closed_at = @at WHERE id = @id`,
  );
  // A closed alert whose condition is gone forgets the records it was closed on: if the
  // condition comes back later, even with the very same values, that is a new disagreement
  // (someone undid the fix) and must be shown, not held closed by an old decision or dismissal.
  const forget = sqlite.prepare(`UPDATE alert SET records_hash = '' WHERE id = @id AND records_hash <> ''`);

  const run = sqlite.transaction((): DetectionResult => {
    const detected = detectConditions(loadSiteSnapshot(db, siteId));
    const result: DetectionResult = { open: 0, opened: 0, updated: 0, closed: 0 };
    const seen = new Set<string>();

    for (const row of existingStmt.all(siteId)) {
      const found = detected.get(row.fingerprint);
      if (!found) {
        // Only open alerts close themselves; a dismissal or a decision is the manager's word.
        if (row.status === 'open') {
          close.run({ id: row.id, at });
          result.closed++;
        } else if (row.status !== 'resolved_at_source') {
          forget.run({ id: row.id });
        }
        continue;
      }
      seen.add(row.fingerprint);
      const values = {
        id: row.id,
        title: found.title,
        personIds: JSON.stringify(found.personIds),
        detail: JSON.stringify(found.detail),
        recordsHash: found.recordsHash,
        at,
      };
      if (row.status === 'open') {
        refresh.run({ ...values, detail: JSON.stringify(withDecisionNotes(found.detail, row)) });
        result.updated++;
        result.open++;
      } else if (row.status === 'resolved_at_source' || row.records_hash !== found.recordsHash) {
        // Back after the source fixed it, or the records a manager looked at have changed.
        reopen.run(values);
        result.opened++;
        result.open++;
      }
    }

    for (const found of detected.values()) {
      if (seen.has(found.fingerprint)) continue;
      insert.run({
        id: randomUUID(),
        siteId,
        type: found.type,
        fingerprint: found.fingerprint,
        title: found.title,
        personIds: JSON.stringify(found.personIds),
        detail: JSON.stringify(found.detail),
        recordsHash: found.recordsHash,
        at,
      });
      result.opened++;
      result.open++;
    }
    return result;
  });
  return run();
}
