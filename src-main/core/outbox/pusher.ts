import { randomUUID } from 'node:crypto';
import { toAccessSystem } from '../db/row-mappers';
import type { AccountValues, BasisRecord, OutboxMode, PushItem, PushSummary } from '../../contract/calls/decisions';
import { ApiError } from '../../contract/errors';
import type { AccessPanel, AccountInput, RemoteAccount } from '../adapters/types';
import { UpstreamError } from '../adapters/types';
import type { CoreEvents } from '../core-events';
import type { OpenDatabase } from '../db/open-database';
import type { Upstreams } from '../upstreams';
import { countOpenAlerts } from '../alerts/alert-queries';
import { diffFields, differingFields } from '../alerts/match';
import type { ComparableFields } from '../alerts/match';
import { auditWriter } from '../audit/audit-log';
import { OP_SELECT, opToDto, settleTasks } from '../decisions/decision-queries';
import type { OpRow } from '../decisions/decision-queries';
import { parseJson } from '../sql-helpers';
import { nextAttemptDelay, DEFAULT_BACKOFF } from './backoff';
import type { BackoffPolicy } from './backoff';
import { clearSendOwner, outboxStatus, readMode, recoverInterrupted, registerOwner, setMode, setSendOwner, writeState } from './outbox-state';

/**
 * Sends the outbox upstream. Rules, in the order they matter:
 * - Per person, in the order decided: a person whose earlier write is waiting (backing off)
 *   gets nothing newer sent before it.
 * - Before a write, the records the decision was based on are read again; if one changed (its
 *   version differs) nothing is written, the decision is a conflict, and the alert reopens with
 *   before/after. If-Match carries the same version, closing the gap between read and write.
 * - An operation is marked 'sending' in a committed transaction before its request leaves; after
 *   a crash it is sent again with the same idempotency key, so the upstream applies it once.
 * - Temporary trouble (429, 5xx) is retried later with backoff, and nothing else is sent to that
 *   access system in the same push; an unreachable upstream switches to offline (auto) and stops
 *   the push with everything kept.
 */

export interface PusherDeps {
  db: OpenDatabase;
  events: CoreEvents;
  upstreams: Upstreams;
  now(): Date;
  backoff?: BackoffPolicy;
}

type Outcome =
  | { kind: 'applied'; account: RemoteAccount | null; note?: string }
  | { kind: 'conflict'; message: string; remoteId: string | null; before: AccountValues | null; after: RemoteAccount | null; changed: string[] }
  | { kind: 'failed'; message: string }
  | { kind: 'retry'; message: string; retryAfterMs: number | null }
  | { kind: 'unreachable'; message: string }
  /** Another pusher on the same database (the CLI, a second window) claimed it first. */
  | { kind: 'taken' };

interface DecisionInfo {
  id: string;
  site_id: string;
  alert_id: string | null;
  status: string;
  actor: string;
  resolution: string;
  person_id: string | null;
  person_name: string;
  basis: string;
  decided_at: string;
}

const COMPARED: (keyof AccountValues)[] = ['firstName', 'lastName', 'email', 'phone', 'suspended'];

export class OutboxPusher {
  private chain: Promise<unknown> = Promise.resolve();
  /** Operations this pusher marked 'sending' and has not recorded yet. */
  private readonly claimed = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly backoff: BackoffPolicy;

  /** Names this pusher on the writes it claims (see outbox-state.ts). */
  private readonly owner = randomUUID();

  constructor(private readonly deps: PusherDeps) {
    this.backoff = deps.backoff ?? DEFAULT_BACKOFF;
    registerOwner(this.owner, () => deps.db.dataSource.isInitialized);
  }

  private get sqlite() {
    return this.deps.db.sqlite;
  }

  /** Call once at start-up, before any push. */
  recover(): number {
    const rows = recoverInterrupted(this.sqlite, this.deps.now());
    if (rows.length) {
      const audit = auditWriter(this.sqlite);
      const at = this.deps.now().toISOString();
      for (const r of rows) {
        audit({
          siteId: r.site_id,
          at,
          actor: 'Rollcall',
          kind: 'outbox',
          action: 'recover',
          decisionId: r.decision_id,
          opId: r.id,
          result: 'interrupted',
          message: 'The app stopped while this write was being sent; it will be sent again with the same idempotency key.',
        });
      }
    }
    return rows.length;
  }

  status(siteId?: string) {
    return outboxStatus(this.sqlite, siteId);
  }

  emitChanged(): void {
    const s = outboxStatus(this.sqlite);
    this.deps.events.emit('outbox.changed', { mode: s.mode, pending: s.pending, pendingDecisions: s.pendingDecisions });
  }

  setOffline(offline: boolean, actor: string) {
    const before = readMode(this.sqlite);
    const mode: OutboxMode = offline ? 'offline-manual' : 'online';
    this.sqlite.transaction(() => {
      setMode(this.sqlite, mode, offline ? `Switched to offline by ${actor}.` : null);
      if (before !== mode) {
        auditWriter(this.sqlite)({
          siteId: null,
          at: this.deps.now().toISOString(),
          actor,
          kind: 'outbox',
          action: offline ? 'work-offline' : 'work-online',
          result: mode,
        });
      }
    })();
    this.emitChanged();
    return this.status();
  }

  /** Pushes are serialised: a second "Push now" waits for the first and then sends what is left. */
  pushNow(opts: { siteId?: string; actor: string }): Promise<PushSummary> {
    const run = this.chain.then(() => this.pushOnce(opts));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Long-running hosts: push in the background while online, and probe while offline (auto). */
  startBackground(intervalMs = 30_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.deps.db.dataSource.isInitialized) return this.stopBackground();
      if (readMode(this.sqlite) === 'offline-manual') return;
      const due = this.sqlite
        .prepare(`SELECT 1 FROM outbox_op WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?) LIMIT 1`)
        .get(this.deps.now().toISOString());
      if (due) this.pushNow({ actor: 'Rollcall (automatic push)' }).catch(() => undefined);
    }, intervalMs);
    this.timer.unref?.();
  }

  stopBackground(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async pushOnce(opts: { siteId?: string; actor: string }): Promise<PushSummary> {
    const { sqlite } = this;
    const startedAt = this.deps.now().toISOString();
    const mode = readMode(sqlite);
    const waitingDecisions = () => outboxStatus(sqlite, opts.siteId).pendingDecisions;
    if (mode === 'offline-manual') {
      throw new ApiError(
        'unavailable',
        `Rollcall is working offline (switched by hand), so nothing was pushed. ${waitingDecisions()} decision(s) are kept and wait; switch back online to push them.`,
      );
    }

    const panels = new Map<string, AccessPanel | UpstreamError>();
    const panelOf = (accessSystemId: string): AccessPanel | UpstreamError => {
      let p = panels.get(accessSystemId);
      if (!p) {
        const row = sqlite.prepare('SELECT * FROM access_system WHERE id = ?').get(accessSystemId) as Record<string, unknown> | undefined;
        try {
          if (!row) throw new UpstreamError('That access system was removed from Rollcall.', 404);
          p = this.deps.upstreams.panelFor(toAccessSystem(row));
        } catch (err) {
          p = err instanceof UpstreamError ? err : new UpstreamError((err as Error).message);
        }
        panels.set(accessSystemId, p);
      }
      return p;
    };

    if (mode === 'offline-auto') {
      // Detected offline: see whether the systems with work waiting answer again.
      const systems = sqlite
        .prepare(`SELECT DISTINCT access_system_id FROM outbox_op WHERE status = 'pending' ${opts.siteId ? 'AND site_id = ?' : ''}`)
        .pluck()
        .all(...(opts.siteId ? [opts.siteId] : [])) as string[];
      for (const id of systems) {
        const panel = panelOf(id);
        const probe = panel instanceof UpstreamError ? { ok: false, message: panel.message } : await panel.test().catch((e: Error) => ({ ok: false, message: e.message }));
        if (!probe.ok) {
          setMode(sqlite, 'offline-auto', probe.message);
          this.emitChanged();
          throw new ApiError('unavailable', `Still offline: ${probe.message} ${waitingDecisions()} decision(s) are kept and will be pushed once it answers.`);
        }
      }
      setMode(sqlite, 'online', null);
      this.emitChanged();
    }

    const ops = sqlite
      .prepare<unknown[], OpRow>(
        `${OP_SELECT} WHERE o.status = 'pending' ${opts.siteId ? 'AND o.site_id = ?' : ''} ORDER BY d.seq, o.op_index`,
      )
      .all(...(opts.siteId ? [opts.siteId] : []));

    const items: PushItem[] = [];
    const blocked = new Set<string>();
    // Access systems that answered "slow down" (429) or "in trouble" (5xx) in this push: a rate
    // limit or an outage is the whole system's, so the writes still waiting for it stay queued
    // (no try counted) instead of each meeting the same answer, retries and all.
    const paused = new Set<string>();
    const touchedDecisions = new Set<string>();
    const reopened = new Set<string>();
    const alertSites = new Set<string>();
    let wentOffline = false;

    const fresh = sqlite.prepare<[string], OpRow>(`${OP_SELECT} WHERE o.id = ?`);
    for (const listed of ops) {
      if (blocked.has(listed.person_key)) continue;
      // Read again: an earlier write in this push may have cancelled it or moved its base version on.
      const op = fresh.get(listed.id);
      if (!op || op.status !== 'pending') continue;
      const nowIso = this.deps.now().toISOString();
      if (op.next_attempt_at && op.next_attempt_at > nowIso) {
        blocked.add(op.person_key);
        continue;
      }
      if (paused.has(op.access_system_id)) {
        blocked.add(op.person_key);
        continue;
      }
      const decision = sqlite.prepare<[string], DecisionInfo>('SELECT * FROM decision WHERE id = ?').get(op.decision_id)!;
      const panel = panelOf(op.access_system_id);
      const outcome: Outcome =
        panel instanceof UpstreamError ? classify(panel) : await this.sendOne(op, decision, panel);
      const claimed = this.claimed.delete(op.id);
      const item = outcome.kind === 'taken' ? null : this.record(op, decision, outcome, opts.actor, claimed);
      if (!item) {
        // Another pusher claimed it and reports it; keep this person's later writes behind it.
        blocked.add(op.person_key);
        continue;
      }
      touchedDecisions.add(decision.id);
      items.push(item);
      if (outcome.kind === 'conflict' || outcome.kind === 'failed') {
        if (decision.alert_id) {
          reopened.add(decision.alert_id);
          alertSites.add(decision.site_id);
        }
      }
      if (outcome.kind === 'retry') {
        blocked.add(op.person_key);
        paused.add(op.access_system_id);
      }
      if (outcome.kind === 'unreachable') {
        setMode(sqlite, 'offline-auto', outcome.message);
        wentOffline = true;
        break;
      }
    }

    writeState(sqlite, 'lastPushAt', this.deps.now().toISOString());
    settleTasks(sqlite, this.deps.now().toISOString());

    // Decision-level counts: what a manager thinks in ("19 applied, 1 reopened").
    let applied = 0;
    let conflicts = 0;
    let failed = 0;
    for (const id of touchedDecisions) {
      const status = sqlite.prepare('SELECT status FROM decision WHERE id = ?').pluck().get(id);
      if (status === 'applied') applied++;
      else if (status === 'conflict') conflicts++;
      else if (status === 'failed') failed++;
    }
    for (const siteId of alertSites) this.deps.events.emit('alerts.changed', { siteId, open: countOpenAlerts(this.deps.db, siteId) });
    this.emitChanged();
    const summary: PushSummary = {
      applied,
      conflicts,
      failed,
      waiting: waitingDecisions(),
      reopenedAlertIds: [...reopened],
      items,
      mode: readMode(sqlite),
      startedAt,
      finishedAt: this.deps.now().toISOString(),
    };
    if (wentOffline && items.every((i) => i.result === 'retry')) {
      const last = items[items.length - 1];
      throw new ApiError(
        'unavailable',
        `Went offline: ${last?.error ?? 'the access system cannot be reached'} ${summary.waiting} decision(s) are kept and will be pushed once it answers.`,
      );
    }
    return summary;
  }

  /** One operation: checks, 'sending' mark, the write. Never throws. */
  private async sendOne(op: OpRow, decision: DecisionInfo, panel: AccessPanel): Promise<Outcome> {
    const { sqlite } = this;
    const basis = parseJson<BasisRecord[]>(decision.basis, []);
    const payload = parseJson<Partial<AccountInput>>(op.payload, {});
    let sent = false;
    try {
      const anyApplied = !!sqlite.prepare(`SELECT 1 FROM outbox_op WHERE decision_id = ? AND status = 'applied'`).get(op.decision_id);

      // The person must still be someone the source gives access to, and the source values this
      // decision pushes must still be what the source says. The person is checked for a create
      // even when part of the decision already went (remove-duplicate deletes, then creates): a
      // new account is access given, whatever went before it.
      const checkPerson = usesSourceValues(decision.resolution) && (!anyApplied || op.kind === 'create');
      const gone = checkPerson ? this.personGone(decision) : null;
      if (gone) return gone;
      if (!anyApplied && usesSourceValues(decision.resolution)) {
        const changed = this.sourceChange(basis);
        if (changed) return changed;
      }

      let alreadyGone = false;
      // An interrupted write may already have been applied: reading first would see our own
      // change as someone else's. The same idempotency key and If-Match settle it instead.
      if (!op.interrupted) {
        const others = sqlite
          .prepare<[string], { remote_id: string; base_version: string | null }>(
            `SELECT DISTINCT remote_id, base_version FROM outbox_op WHERE decision_id = ? AND status = 'pending' AND remote_id IS NOT NULL`,
          )
          .all(op.decision_id);
        for (const r of others) {
          const cur = await panel.get(r.remote_id);
          const before = basis.find((b) => b.system === 'access' && b.recordId === r.remote_id)?.values ?? null;
          if (cur === null) {
            if (op.kind === 'delete' && r.remote_id === op.remote_id && others.length === 1) {
              alreadyGone = true;
              continue;
            }
            return { kind: 'conflict', message: `Account ${r.remote_id} was deleted in the access system after the decision.`, remoteId: r.remote_id, before, after: null, changed: ['deleted'] };
          }
          if (r.base_version !== null && cur.version !== r.base_version) {
            const changed = diffValues(before, cur);
            return {
              kind: 'conflict',
              message: `Account ${r.remote_id} changed in the access system after the decision (${changed.length ? changed.join(', ') : 'version'} changed); nothing was written.`,
              remoteId: r.remote_id,
              before,
              after: cur,
              changed,
            };
          }
        }
      }
      if (alreadyGone) return { kind: 'applied', account: null, note: 'The account was already gone.' };

      // Again in the same tick as the claim: the reads above wait on the network, and a pass (or
      // an admin) may have turned the person's access off meanwhile.
      const goneSince = checkPerson ? this.personGone(decision) : null;
      if (goneSince) return goneSince;
      if (!this.markSending(op)) return { kind: 'taken' };
      sent = true;
      const wo = { idempotencyKey: op.idempotency_key, ifVersion: op.base_version };
      switch (op.kind) {
        case 'create': {
          const account = await panel.create(payload as AccountInput, { idempotencyKey: op.idempotency_key });
          // A system with no field for our reference finds a retried create's account again by
          // email or name, and may hand back one that another person here already holds (two
          // people sharing an email). Linking it would let one person's decisions change the
          // other's access.
          const holder = decision.person_id
            ? sqlite
                .prepare<[string, string, string], { first_name: string; last_name: string }>(
                  `SELECT p.first_name, p.last_name FROM access_account a JOIN person p ON p.id = a.person_id
                   WHERE a.access_system_id = ? AND a.remote_id = ? AND a.person_id <> ?`,
                )
                .get(op.access_system_id, account.remoteId, decision.person_id)
            : undefined;
          if (holder) {
            const who = [holder.first_name, holder.last_name].filter(Boolean).join(' ') || 'another person';
            return {
              kind: 'failed',
              message: `The access system answered the new account with ${account.remoteId}, which already belongs to ${who}; one account cannot serve two people, so it was not linked. Give each of them their own email.`,
            };
          }
          return { kind: 'applied', account };
        }
        case 'update':
          return { kind: 'applied', account: await panel.update(op.remote_id!, payload, wo) };
        case 'suspend':
          return { kind: 'applied', account: await panel.suspend(op.remote_id!, wo) };
        case 'delete':
          await panel.remove(op.remote_id!, wo);
          return { kind: 'applied', account: null };
      }
    } catch (err) {
      if (err instanceof UpstreamError && err.status === 412) {
        const cur = await panel.get(op.remote_id!).catch(() => null);
        // A resend after a lost answer meets the version our own first send created, when the
        // upstream keeps no idempotency keys. If the account holds what we asked for, it landed.
        if (op.interrupted && cur && ownWriteHolds(op.kind, payload, cur)) {
          return { kind: 'applied', account: cur, note: `${opToDto(op).description} (already applied by an earlier send whose answer was lost).` };
        }
        const before = basis.find((b) => b.system === 'access' && b.recordId === op.remote_id)?.values ?? null;
        const changed = cur ? diffValues(before, cur) : ['deleted'];
        return { kind: 'conflict', message: err.message, remoteId: op.remote_id, before, after: cur, changed };
      }
      if (err instanceof UpstreamError && err.status === 404 && op.kind !== 'create') {
        return { kind: 'conflict', message: err.message, remoteId: op.remote_id, before: null, after: null, changed: ['deleted'] };
      }
      const outcome = classify(err);
      if ((outcome.kind === 'retry' || outcome.kind === 'unreachable') && sent) {
        // The request may have reached the upstream: next time, trust the idempotency key.
        sqlite.prepare('UPDATE outbox_op SET interrupted = 1 WHERE id = ?').run(op.id);
      }
      return outcome;
    }
  }

  /**
   * A decision made for a person who has since lost access (moved out, removed at the source,
   * turned off by an admin) or been deleted from Rollcall must not create, link or rename an
   * account for them: that would hand access back to someone the source took it from. A person
   * whose access was already off when the decision was made is left to the manager's word.
   */
  private personGone(decision: DecisionInfo): Outcome | null {
    if (!decision.person_id) return null;
    const row = this.sqlite
      .prepare<[string], { access_enabled: number; disabled_at: string | null; disabled_by: string | null; removed_at_source: number; status: string | null }>(
        'SELECT access_enabled, disabled_at, disabled_by, removed_at_source, status FROM person WHERE id = ?',
      )
      .get(decision.person_id);
    const who = decision.person_name || 'This person';
    if (!row) {
      return {
        kind: 'conflict',
        message: `${who} is no longer in Rollcall (deleted after the decision); nothing was written.`,
        remoteId: null,
        before: null,
        after: null,
        changed: ['person deleted'],
      };
    }
    if (row.access_enabled === 1 || (row.disabled_at !== null && row.disabled_at < decision.decided_at)) return null;
    const why = row.removed_at_source
      ? 'the source no longer lists them'
      : row.disabled_by === 'sync'
        ? `the source now says ${row.status ? `“${row.status}”` : 'they should not have access'}`
        : 'an admin turned it off';
    return {
      kind: 'conflict',
      message: `${who}'s access was turned off after the decision (${why}); nothing was written, so no account was created or linked for them.`,
      remoteId: null,
      before: null,
      after: null,
      changed: ['access turned off'],
    };
  }

  /**
   * Compares what the source says now with what the decision saw. "Now" is the newest version we
   * have of the source record: a record the last pass held back (an email change, a disputed
   * match) is newer than the person row, which keeps its old values and hash while it is held.
   */
  private sourceChange(basis: BasisRecord[]): Outcome | null {
    const src = basis.find((b) => b.system === 'source' && (b.personId || (b.systemId && b.recordId)));
    if (!src) return null;
    let now: AccountValues | null = null;
    if (src.systemId && src.recordId) {
      const held = this.sqlite
        .prepare<[string, string], string>('SELECT record FROM held_record WHERE source_connection_id = ? AND external_id = ?')
        .pluck()
        .get(src.systemId, src.recordId);
      if (held !== undefined) {
        const rec = parseJson<Record<string, unknown>>(held, {});
        const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
        now = { firstName: text(rec.firstName) ?? '', lastName: text(rec.lastName) ?? '', email: text(rec.email), phone: text(rec.phone) };
      }
    }
    if (!now && src.personId) {
      const row = this.sqlite
        .prepare<[string], { first_name: string; last_name: string; email: string | null; phone: string | null; source_hash: string | null }>(
          'SELECT first_name, last_name, email, phone, source_hash FROM person WHERE id = ?',
        )
        .get(src.personId);
      // Same version as decided on: nothing to compare (the common case, one indexed read).
      if (!row || (src.version !== null && row.source_hash === src.version)) return null;
      now = { firstName: row.first_name, lastName: row.last_name, email: row.email, phone: row.phone };
    }
    if (!now) return null;
    const changed = (['firstName', 'lastName', 'email', 'phone'] as const).filter((f) => (now[f] || null) !== (src.values[f] || null));
    if (changed.length === 0) return null;
    return {
      kind: 'conflict',
      message: `${src.systemName} changed this person after the decision (${changed.join(', ')}); nothing was written.`,
      remoteId: null,
      before: src.values,
      after: null,
      changed: changed.map((f) => `source ${f}`),
    };
  }

  /**
   * Claims the operation. Committed before the request leaves: a crash from here on is recovered
   * as 'interrupted'. Only a still-pending operation can be claimed, so two pushers on one
   * database (the window and the CLI) never both send it.
   */
  private markSending(op: OpRow): boolean {
    const { sqlite } = this;
    return sqlite.transaction(() => {
      const taken =
        sqlite.prepare(`UPDATE outbox_op SET status = 'sending', sent_at = ? WHERE id = ? AND status = 'pending'`).run(this.deps.now().toISOString(), op.id)
          .changes === 1;
      if (taken) setSendOwner(sqlite, op.id, { pid: process.pid, owner: this.owner });
      return taken && !!this.claimed.add(op.id);
    })();
  }

  /** Writes the outcome (op, decision, alert, mirror, audit) in one transaction. */
  private record(op: OpRow, decision: DecisionInfo, outcome: Exclude<Outcome, { kind: 'taken' }>, actor: string, claimed: boolean): PushItem | null {
    const { sqlite } = this;
    const at = this.deps.now().toISOString();
    const audit = auditWriter(sqlite);
    const dto = opToDto(op);
    const item: PushItem = {
      opId: op.id,
      decisionId: op.decision_id,
      alertId: decision.alert_id,
      personId: decision.person_id,
      personName: decision.person_name,
      description: dto.description,
      result: outcome.kind === 'unreachable' ? 'retry' : outcome.kind,
      error: outcome.kind === 'applied' ? null : outcome.message,
      nextAttemptAt: null,
    };
    const base = {
      siteId: op.site_id,
      at,
      actor,
      kind: 'write' as const,
      action: op.kind,
      personId: decision.person_id,
      personName: decision.person_name,
      alertId: decision.alert_id,
      decisionId: decision.id,
      opId: op.id,
      target: `${dto.accessSystemName}${op.remote_id ? ` ${op.remote_id}` : ''}`,
    };

    const written = sqlite.transaction((): boolean => {
      // An outcome reached without claiming the operation (a conflict found by the re-read, an
      // unreachable panel) only counts while nobody else has claimed or finished it meanwhile:
      // another pusher's own applied write must not be turned into a conflict here.
      if (!claimed && sqlite.prepare('SELECT status FROM outbox_op WHERE id = ?').pluck().get(op.id) !== 'pending') return false;
      if (claimed) clearSendOwner(sqlite, op.id);
      sqlite.prepare('UPDATE outbox_op SET attempts = attempts + 1 WHERE id = ?').run(op.id);
      if (outcome.kind === 'applied') {
        const account = outcome.account;
        sqlite
          .prepare(`UPDATE outbox_op SET status = 'applied', result = ?, last_error = NULL, finished_at = ?, interrupted = 0 WHERE id = ?`)
          .run(account ? JSON.stringify(account) : null, at, op.id);
        if (op.kind !== 'create' && op.kind !== 'delete' && account?.version && op.remote_id) {
          // Our own write moved the version on: later writes on this account were based on the
          // old one, and must not mistake our change for someone else's.
          sqlite
            .prepare(
              `UPDATE outbox_op SET base_version = ? WHERE access_system_id = ? AND remote_id = ? AND status = 'pending' AND base_version IS ?`,
            )
            .run(account.version, op.access_system_id, op.remote_id, op.base_version);
        }
        this.updateMirror(op, decision, account, at);
        const left = sqlite.prepare(`SELECT count(*) FROM outbox_op WHERE decision_id = ? AND status <> 'applied'`).pluck().get(decision.id) as number;
        if (left === 0) sqlite.prepare(`UPDATE decision SET status = 'applied', finished_at = ?, error = NULL WHERE id = ?`).run(at, decision.id);
        audit({
          ...base,
          target: `${dto.accessSystemName} ${account?.remoteId ?? op.remote_id ?? ''}`.trim(),
          result: 'applied',
          message: outcome.note ?? dto.description,
          detail: { idempotencyKey: op.idempotency_key, decidedBy: decision.actor, after: account },
        });
      } else if (outcome.kind === 'retry' || outcome.kind === 'unreachable') {
        const attempts = (sqlite.prepare('SELECT attempts FROM outbox_op WHERE id = ?').pluck().get(op.id) as number) || 1;
        if (outcome.kind === 'retry' && attempts >= this.backoff.maxAttempts) {
          this.finishBadly(op, decision, 'failed', `${outcome.message} Gave up after ${attempts} tries.`, at, null);
          item.result = 'failed';
          item.error = `${outcome.message} Gave up after ${attempts} tries.`;
          audit({ ...base, result: 'failed', message: item.error });
          return true;
        }
        const delay = outcome.kind === 'retry' ? nextAttemptDelay(this.backoff, attempts, outcome.retryAfterMs) : 0;
        const next = outcome.kind === 'retry' ? new Date(this.deps.now().getTime() + delay).toISOString() : null;
        sqlite.prepare(`UPDATE outbox_op SET status = 'pending', last_error = ?, next_attempt_at = ? WHERE id = ?`).run(outcome.message, next, op.id);
        item.nextAttemptAt = next;
        audit({ ...base, result: outcome.kind === 'retry' ? 'retry-later' : 'offline', message: outcome.message, detail: { nextAttemptAt: next, attempts } });
      } else if (outcome.kind === 'failed') {
        this.finishBadly(op, decision, 'failed', outcome.message, at, null);
        audit({ ...base, result: 'failed', message: outcome.message });
      } else {
        this.finishBadly(op, decision, 'conflict', outcome.message, at, outcome);
        audit({
          ...base,
          result: 'conflict',
          message: outcome.message,
          detail: { before: outcome.before, after: outcome.after, changed: outcome.changed, decidedBy: decision.actor },
        });
      }
      return true;
    })();
    return written ? item : null;
  }

  /** Conflict or failure: nothing more of this decision is sent, and its alert reopens for review. */
  private finishBadly(
    op: OpRow,
    decision: DecisionInfo,
    status: 'failed' | 'conflict',
    message: string,
    at: string,
    conflict: Extract<Outcome, { kind: 'conflict' }> | null,
  ): void {
    const { sqlite } = this;
    sqlite.prepare(`UPDATE outbox_op SET status = ?, last_error = ?, finished_at = ? WHERE id = ?`).run(status, message, at, op.id);
    sqlite
      .prepare(`UPDATE outbox_op SET status = 'cancelled', last_error = ?, finished_at = ? WHERE decision_id = ? AND status = 'pending'`)
      .run(`Not sent: an earlier write of the same decision ended in ${status}.`, at, decision.id);
    sqlite.prepare(`UPDATE decision SET status = ?, error = ?, finished_at = ? WHERE id = ?`).run(status, message, at, decision.id);
    if (conflict?.after && conflict.remoteId) this.updateMirror({ ...op, kind: 'update', remote_id: conflict.remoteId }, decision, conflict.after, at, false);
    if (conflict && conflict.after === null && conflict.remoteId) {
      sqlite.prepare('DELETE FROM access_account WHERE access_system_id = ? AND remote_id = ?').run(op.access_system_id, conflict.remoteId);
    }
    if (!decision.alert_id) return;
    const row = sqlite.prepare<[string], { detail: string }>('SELECT detail FROM alert WHERE id = ?').get(decision.alert_id);
    if (!row) return;
    const detail = parseJson<Record<string, unknown>>(row.detail, {});
    const applied = sqlite
      .prepare(`SELECT id FROM outbox_op WHERE decision_id = ? AND status = 'applied'`)
      .pluck()
      .all(decision.id) as string[];
    detail.review = {
      kind: status,
      at,
      decisionId: decision.id,
      resolution: decision.resolution,
      decidedBy: decision.actor,
      message,
      remoteId: conflict?.remoteId ?? op.remote_id,
      before: conflict?.before ?? null,
      after: conflict?.after ?? null,
      changed: conflict?.changed ?? [],
      // Writes of this decision that did go through before it stopped (they are not undone).
      appliedOpIds: applied,
    };
    const account = detail.account as Record<string, unknown> | null | undefined;
    if (conflict?.after && account && account.remoteId === conflict.remoteId) {
      // Show the account as it is now, so the next decision is based on the current version.
      Object.assign(account, {
        firstName: conflict.after.firstName,
        lastName: conflict.after.lastName,
        email: conflict.after.email,
        phone: conflict.after.phone,
        suspended: conflict.after.suspended,
        version: conflict.after.version,
      });
      // The side-by-side view highlights what differs now, not what differed when the alert opened.
      const source = detail.source as ComparableFields | undefined;
      if (source && Array.isArray(detail.fields)) {
        const fields = diffFields(source, account as ComparableFields);
        detail.fields = fields;
        detail.differing = differingFields(fields);
      }
    }
    sqlite
      .prepare(`UPDATE alert SET status = 'open', detail = ?, updated_at = ?, closed_at = NULL WHERE id = ?`)
      .run(JSON.stringify(detail), at, decision.alert_id);
  }

  /** Keeps our mirror of the access system in step with what we just wrote (until the next full read). */
  private updateMirror(op: Pick<OpRow, 'kind' | 'access_system_id' | 'remote_id' | 'site_id' | 'payload'>, decision: DecisionInfo, account: RemoteAccount | null, at: string, link = true): void {
    const { sqlite } = this;
    if (op.kind === 'delete') {
      sqlite.prepare('DELETE FROM access_account WHERE access_system_id = ? AND remote_id = ?').run(op.access_system_id, op.remote_id);
      return;
    }
    if (!account) return;
    const linksPerson =
      link &&
      (op.kind === 'create' || 'externalRef' in parseJson<Record<string, unknown>>(op.payload, {})) &&
      // A person deleted meanwhile cannot be linked (and must not fail the whole push).
      !!decision.person_id &&
      !!sqlite.prepare('SELECT 1 FROM person WHERE id = ?').get(decision.person_id);
    const existing = sqlite
      .prepare<[string, string], { id: string; person_id: string | null }>('SELECT id, person_id FROM access_account WHERE access_system_id = ? AND remote_id = ?')
      .get(op.access_system_id, account.remoteId);
    sqlite
      .prepare(
        `INSERT INTO access_account (id, access_system_id, site_id, person_id, remote_id, first_name, last_name, email, phone, suspended, version, last_seen_at)
         VALUES (@id, @systemId, @siteId, @personId, @remoteId, @firstName, @lastName, @email, @phone, @suspended, @version, @at)
         ON CONFLICT (access_system_id, remote_id) DO UPDATE SET
           person_id = excluded.person_id, first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,
           phone = excluded.phone, suspended = excluded.suspended, version = excluded.version, last_seen_at = excluded.last_seen_at`,
      )
      .run({
        id: existing?.id ?? randomUUID(),
        systemId: op.access_system_id,
        siteId: op.site_id,
        personId: (linksPerson ? decision.person_id : null) ?? existing?.person_id ?? null,
        remoteId: account.remoteId,
        firstName: account.firstName,
        lastName: account.lastName,
        email: account.email,
        phone: account.phone,
        suspended: account.suspended ? 1 : 0,
        version: account.version,
        at,
      });
  }
}

/** Whether an account already carries everything an update or suspend asked for. */
function ownWriteHolds(kind: OpRow['kind'], payload: Partial<AccountInput>, cur: RemoteAccount): boolean {
  if (kind === 'suspend') return cur.suspended;
  if (kind !== 'update') return false;
  for (const field of ['firstName', 'lastName', 'email', 'phone'] as const) {
    if (payload[field] !== undefined && (payload[field] ?? null) !== (cur[field] ?? null)) return false;
  }
  // Some access systems keep no reference for us (null): that says nothing about our write.
  return payload.externalRef === undefined || cur.externalRef === null || cur.externalRef === payload.externalRef;
}

function usesSourceValues(resolution: string): boolean {
  return resolution === 'merge' || resolution === 'remove-duplicate' || resolution === 'source-is-right';
}

function diffValues(before: AccountValues | null, after: RemoteAccount): string[] {
  if (!before) return [];
  return COMPARED.filter((f) => before[f] !== undefined && (before[f] ?? null) !== ((after as unknown as Record<string, unknown>)[f] ?? null));
}

/** Sorts an adapter failure into: try later, offline, or a refusal that will not change by retrying. */
function classify(err: unknown): Outcome {
  if (err instanceof UpstreamError) {
    const retryAfterMs = typeof (err as { retryAfterMs?: unknown }).retryAfterMs === 'number' ? (err as unknown as { retryAfterMs: number }).retryAfterMs : null;
    if (err.status === null && (/could not reach/i.test(err.message) || /not running/i.test(err.message))) {
      return { kind: 'unreachable', message: err.message };
    }
    if (err.retryable) return { kind: 'retry', message: err.message, retryAfterMs };
    return { kind: 'failed', message: err.message };
  }
  return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
}

