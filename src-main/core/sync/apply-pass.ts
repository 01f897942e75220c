import type Database from 'better-sqlite3';
import type { Decision, PassPlan, PersonWrite } from './plan-types';
import { insertActivityBatch } from '../activity/activity-batch-format';
import { ActivityWriter } from './activity-writer';
import { isPlainAdd, logAdded } from './added-log';
import { ChunkedInsert } from './chunked-insert';
import { PersonInserter } from './person-inserter';

export interface ApplyContext {
  siteId: string;
  runId: string;
  /** One timestamp for the whole pass: every row it touches says the same time. */
  at: string;
  onProgress?(done: number, total: number): void;
}

export interface ApplyResult {
  activityCount: number;
  personWrites: number;
}

/** Provenance for the fields a write changes (a new person has none written: see person-inserter.ts). */
function provenancePatch(fields: readonly string[], by: string, at: string): string {
  const patch: Record<string, { by: string; at: string }> = {};
  for (const f of fields) patch[f] = { by, at };
  return JSON.stringify(patch);
}

/**
 * Turns a plan into SQL. Must run inside the caller's transaction (the engine wraps this, the
 * run row and the connection rows in one), so a throw anywhere leaves the mirror as it was.
 * Every statement is prepared once; the only per-row work is binding values.
 *
 * The UPDATE lists only source-owned columns plus the access fields sync itself owns; admin-owned
 * columns (grants, custom tags, notes, app message, decoupled) are not in any statement here.
 */
export function applyPlan(sqlite: Database.Database, plan: PassPlan, ctx: ApplyContext): ApplyResult {
  const { at, siteId } = ctx;
  const inserter = new PersonInserter(sqlite, siteId, at);
  // Re-enabling is decided again in SQL from the row's own disabled_by, so an admin's "off"
  // survives even if the plan was built from stale state.
  const updateSql = (link: boolean) =>
    `UPDATE person SET type = ?, first_name = ?, last_name = ?, email = ?, phone = ?, unit = ?, status = ?, synced_tags = ?,
       provenance = json_patch(provenance, ?), source_hash = ?, last_synced_at = ?, updated_at = ?,
       ${link ? 'source_connection_id = @conn, external_id = @ext,' : ''} held_reason = NULL, removed_at_source = 0,
       access_enabled = CASE WHEN @enable = 1 AND disabled_by = 'sync' THEN 1 ELSE access_enabled END,
       disabled_at = CASE WHEN @enable = 1 AND disabled_by = 'sync' THEN NULL ELSE disabled_at END,
       disabled_by = CASE WHEN @enable = 1 AND disabled_by = 'sync' THEN NULL ELSE disabled_by END
     WHERE id = ? AND decoupled = 0`;
  // Only a link rewrites the (source, external id) columns: leaving them out of ordinary updates
  // spares the unique index a delete and re-insert per row.
  const updatePerson = sqlite.prepare(updateSql(false));
  const linkPerson = sqlite.prepare(updateSql(true));
  const setHash = sqlite.prepare('UPDATE person SET source_hash = ? WHERE id = ?');
  const disable = sqlite.prepare(
    `UPDATE person SET access_enabled = 0, disabled_by = 'sync', disabled_at = @at, removed_at_source = @removed, held_reason = NULL,
       source_hash = NULL, status = coalesce(@status, status),
       provenance = CASE WHEN @status IS NULL THEN provenance ELSE json_patch(provenance, @prov) END, updated_at = @at
     WHERE id = @id AND access_enabled = 1 AND decoupled = 0`,
  );
  const markRemoved = sqlite.prepare(
    'UPDATE person SET removed_at_source = 1, held_reason = NULL, source_hash = NULL, updated_at = ? WHERE id = ? AND decoupled = 0',
  );
  const hold = sqlite.prepare('UPDATE person SET held_reason = ? WHERE id = ? AND decoupled = 0');
  const clearHeld = sqlite.prepare('UPDATE person SET held_reason = NULL WHERE id = ? AND decoupled = 0');
  const deleteHeldAll = sqlite.prepare('DELETE FROM held_record WHERE source_connection_id = ?');
  const deleteHeldOne = sqlite.prepare('DELETE FROM held_record WHERE source_connection_id = ? AND external_id = ?');
  const held = new ChunkedInsert(
    sqlite,
    'INSERT OR REPLACE INTO held_record (site_id, source_connection_id, external_id, kind, run_id, record, candidate_person_ids, held_at)',
    '(?, ?, ?, ?, ?, ?, ?, ?)',
    8,
  );

  const forgetSkip = sqlite.prepare('DELETE FROM source_record WHERE source_connection_id = ? AND external_id = ?');
  const memos = new ChunkedInsert(
    sqlite,
    'INSERT OR REPLACE INTO source_record (source_connection_id, external_id, fingerprint, name, reason_code, reason, entry_id)',
    '(?, ?, ?, ?, ?, ?, ?)',
    7,
  );

  // Held rows are replaced per source: a complete read replaces them all, a changes feed only the
  // records it touched.
  for (const c of plan.connections) {
    if (!c.read) continue;
    if (c.read.complete) deleteHeldAll.run(c.conn.id);
    else for (const ext of c.touched) deleteHeldOne.run(c.conn.id, ext);
  }

  // Unchanged records and plain adds first, as batches per source: their ids are reserved below
  // the pass's other entries, so the newest-first log opens on what needs a look.
  let batched = 0; // unchanged entries: the decisions are counted as the loop below goes
  const addedBy = new Map<string, Decision[]>();
  for (const d of plan.decisions) {
    if (!isPlainAdd(d)) continue;
    const list = addedBy.get(d.connId!);
    if (list) list.push(d);
    else addedBy.set(d.connId!, [d]);
  }
  for (const c of plan.connections) {
    for (const ext of c.forget) forgetSkip.run(c.conn.id, ext);
    if (c.unchanged.length) {
      insertActivityBatch(sqlite, { siteId, runId: ctx.runId, at, sourceConnectionId: c.conn.id, entries: c.unchanged });
      batched += c.unchanged.length;
    }
    logAdded(sqlite, { siteId, runId: ctx.runId, at }, addedBy.get(c.conn.id) ?? []);
  }

  const ownEntry = (d: Decision) => !(addedBy.size && isPlainAdd(d));
  let own = 0;
  for (const d of plan.decisions) if (ownEntry(d)) own++;
  const activity = new ActivityWriter(sqlite, { siteId, runId: ctx.runId, at }, own);
  const total = plan.decisions.length + batched;
  let personWrites = 0;
  let lastTick = Date.now();
  const write = (w: PersonWrite, by: string, connId: string | null) => {
    personWrites++;
    switch (w.kind) {
      case 'insert':
        inserter.add(w.personId, w.type, w.rec, connId, w.hash);
        return;
      case 'update': {
        const r = w.rec;
        const args = [
          w.type, r.firstName, r.lastName, r.email, r.phone, r.unit, r.status, JSON.stringify(r.tags),
          provenancePatch(w.changed, by, at), w.hash, at, at, w.personId,
        ];
        if (w.link) linkPerson.run(...args, { enable: w.enable ? 1 : 0, conn: connId, ext: r.externalId });
        else updatePerson.run(...args, { enable: w.enable ? 1 : 0 });
        return;
      }
      case 'hash':
        setHash.run(w.hash, w.personId);
        return;
      case 'disable':
        disable.run({
          id: w.personId,
          at,
          removed: w.removedAtSource ? 1 : 0,
          status: w.status,
          prov: w.status ? provenancePatch(['status'], by, at) : null,
        });
        return;
      case 'mark-removed':
        markRemoved.run(at, w.personId);
        return;
      case 'hold':
        hold.run(w.heldReason, w.personId);
        return;
      case 'clear-held':
        clearHeld.run(w.personId);
        return;
    }
  };

  const decisions = plan.decisions;
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i];
    for (const w of d.writes) write(w, d.connName, d.connId);
    if (d.held && d.connId && d.externalId) {
      held.values.push(siteId, d.connId, d.externalId, d.held.kind, ctx.runId, JSON.stringify(d.held.record), JSON.stringify(d.held.candidates), at);
      held.rowAdded();
    }
    if (ownEntry(d)) {
      const entryId = activity.write(d);
      if (d.memoFingerprint && d.connId && d.externalId) {
        memos.values.push(d.connId, d.externalId, d.memoFingerprint, d.personName, d.reasonCode, d.reason ?? '', entryId);
        memos.rowAdded();
      }
    }
    const done = batched + i + 1;
    if (ctx.onProgress && (done % 500 === 0 || done === total)) {
      const t = Date.now();
      if (t - lastTick >= 100 || done === total) {
        lastTick = t;
        ctx.onProgress(done, total);
      }
    }
  }
  inserter.flush();
  activity.flush();
  memos.flush();
  held.flush();
  if (decisions.length === 0) ctx.onProgress?.(total, total);
  return { activityCount: total, personWrites };
}
