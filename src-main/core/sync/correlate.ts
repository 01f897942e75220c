import { uuidv7 } from './ids';
import type { Outcome, PersonStatus, PersonType, SiteSettings } from '../../contract/dto';
import { PERSON_TYPES } from '../../contract/dto';
import type { SourceRecord } from '../adapters/types';
import type { HeldKind, SourceConnection } from '../db/entities';
import { ADDED_REASON, foundStep, UNCHANGED_REASON } from '../activity/activity-batch-format';
import type { BatchEntry } from '../activity/activity-batch-format';
import { policyTag, recordFields, recordFingerprint, sameRecord } from './fingerprint';
import { emailMatchKey, nameKey, normalizeRecord } from './normalize';
import type { NormalizedRecord } from './normalize';
import type { FingerprintEntry } from './fingerprint-cache';
import type { ConnectionResult, Decision, PassPlan, PassState, PersonWrite, SourceRead } from './plan-types';
import { hasRequiredIdentifier, PolicyMemo, propertyCodes, statusIncluded } from './policies';
import { REASON_TEXT } from './reasons';
import type { ReasonCode } from './reasons';
import type { PersonState, SiteInfo } from './site-state';
import { connectionGate } from './site-state';
import { isKnownStatusWord, STATUS_LABEL } from './status-map';
import { displayText, externalIdProblem, recordProblem } from './record-shape';

/*
 * The planner: a synchronous function from (what the sources said, what the mirror holds) to
 * one Decision per record that needs one, plus the list of records that are exactly as last
 * time. Nothing here writes; apply-pass turns the plan into SQL, and dry runs and held passes
 * simply stop before that, which is what makes "preview exactly what would happen" honest.
 *
 * Speed: an hourly pass over 100k people where little changed must take a fraction of a second.
 * So a record is first compared by fingerprint with what the mirror stored for it (a narrow
 * load of two columns); only records that differ, are new, or belong to people in a special
 * state (held, decoupled, removed, turned off by sync) go through the full rules, with the
 * full person state loaded for just those.
 */

export function defaultPersonType(conn: SourceConnection): PersonType {
  const configured = (conn.config ?? {}).personType;
  if (typeof configured === 'string' && (PERSON_TYPES as readonly string[]).includes(configured)) return configured as PersonType;
  if (conn.kind === 'member') return 'member';
  if (conn.kind === 'cctv') return 'visitor';
  return 'resident';
}

/**
 * Everything that changes how a raw record is read, or the words its entry is logged with. It is
 * part of each record's fingerprint, so changing a policy (or renaming the site or the source)
 * makes the next pass re-evaluate every record instead of trusting old fingerprints.
 */
function policyKey(site: SiteInfo, conn: SourceConnection): string {
  const settings = site.settings;
  return JSON.stringify([
    settings.phoneRegion,
    settings.requireIdentifier,
    [...settings.includedStatuses].sort(),
    propertyCodes(conn).sort(),
    defaultPersonType(conn),
    site.name,
    conn.name,
  ]);
}

/**
 * The rule chain of a record that had not changed since the last pass, rebuilt from what the
 * mirror holds (the pass does not spend time writing it down for every unchanged record).
 */
export function unchangedSteps(
  connName: string,
  ext: string,
  p: { firstName: string; lastName: string; status: PersonStatus; email: string | null; phone: string | null },
  settings: SiteSettings,
  statusWord: string | null = STATUS_LABEL[p.status],
): string[] {
  return [
    `Found in ${connName} as ${ext}`,
    `Linked to ${fullName(p.firstName, p.lastName) || 'a person'} here`,
    statusIncluded(settings, p.status, statusWord).step,
    hasRequiredIdentifier(settings.requireIdentifier, p.email, p.phone).step,
  ];
}

const fullName = (first: string, last: string) => `${first} ${last}`.trim();

/** Skips decided by the record alone (and the policy in its fingerprint): safe to remember. */
const RECORD_ONLY_SKIPS: ReadonlySet<string> = new Set<ReasonCode>(['excluded_status', 'missing_identifier', 'no_site']);

/** A skip decided by the record alone is remembered, so the same record is settled by the screen next time. */
function remember(s: Decision, person: PersonState | undefined, fingerprint: string): Decision {
  if (!person && s.reasonCode && RECORD_ONLY_SKIPS.has(s.reasonCode)) s.memoFingerprint = fingerprint;
  return s;
}

/** Hand-added people by email, shared by every source of the pass (loaded on first need). */
class ManualIndex {
  private byEmail: Map<string, PersonState[]> | null = null;
  /** Hand-added people linked by an earlier connection in this same pass. */
  readonly claimed = new Set<string>();

  constructor(private readonly load: () => PersonState[]) {}

  candidates(email: string): readonly PersonState[] {
    if (!this.byEmail) {
      this.byEmail = new Map();
      for (const p of this.load()) {
        if (p.connId || !p.email) continue;
        const key = p.email.trim().toLowerCase();
        const list = this.byEmail.get(key);
        if (list) list.push(p);
        else this.byEmail.set(key, [p]);
      }
    }
    return this.byEmail.get(email) ?? NO_PEOPLE;
  }
}

const NO_PEOPLE: readonly PersonState[] = Object.freeze([]);

export interface PlanInput {
  site: SiteInfo;
  connections: SourceConnection[];
  /** Reads for the connections that are on; a connection that is on but absent here was not read this pass. */
  reads: Map<string, SourceRead>;
  state: PassState;
}

export function planPass(input: PlanInput): PassPlan {
  const { site, connections, reads, state } = input;
  const manual = new ManualIndex(() => state.manualPeople());
  const decisions: Decision[] = [];
  const results: ConnectionResult[] = [];
  const emptySources: PassPlan['emptySources'] = [];
  const syncedPeople = state.syncedPeople();

  for (const conn of connections) {
    const gate = connectionGate(site.settings, conn);
    if (gate !== 'on') {
      // A switched-off source is not contacted at all; one entry says so, and its people stay as they are.
      const blockName = conn.block === 'cctv' ? 'CCTV identification' : 'Integrations';
      const step =
        gate === 'source_off' ? `${blockName} sync is turned off for ${site.name}` : `${conn.name} is turned off in sync settings`;
      decisions.push({
        connId: conn.id,
        connName: conn.name,
        externalId: null,
        personId: null,
        personName: conn.name,
        outcome: 'skipped',
        reasonCode: gate,
        reason: `${REASON_TEXT[gate]}; ${state.linkedCount(conn.id)} people synced from it earlier are left as they are`,
        steps: [step, 'Nothing was read from this source; people synced from it earlier are left as they are'],
        raw: null,
        writes: [],
        held: null,
      });
      results.push({ conn, read: null, counts: {}, touched: [], unchanged: [], forget: [], policy: '' });
      continue;
    }
    const read = reads.get(conn.id);
    if (!read) continue;
    const before = decisions.length;
    const result = planConnection(site, conn, read, state, manual, decisions);
    const counts: Partial<Record<Outcome, number>> = {};
    for (let i = before; i < decisions.length; i++) counts[decisions[i].outcome] = (counts[decisions[i].outcome] ?? 0) + 1;
    for (const e of result.unchanged) {
      const o: Outcome = typeof e === 'string' ? 'processed' : 'skipped';
      counts[o] = (counts[o] ?? 0) + 1;
    }
    results.push({ conn, read, counts, ...result });
    if (read.complete && read.records.length === 0) {
      const active = state.activeCount(conn.id);
      if (active > 0) emptySources.push({ connId: conn.id, name: conn.name, people: active });
    }
  }
  return { decisions, connections: results, syncedPeople, emptySources };
}

interface Pending {
  rec: SourceRecord;
  ext: string;
  person: PersonState | undefined;
  fingerprint: string;
  /** How many records of this read carry the same email (set by the shared-email count). */
  sharing?: { n: number };
  /** Set when the record goes through the full rules (changed or new). */
  norm: NormalizedRecord | null;
  email: string | null;
  steps: string[];
  /** The name the log shows: the linked person's, else the record's. */
  name: string;
}

/** A record the screen could not settle: it goes through the full rules. */
interface Unsettled {
  rec: SourceRecord;
  ext: string;
  fingerprint: string | null;
  /** The same external id came earlier in this read. */
  repeat: boolean;
}

function externalIdOf(rec: SourceRecord): string {
  const x = rec.externalId as unknown;
  if (typeof x === 'string') return x.trim();
  // A number is an id too; an object, list or boolean is none (String() would make "[object Object]" one).
  return (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'bigint' ? String(x) : '';
}

function planConnection(
  site: SiteInfo,
  conn: SourceConnection,
  read: SourceRead,
  state: PassState,
  manual: ManualIndex,
  out: Decision[],
): Pick<ConnectionResult, 'touched' | 'unchanged' | 'forget' | 'policy'> {
  const settings = site.settings;
  const key = policyTag(policyKey(site, conn));
  const type = defaultPersonType(conn);
  const policies = new PolicyMemo(settings, propertyCodes(conn), site.name);

  // 1. The screen: records exactly as last time are settled here, without the rules.
  const mark = state.mark;
  const stored = state.fingerprints(conn.id);
  const memos = state.skipMemos(conn.id);
  const unchanged: BatchEntry[] = [];
  const unsettled: Unsettled[] = [];
  /** External ids met in this read that no person is linked to. */
  const others = new Set<string>();
  /** The records of the read that are in `unchanged` and linked to a person, with their cache entries (for the shared-email check). */
  const records = read.records;
  const settledRecs: SourceRecord[] = [];
  const settledEntries: FingerprintEntry[] = [];
  let linkedSeen = 0;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i];
    const ext = externalIdOf(rec);
    if (ext === '') {
      unsettled.push({ rec, ext, fingerprint: null, repeat: false });
      continue;
    }
    const entry = stored.get(ext);
    if (entry !== undefined) {
      if (entry.seen === mark) {
        unsettled.push({ rec, ext, fingerprint: null, repeat: true });
        continue;
      }
      entry.seen = mark;
      linkedSeen++;
      if (entry.fields !== undefined && sameRecord(entry.fields, key, rec)) {
        unchanged.push(ext);
        settledRecs.push(rec);
        settledEntries.push(entry);
        continue;
      }
      const fingerprint = recordFingerprint(key, rec);
      if (entry.fp !== null && entry.fp === fingerprint) {
        entry.fields = recordFields(key, rec);
        entry.email = undefined;
        unchanged.push(ext);
        settledRecs.push(rec);
        settledEntries.push(entry);
      } else unsettled.push({ rec, ext, fingerprint, repeat: false });
      continue;
    }
    const memo = memos.get(ext);
    if (memo && !memo.met) {
      const fingerprint = recordFingerprint(key, rec);
      memo.met = true;
      others.add(ext);
      if (memo.fingerprint === fingerprint) {
        memo.settled = true;
        unchanged.push([ext, memo.reasonCode, memo.reason, memo.name, memo.entryId]);
      } else unsettled.push({ rec, ext, fingerprint, repeat: false });
      continue;
    }
    const repeat = others.has(ext);
    if (!repeat) others.add(ext);
    unsettled.push({ rec, ext, fingerprint: null, repeat });
  }
  const met = (ext: string) => stored.get(ext)?.seen === mark || others.has(ext);

  // 2. Full state for the people the rules will look at: unsettled records, and (for a complete
  // read) the people it no longer lists, or (for a changes feed) the ones it reports removed.
  const need: string[] = [];
  for (const u of unsettled) if (!u.repeat && u.ext !== '' && stored.has(u.ext)) need.push(u.ext);
  const missing: string[] = [];
  if (read.complete) {
    if (linkedSeen < stored.size) for (const [ext, e] of stored) if (e.seen !== mark) missing.push(ext);
  } else {
    for (const x of read.removedExternalIds) {
      const id = String(x).trim();
      if (stored.has(id) && !met(id)) missing.push(id);
    }
  }
  const linked = new Map<string, PersonState>();
  for (const p of state.peopleByExternalId(conn.id, need.concat(missing))) linked.set(p.externalId ?? '', p);

  const seen = new Set<string>();
  const pending: Pending[] = [];
  const base = (ext: string | null, person: PersonState | undefined, raw: Record<string, unknown> | null) => ({
    connId: conn.id,
    connName: conn.name,
    externalId: ext,
    personId: person?.id ?? null,
    personName: person ? fullName(person.firstName, person.lastName) : '',
    raw,
    writes: [] as PersonWrite[],
    held: null,
  });
  // The decision of a record a rule stops, built only then: most records go on to `pending` and get theirs there.
  const stopped = (ext: string, person: PersonState | undefined, raw: Record<string, unknown>, name: string) => {
    const d = base(ext, person, raw);
    d.personName = name;
    return d;
  };
  const skip = (d: ReturnType<typeof base>, steps: string[], code: ReasonCode, reason?: string): Decision => ({
    ...d,
    outcome: 'skipped',
    reasonCode: code,
    reason: reason ?? REASON_TEXT[code],
    steps,
  });

  // Records of this read that identify nobody: any of them may be a person the read seems to
  // have dropped, so a complete read with one disables nobody (see the removals below).
  let unidentified = 0;
  // The name a record that identifies nobody is logged under: text only, never "[object Object]".
  const recordName = (rec: SourceRecord) => fullName(displayText(rec.firstName).trim(), displayText(rec.lastName).trim());
  for (const { rec, ext, fingerprint: screened, repeat } of unsettled) {
    const raw = rec.raw ?? {};
    const idProblem = externalIdProblem(rec.externalId, ext);
    if (ext === '' || idProblem) {
      unidentified++;
      const d = base(ext === '' ? null : ext, undefined, raw);
      d.personName = recordName(rec);
      if (idProblem) {
        out.push(skip(d, [`Received from ${conn.name}, but its ${idProblem} → skipped`], 'invalid_record', `The record's ${idProblem}, so it cannot be tracked`));
      } else {
        out.push(skip(d, [`Received from ${conn.name} without an external id`], 'invalid_record', 'The record has no external id, so it cannot be tracked'));
      }
      continue;
    }
    if (repeat) {
      const d = base(ext, undefined, raw);
      d.personName = recordName(rec);
      out.push(skip(d, [`Found in ${conn.name} as ${ext} a second time in the same read`], 'invalid_record', `${conn.name} sent external id ${ext} more than once; only the first copy was used`));
      continue;
    }
    const person = linked.get(ext);
    // Only linked ids need remembering here: the screen already knows every id of this read.
    if (person) seen.add(ext);
    const steps = [foundStep(conn.name, ext)];
    if (person) steps.push(`Linked to ${fullName(person.firstName, person.lastName) || 'a person'} here`);
    if (person?.decoupled) {
      steps.push('Track source updates is off for this person → skipped; edits made here stick');
      out.push(skip(base(ext, person, raw), steps, 'decoupled'));
      continue;
    }
    const problem = recordProblem(rec);
    if (problem) {
      // A field of the wrong kind or size: nothing of the record is trusted, and its person stays as they are.
      const d = base(ext, person, raw);
      if (!person) d.personName = recordName(rec);
      const kept = person ? `; ${d.personName || 'the person'} is left as they are` : '';
      steps.push(`The record's ${problem} → skipped${person ? '; nothing about this person was changed' : ''}`);
      out.push(skip(d, steps, 'invalid_record', `${conn.name} sent a record that cannot be used: ${problem}${kept}`));
      continue;
    }
    const fingerprint = screened ?? recordFingerprint(key, rec);
    const norm = normalizeRecord(rec, settings.phoneRegion);
    norm.externalId = ext;
    const name = person ? fullName(person.firstName, person.lastName) || fullName(norm.firstName, norm.lastName) : fullName(norm.firstName, norm.lastName);
    for (const problem of norm.problems) steps.push(`${problem}, so it is treated as missing`);
    const where = policies.site(rec.siteKey);
    steps.push(where.step);
    if (where.kind !== 'ok') {
      if (person && where.kind === 'other') {
        out.push(disableOrSkip(stopped(ext, person, raw, name), person, steps, 'no_site', norm, `${where.step}; the person now belongs elsewhere`));
      } else {
        const s = skip(stopped(ext, person, raw, name), [...steps, 'Skipped: no site on the record'], 'no_site');
        if (person?.heldReason) s.writes.push({ kind: 'clear-held', personId: person.id });
        out.push(remember(s, person, fingerprint));
      }
      continue;
    }
    const st = policies.status(norm.status, norm.statusWord);
    steps.push(st.step);
    if (!st.ok) {
      if (person && norm.status === 'unknown' && norm.statusWord !== null && !isKnownStatusWord(norm.statusWord)) {
        // A status word nobody taught us is not a move-out: a vendor renaming "Current" must not lock everyone out.
        steps.push(`"${norm.statusWord}" is not a status word Rollcall recognises → skipped; access is left as it is`);
        out.push(skip(stopped(ext, person, raw, name), steps, 'excluded_status', `${st.step}; "${norm.statusWord}" is not a status word Rollcall recognises, so access was left as it is`));
        continue;
      }
      if (person) out.push(disableOrSkip(stopped(ext, person, raw, name), person, steps, 'excluded_status', norm, st.step));
      else out.push(remember(skip(stopped(ext, person, raw, name), [...steps, 'Skipped: excluded status'], 'excluded_status', `${st.step}`), person, fingerprint));
      continue;
    }
    const ident = policies.identifier(norm.email, norm.phone);
    steps.push(ident.step);
    if (!ident.ok) {
      const reason = norm.problems.length ? `${ident.step} (${norm.problems.join('; ')})` : ident.step;
      const s = skip(stopped(ext, person, raw, name), [...steps, 'Skipped: missing identifier'], 'missing_identifier', reason);
      if (person?.heldReason) s.writes.push({ kind: 'clear-held', personId: person.id });
      out.push(remember(s, person, fingerprint));
      continue;
    }
    pending.push({ rec, ext, person, fingerprint, norm, email: norm.email, steps, name });
  }

  // Several records sharing one email: none of them syncs until the source fixes it. Records
  // settled by the screen count too (their stored email is their record's), and for a changes
  // feed so do people synced earlier from this source that the feed did not mention.
  // One counter per email, shared by the records that carry it: counted once, read without a lookup.
  const byEmail = new Map<string, { n: number }>();
  for (const p of pending) {
    if (!p.email) continue;
    const c = byEmail.get(p.email);
    if (c) {
      c.n++;
      p.sharing = c;
    } else byEmail.set(p.email, (p.sharing = { n: 1 }));
  }
  if (byEmail.size) {
    const demote: string[] = [];
    if (read.complete) {
      // The settled records are in memory: their emails are compared without asking the mirror
      // (a settled record's stored email is its record's, normalised the same way). Each cache
      // entry keeps its record's email key while its fields stay the same, so a pass with
      // changes reads a field instead of lower-casing the whole source again.
      for (let i = 0; i < settledEntries.length; i++) {
        const entry = settledEntries[i];
        let email = entry.email;
        if (email === undefined) entry.email = email = emailMatchKey(settledRecs[i].email);
        if (email === '') continue;
        const c = byEmail.get(email);
        if (c === undefined) continue;
        c.n++;
        demote.push(externalIdOf(settledRecs[i]));
      }
    } else {
      const removed = new Set(read.removedExternalIds.map((x) => String(x).trim()));
      for (const other of state.linkedWithEmails(conn.id, [...byEmail.keys()])) {
        if (!other.email || seen.has(other.externalId)) continue;
        const settledHere = stored.get(other.externalId)?.seen === mark;
        if (!settledHere && removed.has(other.externalId)) continue;
        byEmail.get(other.email)!.n++;
        if (settledHere) demote.push(other.externalId);
      }
    }
    // A settled record that shares its email with a changed one is held with it after all.
    if (demote.length) {
      const heldSet = new Set(demote);
      const people = new Map(state.peopleByExternalId(conn.id, demote).map((p) => [p.externalId ?? '', p]));
      for (const rec of read.records) {
        const ext = externalIdOf(rec);
        const person = people.get(ext);
        if (!heldSet.has(ext) || !person || seen.has(ext)) continue;
        seen.add(ext);
        const sharing = person.email ? byEmail.get(person.email) : undefined;
        pending.push({ rec, ext, person, fingerprint: person.sourceHash ?? '', sharing, norm: null, email: person.email, steps: [], name: fullName(person.firstName, person.lastName) });
      }
      for (let i = unchanged.length - 1; i >= 0; i--) {
        const e = unchanged[i];
        if (typeof e === 'string' && heldSet.has(e)) unchanged.splice(i, 1);
      }
    }
  }

  const held = new Set<string>();
  for (const item of pending) {
    const { person, ext, steps } = item;
    const rawRec = item.rec.raw ?? {};
    const norm = item.norm;
    const shared = item.sharing?.n ?? 0;
    if (shared <= 1 && norm && !person) {
      const candidates = norm.email ? manual.candidates(norm.email) : NO_PEOPLE;
      if (candidates.length === 0) {
        // The common case of a first pass, built in one go: no other candidate, nothing held.
        const personId = uuidv7();
        steps.push(norm.email ? 'No person here has this email → added' : 'No email to match on → added');
        out.push({
          connId: conn.id,
          connName: conn.name,
          externalId: ext,
          personId,
          personName: item.name,
          raw: rawRec,
          writes: [{ kind: 'insert', personId, rec: norm, type: norm.type ?? type, hash: item.fingerprint }],
          held: null,
          outcome: 'added',
          reasonCode: null,
          reason: ADDED_REASON,
          steps,
          record: item.rec,
        });
        continue;
      }
    }
    const d = base(ext, person, rawRec);
    if (!d.personName) d.personName = item.name;
    if (shared > 1) {
      const record = norm ?? normalizeRecord(item.rec, settings.phoneRegion);
      record.externalId = ext;
      if (!norm && person) steps.push(...unchangedSteps(conn.name, ext, person, settings, record.statusWord));
      const others = shared - 1;
      steps.push(`Email shared with ${others} other record${others === 1 ? '' : 's'} → held as duplicate email`);
      const s = skip(d, steps, 'duplicate_email', `Email ${item.email} is shared with ${others} other record${others === 1 ? '' : 's'} in ${conn.name}, so none of them is synced`);
      s.held = { kind: 'duplicate_email', record, candidates: person ? [person.id] : [] };
      if (person) s.writes.push({ kind: 'hold', personId: person.id, heldReason: 'duplicate_email' });
      held.add(ext);
      out.push(s);
      continue;
    }
    if (!norm) {
      out.push({ ...d, outcome: 'processed', reasonCode: null, reason: UNCHANGED_REASON, steps: [] });
      continue;
    }
    if (person) {
      if (person.email && norm.email && person.email.toLowerCase() !== norm.email) {
        steps.push(`Email changed at the source from ${person.email} to ${norm.email} → held for review`);
        const s = skip(d, steps, 'held_for_review', `Email changed at the source from ${person.email} to ${norm.email}; held for review`);
        s.held = { kind: 'email_changed', record: norm, candidates: [person.id] };
        s.writes.push({ kind: 'hold', personId: person.id, heldReason: 'email_changed' });
        held.add(ext);
        out.push(s);
        continue;
      }
      out.push(updateDecision(d, person, norm, item.fingerprint, type, steps, false, item.rec));
      continue;
    }
    // Unlinked, and hand-added people share the email (no candidate at all was added above):
    // link only to exactly one with the same name.
    const candidates = manual.candidates(norm.email!);
    const candidateIds = candidates.map((c) => c.id);
    if (candidates.length > 1 || manual.claimed.has(candidates[0].id)) {
      const n = candidates.length;
      const why =
        n > 1
          ? `Email matches ${n} people added by hand → held for review (disputed)`
          : `Email matches ${fullName(candidates[0].firstName, candidates[0].lastName)}, who another source already claimed in this pass → held for review (disputed)`;
      steps.push(why);
      const s = skip(d, steps, 'held_for_review', `${why.replace(' → held for review (disputed)', '')}; held for review`);
      s.held = { kind: 'disputed', record: norm, candidates: candidateIds };
      held.add(ext);
      out.push(s);
      continue;
    }
    const match = candidates[0];
    const matchName = fullName(match.firstName, match.lastName);
    if (nameKey(match.firstName, match.lastName) !== nameKey(norm.firstName, norm.lastName)) {
      steps.push(`Email matches ${matchName} (added by hand) but the name differs → held for review (name mismatch)`);
      const s = skip(d, steps, 'held_for_review', `Email matches ${matchName}, added by hand, but the source says ${fullName(norm.firstName, norm.lastName)}; held for review`);
      s.held = { kind: 'name_mismatch', record: norm, candidates: candidateIds };
      held.add(ext);
      out.push(s);
      continue;
    }
    if (match.decoupled) {
      steps.push(`Email and name match ${matchName}, who is managed by hand (Track source updates off) → skipped`);
      out.push(skip({ ...d, personId: match.id, personName: matchName }, steps, 'decoupled'));
      continue;
    }
    manual.claimed.add(match.id);
    steps.push(`Email and name match ${matchName}, added by hand → linked`);
    out.push(updateDecision({ ...d, personId: match.id, personName: matchName }, match, norm, item.fingerprint, type, steps, true, item.rec));
  }

  if (read.complete) {
    // Absent from a complete read: turn access off, never delete. Unless the read held records
    // that identify nobody: the person may be one of them, and a broken upstream must not lock anyone out.
    for (const ext of missing) {
      const p = linked.get(ext);
      if (!p || p.decoupled) continue;
      if (unidentified > 0) {
        const n = `${unidentified} record${unidentified === 1 ? '' : 's'}`;
        const first = `Not in the latest complete read of ${conn.name}`;
        const why = `that read had ${n} without a usable external id, which may include this person`;
        out.push(skip(base(ext, p, { externalId: ext }), [first, `But ${why} → not disabled this pass`], 'invalid_record', `${first}, but ${why}; access was left as it is`));
        continue;
      }
      out.push(removalDecision(conn, p, ext, `Not in the latest complete read of ${conn.name}`));
    }
  } else {
    for (const x of read.removedExternalIds) {
      const id = String(x).trim();
      if (seen.has(id) || met(id)) continue;
      seen.add(id);
      const p = linked.get(id);
      const d = base(id, p, { externalId: id, removed: true });
      if (!p) {
        out.push(skip(d, [`${conn.name} reported ${id} as removed`, 'No person here came from that record → nothing to do'], 'no_match'));
      } else if (p.decoupled) {
        out.push(skip(d, [`${conn.name} reported ${id} as removed`, 'Track source updates is off for this person → skipped'], 'decoupled'));
      } else {
        out.push(removalDecision(conn, p, id, `${conn.name} reported ${id} as removed`));
      }
    }
  }
  // A person held by an earlier pass whose record is no longer held: clear the badge. Records
  // that were updated or disabled clear it in their own write. (Held people never pass the
  // screen, so they are all in `linked`.) A person an admin took over keeps even the badge: a
  // pass changes nothing of theirs, and tracking them again puts their record through the rules.
  if (read.complete) {
    const stale = [...linked.values()].filter((p) => p.heldReason && !p.decoupled && !held.has(p.externalId ?? '') && seen.has(p.externalId ?? ''));
    if (stale.length) {
      const cleared = new Set<string>();
      const byPerson = new Map<string, Decision>();
      for (const d of out) {
        if (d.connId !== conn.id) continue;
        if (d.personId) byPerson.set(d.personId, d);
        for (const w of d.writes) if (w.kind === 'update' || w.kind === 'disable' || w.kind === 'clear-held') cleared.add(w.personId);
      }
      for (const p of stale) if (!cleared.has(p.id)) byPerson.get(p.id)?.writes.push({ kind: 'clear-held', personId: p.id });
    }
  }

  // Remembered skips that no longer hold: the record changed, went, or became something else.
  const forget: string[] = [];
  for (const [ext, memo] of memos) {
    if (memo.met ? !memo.settled : read.complete || seen.has(ext)) forget.push(ext);
  }
  const touched = read.complete ? [] : [...seen, ...others, ...unchanged.map((e) => (typeof e === 'string' ? e : e[0]))];
  return { touched, unchanged, forget, policy: key };
}
function removalDecision(conn: SourceConnection, p: PersonState, ext: string, first: string): Decision {
  const name = fullName(p.firstName, p.lastName);
  const d: Decision = {
    connId: conn.id,
    connName: conn.name,
    externalId: ext,
    personId: p.id,
    personName: name,
    outcome: 'disabled',
    reasonCode: 'removed_at_source',
    reason: REASON_TEXT.removed_at_source,
    steps: [first],
    raw: { externalId: ext },
    writes: [],
    held: null,
  };
  if (p.accessEnabled) {
    d.steps.push('Access turned off (the person is kept, with their history)');
    d.writes.push({ kind: 'disable', personId: p.id, removedAtSource: true, status: null });
  } else {
    d.outcome = 'processed';
    d.steps.push(p.removedAtSource ? 'Access was already off' : 'Access was already turned off by an admin; marked as removed at the source');
    d.reason = p.removedAtSource ? 'Still not listed by the source; access stays off' : 'No longer listed by the source; access was already off';
    if (!p.removedAtSource || p.heldReason) d.writes.push({ kind: 'mark-removed', personId: p.id });
  }
  return d;
}

/** A linked person whose record no longer qualifies (excluded status, moved to another property). */
function disableOrSkip(
  d: Omit<Decision, 'outcome' | 'reasonCode' | 'reason' | 'steps'>,
  p: PersonState,
  steps: string[],
  code: 'excluded_status' | 'no_site',
  norm: NormalizedRecord,
  why: string,
): Decision {
  const status = norm.status !== p.status && norm.statusWord != null ? norm.status : null;
  if (p.accessEnabled) {
    return {
      ...d,
      outcome: 'disabled',
      reasonCode: code,
      reason: `${why}; access turned off`,
      steps: [...steps, 'Access turned off (the person is kept, with their history)'],
      writes: [{ kind: 'disable', personId: p.id, removedAtSource: false, status }],
    };
  }
  const writes: PersonWrite[] = p.heldReason ? [{ kind: 'clear-held', personId: p.id }] : [];
  return { ...d, outcome: 'skipped', reasonCode: code, reason: why, steps: [...steps, 'Access is already off → skipped'], writes };
}

export const SOURCE_FIELDS = ['firstName', 'lastName', 'email', 'phone', 'unit', 'status', 'type', 'syncedTags'] as const;

function changedFields(p: PersonState, rec: NormalizedRecord, type: PersonType): string[] {
  const changed: string[] = [];
  if (p.firstName !== rec.firstName) changed.push('firstName');
  if (p.lastName !== rec.lastName) changed.push('lastName');
  if ((p.email ?? null) !== rec.email) changed.push('email');
  if ((p.phone ?? null) !== rec.phone) changed.push('phone');
  if ((p.unit ?? null) !== rec.unit) changed.push('unit');
  if (p.status !== rec.status) changed.push('status');
  if (p.type !== type) changed.push('type');
  if ((p.syncedTags || '[]') !== JSON.stringify(rec.tags)) changed.push('syncedTags');
  return changed;
}

function updateDecision(
  d: Omit<Decision, 'outcome' | 'reasonCode' | 'reason' | 'steps'>,
  p: PersonState,
  rec: NormalizedRecord,
  fingerprint: string,
  defaultType: PersonType,
  steps: string[],
  link: boolean,
  record?: SourceRecord,
): Decision {
  const type = rec.type ?? defaultType;
  const changed = changedFields(p, rec, type);
  const enable = !p.accessEnabled && p.disabledBy === 'sync';
  const visible = changed.length > 0 || link || enable || p.removedAtSource || !!p.heldReason;
  if (!visible) {
    steps.push('Nothing visible changed → nothing to do');
    return {
      ...d,
      outcome: 'processed',
      reasonCode: null,
      reason: 'No visible change',
      steps,
      writes: p.sourceHash === fingerprint ? [] : [{ kind: 'hash', personId: p.id, hash: fingerprint }],
      record,
    };
  }
  if (changed.length) steps.push(`Updated ${changed.join(', ')}`);
  if (enable) steps.push('Back in the source, and access had been turned off by sync → access turned on again');
  else if (!p.accessEnabled) steps.push('Access stays off: an admin turned it off');
  let reasonCode: ReasonCode | null = null;
  let reason = changed.length ? `Updated from the source: ${changed.join(', ')}` : 'Refreshed from the source';
  if (link) {
    reasonCode = 'linked';
    reason = `${REASON_TEXT.linked}${changed.length ? `; updated ${changed.join(', ')}` : ''}`;
  } else if (enable) {
    reasonCode = 'reenabled';
    reason = REASON_TEXT.reenabled;
  }
  return {
    ...d,
    outcome: 'updated',
    reasonCode,
    reason,
    steps,
    writes: [{ kind: 'update', personId: p.id, rec, type, hash: fingerprint, changed: link ? SOURCE_FIELDS : changed, link, enable }],
    record,
  };
}

export type { HeldKind };
