import { z } from 'zod';
import { call } from '../define';
import { id, limit, searchText } from './common';
import { ALERT_TYPES } from '../dto';
import type { AlertDto, AlertType, Page } from '../dto';

/** Alert decisions, the offline outbox, pushing, and the audit trail. */

/**
 * What a manager can decide on an alert. Which ones an alert accepts depends on its type
 * (RESOLUTIONS_BY_TYPE); `dismiss` and `skip` fit every type.
 * - merge / remove-duplicate: duplicate accounts.
 * - source-is-right: name or email mismatch, the source's value wins upstream.
 * - access-is-right: name or email mismatch, a task to fix the source (no upstream write).
 * - fix-at-source: duplicate emails, a task listing every record that shares the address.
 * - skip: nothing is recorded (keyboard review moves on).
 */
export const RESOLUTIONS = [
  'merge',
  'remove-duplicate',
  'source-is-right',
  'access-is-right',
  'fix-at-source',
  'dismiss',
  'skip',
] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const RESOLUTIONS_BY_TYPE: Record<AlertType, readonly Resolution[]> = {
  duplicate_accounts: ['merge', 'remove-duplicate', 'dismiss', 'skip'],
  name_mismatch: ['source-is-right', 'access-is-right', 'dismiss', 'skip'],
  email_mismatch: ['source-is-right', 'access-is-right', 'dismiss', 'skip'],
  duplicate_emails: ['fix-at-source', 'dismiss', 'skip'],
};

export const MERGE_FIELDS = ['firstName', 'lastName', 'email', 'phone'] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];

const side = z.enum(['source', 'access']);

/** Options a resolution understands; the ones that do not apply to it are ignored. */
export const decisionOptions = z
  .object({
    /** dismiss: stay dismissed until the involved records change. */
    remember: z.boolean(),
    /** email_mismatch source-is-right: what happens to the old account once the new one exists. */
    oldAccount: z.enum(['delete', 'suspend']),
    /** duplicate_accounts remove-duplicate: create a fresh linked account after removing the duplicate. */
    recreate: z.boolean(),
    /** duplicate_accounts merge: the remote id of the account that survives (defaults to the only one). */
    keep: z.string().min(1).max(200),
    /** duplicate_accounts merge: which side's value wins, per field (default: source). */
    winners: z.object({ firstName: side, lastName: side, email: side, phone: side }).partial().strict(),
  })
  .partial()
  .strict();
export type DecisionOptions = z.infer<typeof decisionOptions>;

export type DecisionStatus =
  /** Recorded; upstream writes wait in the outbox. */
  | 'pending'
  /** Every upstream write went through. */
  | 'applied'
  /** An upstream record changed after the decision: nothing more was written, the alert reopened. */
  | 'conflict'
  /** The upstream refused a write; the alert reopened with the error. */
  | 'failed'
  /** A fix-at-source task: stays until a pass shows the source fixed (the alert closes). */
  | 'awaiting_source'
  /** The task's alert closed (fixed at source). */
  | 'done'
  | 'dismissed'
  /** Withdrawn before it was pushed, or replaced by a later decision on the same alert. */
  | 'cancelled';

export type OpKind = 'create' | 'update' | 'suspend' | 'delete';
export type OpStatus = 'pending' | 'sending' | 'applied' | 'failed' | 'conflict' | 'cancelled';

export interface AccountValues {
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  suspended?: boolean;
}

/** One upstream record a decision was based on, with the version it had then. */
export interface BasisRecord {
  system: 'access' | 'source';
  /** Access system id or source connection id. */
  systemId: string | null;
  systemName: string;
  /** Remote account id, or the source's external id. */
  recordId: string | null;
  personId: string | null;
  /** ETag / version / updated-at (access), or the source record hash (source). */
  version: string | null;
  values: AccountValues;
}

/** What to change in which system, for a person to do by hand. */
export interface FixAtSourceTask {
  system: string;
  sourceConnectionId: string | null;
  /** Plain instruction, e.g. "In Demo PMS, change the email of R-10023 from a@x to b@x". */
  instruction: string;
  /** Whether Rollcall can write the change back itself. None of the current sources can. */
  writeBack: 'unsupported' | 'queued';
  changes: Array<{ externalId: string | null; personId: string | null; name: string; field: string; from: string | null; to: string | null }>;
  /** duplicate_emails: every record sharing the address, with its ids. */
  records?: Array<{ sourceName: string; sourceConnectionId: string; externalId: string; personId: string | null; name: string; email: string }>;
}

export interface OutboxOpDto {
  id: string;
  decisionId: string;
  alertId: string | null;
  siteId: string;
  personId: string | null;
  personName: string;
  index: number;
  kind: OpKind;
  accessSystemId: string;
  accessSystemName: string;
  remoteId: string | null;
  /** The version the write must still find upstream. */
  baseVersion: string | null;
  payload: Record<string, unknown>;
  idempotencyKey: string;
  status: OpStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  /** Plain sentence, e.g. "Update Demo Access account usr_001234: first name, last name". */
  description: string;
  sentAt: string | null;
  finishedAt: string | null;
}

export interface DecisionDto {
  id: string;
  siteId: string;
  alertId: string | null;
  alertType: AlertType;
  fingerprint: string;
  personId: string | null;
  personName: string;
  resolution: Resolution;
  options: DecisionOptions;
  /** Who decided, as the host that served the call knows them ("ana (manager)", "cli:ops"). */
  actor: string;
  decidedAt: string;
  status: DecisionStatus;
  basis: BasisRecord[];
  task: FixAtSourceTask | null;
  error: string | null;
  finishedAt: string | null;
  ops: OutboxOpDto[];
}

export interface DecideResult {
  alertId: string;
  ok: boolean;
  /** recorded (writes queued), task (fix at source), dismissed, skipped, or error. */
  result: 'recorded' | 'task' | 'dismissed' | 'skipped' | 'error';
  decisionId: string | null;
  /** Set when ok is false: why this alert could not take the resolution. */
  error: string | null;
  /** How many upstream writes were queued. */
  ops: number;
}

export interface DecideManyResult {
  recorded: number;
  tasks: number;
  dismissed: number;
  skipped: number;
  errors: number;
  results: DecideResult[];
}

export interface PendingCount {
  /** Decisions with upstream writes still to push. */
  pending: number;
  /** Fix-at-source tasks still waiting for the source. */
  tasks: number;
  /** Pending decisions per person id (people with none are left out). */
  byPerson: Record<string, number>;
}

export type OutboxMode = 'online' | 'offline-manual' | 'offline-auto';

export interface OutboxStatus {
  mode: OutboxMode;
  /** Why the mode is what it is ("Could not reach Demo Access…"), for the status line. */
  reason: string | null;
  /** Operations waiting to be sent (including ones backing off). */
  pending: number;
  failed: number;
  conflicts: number;
  /** Decisions waiting to push ("7 decisions waiting to push"). */
  pendingDecisions: number;
  /** Earliest time a backing-off operation will be tried again. */
  nextAttemptAt: string | null;
  lastPushAt: string | null;
}

export interface PushItem {
  opId: string;
  decisionId: string;
  alertId: string | null;
  personId: string | null;
  personName: string;
  description: string;
  /** retry: a temporary failure, tried again later (see nextAttemptAt). cancelled: an earlier write of the same decision failed. */
  result: 'applied' | 'conflict' | 'failed' | 'retry' | 'cancelled';
  error: string | null;
  nextAttemptAt: string | null;
}

export interface PushSummary {
  /** Counted in decisions (one decision can need several writes). */
  applied: number;
  conflicts: number;
  failed: number;
  /** Decisions still waiting (backing off after a temporary failure, or blocked behind one). */
  waiting: number;
  /** Alerts that reopened for re-review. */
  reopenedAlertIds: string[];
  /** One row per operation tried in this push. */
  items: PushItem[];
  mode: OutboxMode;
  startedAt: string;
  finishedAt: string;
}

export interface AuditEntryDto {
  id: number;
  siteId: string | null;
  at: string;
  actor: string;
  /** change: a setting, connection, person or import changed by hand (see core/audit/change-audit.ts). */
  kind: 'decision' | 'write' | 'outbox' | 'change';
  action: string;
  personId: string | null;
  personName: string;
  alertId: string | null;
  decisionId: string | null;
  opId: string | null;
  target: string | null;
  result: string;
  message: string | null;
  detail: Record<string, unknown> | null;
}

/** An alert as the review window lists it, with the latest decision on it. */
export interface AlertReviewRow extends AlertDto {
  decision: Pick<DecisionDto, 'id' | 'resolution' | 'status' | 'actor' | 'decidedAt' | 'task' | 'error'> | null;
  /** Resolutions this alert accepts (dismiss and skip included). */
  resolutions: Resolution[];
}

const decideInput = {
  resolution: z.enum(RESOLUTIONS),
  options: decisionOptions.default({}),
  // No `actor`: who decides comes from the call context the host set, never from the caller.
};

export const decisionsCalls = {
  /**
   * Alerts with filters for bulk review (site, type, age, text), grouped by type in resolution
   * order. status 'open' by default; 'all' includes closed ones.
   */
  'alerts.query': call<AlertReviewRow[]>()(
    z
      .object({
        siteId: id,
        type: z.enum(ALERT_TYPES).optional(),
        /** Only alerts opened at least this many days ago. */
        olderThanDays: z.number().int().min(0).max(36500).optional(),
        text: searchText.optional(),
        status: z.enum(['open', 'resolved', 'resolved_at_source', 'dismissed', 'all']).default('open'),
        /**
         * Only alerts whose latest decision still waits in the outbox (recorded, not pushed yet).
         * Lets the review list find those without reading every resolved alert of the site.
         * Only `true` is accepted: leave it out for no such filter.
         */
        pendingDecision: z.literal(true).optional(),
        limit: z.number().int().min(1).max(10_000).default(5000),
      })
      .strict(),
  ),
  /** Records a decision at once (no network needed); its upstream writes go to the outbox. */
  'decisions.decide': call<DecideResult>()(z.object({ alertId: id, ...decideInput }).strict(), 'manager'),
  /** One resolution for many alerts, in one transaction; one result per alert. */
  'decisions.decideMany': call<DecideManyResult>()(
    z.object({ alertIds: z.array(id).min(1).max(10_000), ...decideInput }).strict(),
    'manager',
  ),
  /** Withdraws a decision whose writes were not sent yet (or a task); the alert opens again. */
  'decisions.cancel': call<DecisionDto>()(z.object({ decisionId: id }).strict(), 'manager'),
  /** Newest first; pass the last seq you saw as `before` to page back. */
  'decisions.list': call<Page<DecisionDto> & { nextBefore: number | null }>()(
    z
      .object({
        siteId: id.optional(),
        personId: id.optional(),
        alertId: id.optional(),
        status: z.enum(['pending', 'applied', 'conflict', 'failed', 'awaiting_source', 'done', 'dismissed', 'cancelled']).optional(),
        before: z.number().int().positive().optional(),
        limit: limit.default(100),
      })
      .strict(),
  ),
  'decisions.get': call<DecisionDto>()(z.object({ decisionId: id }).strict()),
  /** For the header ("7 decisions waiting to push") and the person panel. */
  'decisions.pendingCount': call<PendingCount>()(z.object({ siteId: id.optional(), personId: id.optional() }).strict()),

  'outbox.status': call<OutboxStatus>()(z.object({ siteId: id.optional() }).strict()),
  /** "Work offline": nothing is pushed until switched back. */
  'outbox.setOffline': call<OutboxStatus>()(z.object({ offline: z.boolean() }).strict(), 'manager'),
  /** Sends what is due now, in order per person; refused while offline. */
  'outbox.pushNow': call<PushSummary>()(z.object({ siteId: id.optional() }).strict(), 'manager'),
  'outbox.list': call<OutboxOpDto[]>()(
    z
      .object({
        siteId: id.optional(),
        decisionId: id.optional(),
        status: z.enum(['pending', 'sending', 'applied', 'failed', 'conflict', 'cancelled']).optional(),
        limit: z.number().int().min(1).max(10_000).default(1000),
      })
      .strict(),
  ),

  /** Every decision and upstream write, newest first; `before` is the last id seen. */
  'audit.list': call<Page<AuditEntryDto> & { nextBefore: number | null }>()(
    z
      .object({ siteId: id.optional(), personId: id.optional(), before: z.number().int().positive().optional(), limit: limit.default(100) })
      .strict(),
  ),
  /** The audit trail as CSV (formula-looking cells neutralised). */
  'audit.export': call<{ fileName: string; csv: string; rows: number }>()(
    z.object({ siteId: id.optional(), personId: id.optional() }).strict(),
  ),
};
