import type Database from 'better-sqlite3';
import type { Outcome, PersonStatus } from '../../contract/dto';
import { ApiError } from '../../contract/errors';
import type { OpenDatabase } from '../db/open-database';
import { bool, parseJson } from '../sql-helpers';
import { ADDED_REASON, UNCHANGED_REASON, viewBatchEntry } from '../activity/activity-batch-format';
import { batchEntries, batchesOfRun } from '../activity/activity-batch-reader';
import { addedEntryOfPerson, addedSteps } from '../activity/added-entries';
import type { AddedEntryRef } from '../activity/added-entries';
import { unchangedSteps } from './correlate';
import { REASON_TEXT } from './reasons';
import { connectionGate, loadConnections, loadSite } from './site-state';
import type { PersonExplanation } from '../../contract/calls/people';

/** "Why is Ana not synced?": the rules that decided a record's fate in the last pass, in order (the handler adds the headline). */
export type Explanation = Omit<PersonExplanation, 'headline'>;

type Raw = Record<string, unknown>;

const ENTRY_COLUMNS = 'e.id, e.run_id, e.at, e.outcome, e.person_id, e.person_name, e.external_id, e.source_connection_id, e.reason_code, e.reason, e.detail';

type EntryDetail = { steps?: string[]; source?: string } | null;

function fromEntry(e: Raw, sourceName: string | null): Explanation {
  // Real rows hold their detail as JSON text; an added batch entry hands over its steps parsed.
  const detail = typeof e.detail === 'object' ? (e.detail as EntryDetail) : parseJson<EntryDetail>(e.detail, null);
  const steps = Array.isArray(detail?.steps) && detail.steps.length ? [...detail.steps] : [];
  if (steps.length === 0 && e.reason) steps.push(String(e.reason));
  return {
    personId: (e.person_id as string | null) ?? null,
    externalId: (e.external_id as string | null) ?? null,
    name: (e.person_name as string) ?? '',
    sourceName: sourceName ?? detail?.source ?? null,
    runId: (e.run_id as string | null) ?? null,
    at: e.at as string,
    outcome: e.outcome as Outcome,
    reasonCode: (e.reason_code as string | null) ?? null,
    steps,
  };
}

/**
 * An added batch entry in the shape of an activity_entry row, so one code path explains both.
 * Only the rule chain is loaded (the batch's step texts), never the stored records.
 */
function addedAsEntry(sqlite: Database.Database, ref: Pick<AddedEntryRef, 'batch' | 'view'>, sourceName: string | null): Raw {
  const v = ref.view;
  return {
    id: v.id,
    run_id: v.runId,
    at: v.at,
    outcome: 'added',
    person_id: v.personId ?? null,
    person_name: v.name ?? '',
    external_id: v.externalId,
    source_connection_id: v.sourceConnectionId,
    reason_code: null,
    reason: ADDED_REASON,
    detail: { steps: addedSteps(sqlite, ref, sourceName) },
  };
}

function heldAsCandidate(sqlite: Database.Database, siteId: string, personId: string): Raw[] {
  return sqlite
    .prepare(
      `SELECT h.kind, h.external_id, sc.name AS source_name FROM held_record h, json_each(h.candidate_person_ids) j
       JOIN source_connection sc ON sc.id = h.source_connection_id
       WHERE h.site_id = ? AND j.value = ?`,
    )
    .all(siteId, personId) as Raw[];
}

const HELD_WORDS: Record<string, string> = {
  name_mismatch: 'with the same email but a different name',
  disputed: 'that matches several people by email',
  duplicate_email: 'that shares its email with other records',
  email_changed: 'whose email changed',
};

export function explainPerson(db: OpenDatabase, personId: string): Explanation {
  const { sqlite } = db;
  const p = sqlite
    .prepare(
      `SELECT p.id, p.site_id, p.first_name, p.last_name, p.external_id, p.source_connection_id, p.decoupled, p.access_enabled,
              p.disabled_by, p.held_reason, p.status, p.email, p.phone, p.removed_at_source, sc.name AS source_name
       FROM person p LEFT JOIN source_connection sc ON sc.id = p.source_connection_id WHERE p.id = ?`,
    )
    .get(personId) as Raw | undefined;
  if (!p) throw new ApiError('not_found', 'That person no longer exists.');
  const siteId = p.site_id as string;
  const name = `${p.first_name} ${p.last_name}`.trim();
  const sourceName = (p.source_name as string | null) ?? null;
  // The last entry that changed something (the person index leaves unchanged entries out)...
  const realEntry = sqlite
    .prepare(
      `SELECT ${ENTRY_COLUMNS} FROM activity_entry e WHERE e.person_id = ? AND e.outcome <> 'processed' AND e.run_id IS NOT NULL ORDER BY e.id DESC LIMIT 1`,
    )
    .get(personId) as Raw | undefined;
  // ...or, when no real one is newer, the entry of the added batch that created the person
  // (kept only in the batch; the batch lookup is skipped cheaply when a real row is newer).
  const added = addedEntryOfPerson(sqlite, personId, { afterId: realEntry ? Number(realEntry.id) : null });
  const entry = added ? addedAsEntry(sqlite, added, sourceName) : realEntry;
  // A later applied pass that logged nothing else for this linked person found them unchanged.
  const lastRun = sqlite
    .prepare(`SELECT id, finished_at FROM sync_run WHERE site_id = ? AND status = 'complete' AND dry_run = 0 ORDER BY started_at DESC, rowid DESC LIMIT 1`)
    .get(siteId) as Raw | undefined;
  const unchangedSince =
    entry && lastRun && entry.run_id !== lastRun.id && p.source_connection_id && !bool(p.decoupled) && entry.outcome !== 'skipped'
      ? { runId: lastRun.id as string, at: lastRun.finished_at as string }
      : null;

  const site = loadSite(sqlite, siteId);
  let out: Explanation;
  if (entry) {
    out = fromEntry(entry, sourceName);
    out.name = name || out.name;
    if (unchangedSince) {
      out.outcome = 'processed';
      out.reasonCode = null;
      out.runId = unchangedSince.runId;
      out.at = unchangedSince.at;
    }
    if (unchangedSince && bool(p.removed_at_source)) {
      // Still gone from the source: the later passes logged "access stays off" (a Processed
      // entry the person index leaves out), not a record found unchanged.
      const first = out.steps[0] && /^Not in the latest|reported .* as removed$/.test(out.steps[0]) ? out.steps[0] : `No longer listed by ${sourceName ?? 'the source'}`;
      out.reasonCode = 'removed_at_source';
      out.steps = [first, 'Still not listed in the last pass → access stays off (the person is kept, with their history)'];
    } else if ((entry.reason === UNCHANGED_REASON || unchangedSince) && site) {
      // Unchanged records are logged without their rule chain; rebuild it from the person row.
      const person = {
        firstName: p.first_name as string,
        lastName: p.last_name as string,
        status: p.status as PersonStatus,
        email: (p.email as string | null) ?? null,
        phone: (p.phone as string | null) ?? null,
      };
      out.steps = [...unchangedSteps(sourceName ?? 'the source', String(entry.external_id ?? p.external_id), person, site.settings), 'Unchanged since the previous pass → nothing to do'];
    }
  } else {
    out = {
      personId,
      externalId: (p.external_id as string | null) ?? null,
      name,
      sourceName,
      runId: null,
      at: null,
      outcome: null,
      reasonCode: null,
      steps: p.source_connection_id
        ? [`Synced from ${sourceName} as ${p.external_id}`, 'No pass in the kept activity log mentions this person']
        : ['Added by hand: no source has been linked to this person'],
    };
  }
  for (const h of heldAsCandidate(sqlite, siteId, personId)) {
    out.steps.push(`${h.source_name} has a record (${h.external_id}) ${HELD_WORDS[h.kind as string] ?? 'held for review'} → held for review, not linked`);
  }

  // The switches as they are now matter as much as the last pass: a source turned off since.
  if (p.source_connection_id) {
    const conn = loadConnections(sqlite, siteId).find((c) => c.id === p.source_connection_id);
    if (site && conn) {
      const gate = connectionGate(site.settings, conn);
      if (gate !== 'on') out.steps.push(`Now: ${REASON_TEXT[gate]}, so this person is left as last synced`);
    }
  }
  if (bool(p.decoupled) && out.reasonCode !== 'decoupled') out.steps.push('Now: Track source updates is off, so sync skips this person');
  if (!bool(p.access_enabled)) {
    out.steps.push(p.disabled_by === 'admin' ? 'Access is off: an admin turned it off, and sync never turns it back on' : 'Access is off: sync turned it off');
  }
  return out;
}

/**
 * For the front desk: an external id typed from the source system. A person linked to it is
 * explained as a person; a record that never became a person (skipped, held), or whose person
 * was deleted since the last pass added it, is looked up in the last applied pass's activity
 * entries and batches, a bounded range of the log.
 */
export function explainExternalId(db: OpenDatabase, siteId: string, externalId: string): Explanation {
  const { sqlite } = db;
  const ext = externalId.trim();
  const connIds = sqlite.prepare('SELECT id FROM source_connection WHERE site_id = ?').pluck().all(siteId) as string[];
  if (connIds.length) {
    const marks = connIds.map(() => '?').join(',');
    const exact = sqlite
      .prepare(`SELECT id FROM person WHERE source_connection_id IN (${marks}) AND external_id = ? ORDER BY last_synced_at DESC LIMIT 1`)
      .pluck()
      .get(...connIds, ext) as string | undefined;
    const personId =
      exact ??
      (sqlite
        .prepare('SELECT id FROM person WHERE site_id = ? AND external_id = ? COLLATE NOCASE ORDER BY last_synced_at DESC LIMIT 1')
        .pluck()
        .get(siteId, ext) as string | undefined);
    if (personId) return explainPerson(db, personId);
  }

  const run = sqlite
    .prepare(`SELECT id, total, started_at, finished_at FROM sync_run WHERE site_id = ? AND status = 'complete' AND dry_run = 0 ORDER BY started_at DESC, rowid DESC LIMIT 1`)
    .get(siteId) as Raw | undefined;
  const notFound: Explanation = {
    personId: null,
    externalId: ext,
    name: '',
    sourceName: null,
    runId: (run?.id as string | undefined) ?? null,
    at: (run?.started_at as string | undefined) ?? null,
    outcome: null,
    reasonCode: null,
    steps: run
      ? [`No source sent a record with external id ${ext} in the last pass`, 'Check the id, and that the record belongs to this site in the source system']
      : ['No pass has run for this site yet'],
  };
  if (!run) return notFound;
  // A pass's entries are written in one transaction, so they sit in one contiguous id range; its
  // batches reserve their ranges before its real rows, and `total` counts both, so the range
  // ending at the run's last real row and spanning `total` ids covers the whole pass (the run_id
  // test keeps the slack at its lower end from reaching into the previous pass).
  const lastId = sqlite
    .prepare('SELECT id FROM activity_entry WHERE site_id = ? AND run_id = ? ORDER BY id DESC LIMIT 1')
    .pluck()
    .get(siteId, run.id) as number | undefined;
  if (lastId != null) {
    const from = lastId - Number(run.total) - 1;
    const entry = sqlite
      .prepare(
        `SELECT ${ENTRY_COLUMNS}, sc.name AS source_name FROM activity_entry e LEFT JOIN source_connection sc ON sc.id = e.source_connection_id
         WHERE e.site_id = ? AND e.id BETWEEN ? AND ? AND e.run_id = ? AND e.external_id = ? COLLATE NOCASE ORDER BY e.id DESC LIMIT 1`,
      )
      .get(siteId, from, lastId, run.id, ext) as Raw | undefined;
    if (entry) return fromEntry(entry, (entry.source_name as string | null) ?? null);
  }
  // Added in the last pass and deleted since: the batch that added the record still explains it.
  const added = addedInRun(sqlite, siteId, String(run.id), ext);
  if (added) {
    const name = sourceNameOf(sqlite, added.view.sourceConnectionId);
    return fromEntry(addedAsEntry(sqlite, added, name), name);
  }
  const again = skippedAgainInRun(sqlite, siteId, String(run.id), ext) ?? skippedAgainByRecord(sqlite, siteId, ext, run);
  return again ? explainSkippedAgain(sqlite, again) : notFound;
}

function sourceNameOf(sqlite: Database.Database, connId: string | null): string | null {
  if (!connId) return null;
  return (sqlite.prepare('SELECT name FROM source_connection WHERE id = ?').pluck().get(connId) as string | undefined) ?? null;
}

/** The entry of the last run's added batches for `ext` (an exact match wins over one in another case). */
function addedInRun(sqlite: Database.Database, siteId: string, runId: string, ext: string): AddedEntryRef | null {
  const wanted = ext.toLowerCase();
  let loose: AddedEntryRef | null = null;
  for (const batch of batchesOfRun(sqlite, siteId, runId)) {
    if (batch.kind !== 'added') continue;
    const entries = batchEntries(sqlite, batch.first_id);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (!Array.isArray(e) || String(e[0]).toLowerCase() !== wanted) continue;
      const ref = { batch, index: i, view: viewBatchEntry({ ...batch, entries: '' }, entries, i) };
      if (ref.view.externalId === ext) return ref;
      loose ??= ref;
    }
  }
  return loose;
}

/** A record that never became a person and was skipped again, unchanged, in the last applied pass. */
interface SkippedAgain {
  externalId: string;
  name: string;
  connId: string | null;
  reasonCode: string | null;
  reason: string;
  /** The entry that logged this skip with its full record and rule chain. */
  entryId: number | null;
  runId: string;
  at: string;
}

/** Looks the record up among the last run's batches (parsing only batches that hold skips). */
function skippedAgainInRun(sqlite: Database.Database, siteId: string, runId: string, ext: string): SkippedAgain | null {
  const wanted = ext.toLowerCase();
  let loose: SkippedAgain | null = null;
  for (const b of batchesOfRun(sqlite, siteId, runId)) {
    if (b.kind === 'added' || b.skipped === 0) continue;
    const entries = batchEntries(sqlite, b.first_id);
    for (let i = 0; i < entries.length; i++) {
      if (typeof entries[i] === 'string') continue;
      const v = viewBatchEntry({ ...b, entries: '' }, entries, i);
      if (v.externalId.toLowerCase() !== wanted) continue;
      const found: SkippedAgain = {
        externalId: v.externalId,
        name: v.name ?? '',
        connId: v.sourceConnectionId,
        reasonCode: v.reasonCode,
        reason: v.reason,
        entryId: v.entryId,
        runId,
        at: v.at,
      };
      // As for real rows the typed id may differ in case; an exact match wins.
      if (v.externalId === ext) return found;
      loose ??= found;
    }
  }
  return loose;
}

/**
 * The engine's memory of skipped records: found by primary key without parsing any batch. Used
 * when the last run's batches do not name the record (e.g. the id was typed in another case).
 */
function skippedAgainByRecord(sqlite: Database.Database, siteId: string, ext: string, run: Raw): SkippedAgain | null {
  const select = `SELECT sr.source_connection_id, sr.external_id, sr.name, sr.reason_code, sr.reason, sr.entry_id
    FROM source_record sr JOIN source_connection sc ON sc.id = sr.source_connection_id WHERE sc.site_id = ? AND sr.external_id = ?`;
  const r = (sqlite.prepare(`${select} LIMIT 1`).get(siteId, ext) ??
    sqlite.prepare(`${select} COLLATE NOCASE LIMIT 1`).get(siteId, ext)) as Raw | undefined;
  if (!r) return null;
  return {
    externalId: r.external_id as string,
    name: (r.name as string) ?? '',
    connId: r.source_connection_id as string,
    reasonCode: (r.reason_code as string | null) ?? null,
    reason: (r.reason as string) ?? '',
    entryId: Number(r.entry_id),
    runId: String(run.id),
    at: String(run.finished_at ?? run.started_at),
  };
}

function explainSkippedAgain(sqlite: Database.Database, s: SkippedAgain): Explanation {
  const sourceName = sourceNameOf(sqlite, s.connId);
  const first =
    s.entryId === null
      ? undefined
      : (sqlite.prepare(`SELECT ${ENTRY_COLUMNS} FROM activity_entry e WHERE e.id = ?`).get(s.entryId) as Raw | undefined);
  const out: Explanation = first
    ? fromEntry(first, sourceName)
    : {
        personId: null,
        externalId: s.externalId,
        name: s.name,
        sourceName,
        runId: s.runId,
        at: s.at,
        outcome: 'skipped',
        reasonCode: s.reasonCode,
        steps: [s.reason, 'The pass that first logged this skip in full has passed the retention period'],
      };
  out.externalId = s.externalId;
  out.name = s.name || out.name;
  out.runId = s.runId;
  out.at = s.at;
  out.outcome = 'skipped';
  out.reasonCode = s.reasonCode;
  const since = first ? ` since ${first.at as string}` : '';
  out.steps.push(`Unchanged${since} → skipped again in the last pass for the same reason`);
  return out;
}
