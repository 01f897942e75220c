import type { AlertDto } from '../../contract/dto';
import { RESOLUTIONS_BY_TYPE } from '../../contract/calls/decisions';
import type { AccountValues, BasisRecord, DecisionOptions, FixAtSourceTask, MergeField, OpKind, Resolution } from '../../contract/calls/decisions';
import type { AccountSide, DuplicateEmailDetail, PairDetail, SourceSide } from '../alerts/alert-detail';
import type { AccountInput } from '../adapters/types';

/*
 * Turns (alert, resolution, options) into what a decision is: the upstream writes it needs, or a
 * fix-at-source task, plus the records (and their versions) it was based on. Pure: no database,
 * no network, so deciding works offline and a thousand alerts cost a thousand function calls.
 */

export interface PlannedOp {
  kind: OpKind;
  accessSystemId: string;
  accessSystemName: string;
  /** Null for create. */
  remoteId: string | null;
  /** The version the account had when the decision was made; the write must still find it. */
  baseVersion: string | null;
  payload: Partial<AccountInput>;
}

export type Plan =
  | { kind: 'ops'; ops: PlannedOp[]; basis: BasisRecord[] }
  | { kind: 'task'; task: FixAtSourceTask; basis: BasisRecord[] }
  | { kind: 'dismiss'; remember: boolean; basis: BasisRecord[] }
  | { kind: 'skip' };

export class PlanError extends Error {}

const FIELD_WORDS: Record<MergeField, string> = { firstName: 'first name', lastName: 'last name', email: 'email', phone: 'phone' };

function isPair(detail: Record<string, unknown>): detail is Record<string, unknown> & PairDetail {
  return !!detail && typeof detail === 'object' && 'source' in detail;
}

function isSharedEmail(detail: Record<string, unknown>): detail is Record<string, unknown> & DuplicateEmailDetail {
  return !!detail && typeof detail === 'object' && Array.isArray((detail as { records?: unknown }).records);
}

const name = (v: { firstName?: string | null; lastName?: string | null }) =>
  [v.firstName, v.lastName].map((s) => (s ?? '').trim()).filter(Boolean).join(' ') || '(no name)';

function sourceBasis(s: SourceSide): BasisRecord {
  return {
    system: 'source',
    systemId: s.sourceConnectionId,
    systemName: s.sourceName,
    recordId: s.externalId,
    personId: s.personId,
    version: null,
    values: { firstName: s.firstName, lastName: s.lastName, email: s.email, phone: s.phone },
  };
}

function accountBasis(a: AccountSide): BasisRecord {
  return {
    system: 'access',
    systemId: a.accessSystemId,
    systemName: a.accessSystemName,
    recordId: a.remoteId,
    personId: a.personId,
    version: a.version,
    values: { firstName: a.firstName, lastName: a.lastName, email: a.email, phone: a.phone, suspended: a.suspended },
  };
}

/** The basis records of an alert: what the manager saw when deciding. */
export function basisOf(alert: AlertDto, sourceVersion: (personId: string) => string | null): BasisRecord[] {
  const d = alert.detail;
  if (isPair(d)) {
    const out = [sourceBasis(d.source)];
    // A held record is newer than the person row its hash belongs to: no version to hold it to.
    if (d.source.personId && !d.source.held) out[0].version = sourceVersion(d.source.personId);
    if (d.account) out.push(accountBasis(d.account));
    return out;
  }
  if (isSharedEmail(d)) {
    return d.records.map((r) => ({
      system: 'source' as const,
      systemId: r.sourceConnectionId,
      systemName: r.sourceName,
      recordId: r.externalId,
      personId: r.personId,
      version: r.personId ? sourceVersion(r.personId) : null,
      values: { firstName: r.firstName, lastName: r.lastName, email: r.email, phone: null },
    }));
  }
  return [];
}

/** How the access system should find this person again: the source's id, else ours. */
function linkRef(s: SourceSide): string | null {
  return s.externalId ?? s.personId ?? null;
}

function requireAccount(alert: AlertDto, d: PairDetail): AccountSide {
  if (!d.account) {
    throw new PlanError(
      'This alert compares the source with a person stored in Rollcall, not with an access-system account, so there is nothing to write upstream. Fix it at the source, or dismiss it.',
    );
  }
  return d.account;
}

function accountInputFromSource(s: SourceSide): AccountInput {
  const ref = linkRef(s);
  if (!s.firstName.trim() || !s.lastName.trim()) throw new PlanError('The source record has no full name, so an account cannot be created from it.');
  if (!ref) throw new PlanError('The source record has no id to link the account to.');
  return { firstName: s.firstName.trim(), lastName: s.lastName.trim(), email: s.email, phone: s.phone, externalRef: ref };
}

function fixTask(s: SourceSide, field: MergeField, to: string | null): FixAtSourceTask {
  const from = s[field] ?? null;
  const who = `${name(s)}${s.externalId ? ` (${s.externalId})` : ''}`;
  return {
    system: s.sourceName,
    sourceConnectionId: s.sourceConnectionId,
    instruction: `In ${s.sourceName}, change the ${FIELD_WORDS[field]} of ${who} from “${from ?? ''}” to “${to ?? ''}”. The alert closes by itself on the first pass that sees the change. ${s.sourceName} does not accept changes from Rollcall, so this cannot be written back automatically.`,
    writeBack: 'unsupported',
    changes: [{ externalId: s.externalId, personId: s.personId, name: name(s), field, from, to }],
  };
}

function nameTask(s: SourceSide, target: AccountValues): FixAtSourceTask {
  const who = `${name(s)}${s.externalId ? ` (${s.externalId})` : ''}`;
  const changes: FixAtSourceTask['changes'] = [];
  for (const field of ['firstName', 'lastName'] as const) {
    if ((s[field] ?? '') !== (target[field] ?? '')) {
      changes.push({ externalId: s.externalId, personId: s.personId, name: name(s), field, from: s[field] || null, to: target[field] || null });
    }
  }
  return {
    system: s.sourceName,
    sourceConnectionId: s.sourceConnectionId,
    instruction: `In ${s.sourceName}, change the name of ${who} to “${name(target)}”. The alert closes by itself on the first pass that sees the change. ${s.sourceName} does not accept changes from Rollcall, so this cannot be written back automatically.`,
    writeBack: 'unsupported',
    changes,
  };
}

/** The counterpart the source is compared with: the access account, or our stored person. */
function counterpart(d: PairDetail): AccountValues {
  const c = d.account ?? d.person;
  if (!c) throw new PlanError('This alert has nothing to compare the source record with any more.');
  return { firstName: c.firstName, lastName: c.lastName, email: c.email, phone: c.phone };
}

export function planResolution(alert: AlertDto, resolution: Resolution, options: DecisionOptions, sourceVersion: (personId: string) => string | null): Plan {
  const allowed = RESOLUTIONS_BY_TYPE[alert.type] ?? [];
  if (!allowed.includes(resolution)) {
    throw new PlanError(`“${resolution}” does not apply to ${alert.type.replace(/_/g, ' ')} alerts; choose one of: ${allowed.join(', ')}.`);
  }
  if (resolution === 'skip') return { kind: 'skip' };
  const basis = basisOf(alert, sourceVersion);
  if (resolution === 'dismiss') return { kind: 'dismiss', remember: options.remember ?? false, basis };

  const d = alert.detail;
  if (alert.type === 'duplicate_emails') {
    if (!isSharedEmail(d)) throw new PlanError('This alert has no list of records sharing the email.');
    const records = d.records.map((r) => ({
      sourceName: r.sourceName,
      sourceConnectionId: r.sourceConnectionId,
      externalId: r.externalId,
      personId: r.personId,
      name: name(r),
      email: r.email,
    }));
    const systems = [...new Set(records.map((r) => r.sourceName))].join(' and ');
    return {
      kind: 'task',
      basis,
      task: {
        system: systems,
        sourceConnectionId: records[0]?.sourceConnectionId ?? null,
        instruction: `In ${systems}, give each of these ${records.length} people their own email address (they all use ${d.email}): ${records
          .map((r) => `${r.name} (${r.externalId})`)
          .join(', ')}. None of them syncs until then; the alert closes by itself on the first pass that sees unique emails. ${systems} does not accept changes from Rollcall, so this cannot be written back automatically.`,
        writeBack: 'unsupported',
        changes: records.map((r) => ({ externalId: r.externalId, personId: r.personId, name: r.name, field: 'email', from: r.email, to: null })),
        records,
      },
    };
  }

  if (!isPair(d)) throw new PlanError('This alert is missing its side-by-side detail; run a pass to refresh it.');
  const s = d.source;

  if (alert.type === 'duplicate_accounts') {
    const a = requireAccount(alert, d);
    if (options.keep && options.keep !== a.remoteId) {
      throw new PlanError(`Account ${options.keep} is not part of this alert; the account involved is ${a.remoteId}.`);
    }
    const ref = linkRef(s);
    if (resolution === 'merge') {
      const payload: Partial<AccountInput> = {};
      if (ref && a.personId === null) payload.externalRef = ref;
      for (const field of ['firstName', 'lastName', 'email', 'phone'] as const) {
        const winner = options.winners?.[field] ?? 'source';
        const value = s[field] ?? null;
        // An empty source value never wipes what the access system has.
        if (winner === 'source' && value !== null && value !== '' && value !== (a[field] ?? null)) payload[field] = value;
      }
      return { kind: 'ops', basis, ops: [{ kind: 'update', accessSystemId: a.accessSystemId, accessSystemName: a.accessSystemName, remoteId: a.remoteId, baseVersion: a.version, payload }] };
    }
    // remove-duplicate
    const ops: PlannedOp[] = [{ kind: 'delete', accessSystemId: a.accessSystemId, accessSystemName: a.accessSystemName, remoteId: a.remoteId, baseVersion: a.version, payload: {} }];
    if (options.recreate ?? true) {
      ops.push({ kind: 'create', accessSystemId: a.accessSystemId, accessSystemName: a.accessSystemName, remoteId: null, baseVersion: null, payload: accountInputFromSource(s) });
    }
    return { kind: 'ops', basis, ops };
  }

  if (alert.type === 'name_mismatch') {
    if (resolution === 'access-is-right') return { kind: 'task', basis, task: nameTask(s, counterpart(d)) };
    const a = requireAccount(alert, d);
    if (!s.firstName.trim() || !s.lastName.trim()) throw new PlanError('The source record has no full name to copy to the access system.');
    const payload: Partial<AccountInput> = { firstName: s.firstName.trim(), lastName: s.lastName.trim() };
    const ref = linkRef(s);
    // "Source is right" is a merge: an account nobody linked becomes this person's.
    if (ref && a.personId === null) payload.externalRef = ref;
    return { kind: 'ops', basis, ops: [{ kind: 'update', accessSystemId: a.accessSystemId, accessSystemName: a.accessSystemName, remoteId: a.remoteId, baseVersion: a.version, payload }] };
  }

  // email_mismatch
  if (resolution === 'access-is-right') return { kind: 'task', basis, task: fixTask(s, 'email', counterpart(d).email) };
  const a = requireAccount(alert, d);
  if (!s.email) throw new PlanError('The source record has no email to create the account with.');
  const old = options.oldAccount ?? 'delete';
  // Emails are unique upstream and an account's email is its identity there: a separate account
  // with the source's email, then the old one goes (or is suspended, keeping its history).
  return {
    kind: 'ops',
    basis,
    ops: [
      { kind: 'create', accessSystemId: a.accessSystemId, accessSystemName: a.accessSystemName, remoteId: null, baseVersion: null, payload: accountInputFromSource(s) },
      { kind: old === 'suspend' ? 'suspend' : 'delete', accessSystemId: a.accessSystemId, accessSystemName: a.accessSystemName, remoteId: a.remoteId, baseVersion: a.version, payload: {} },
    ],
  };
}

/** "Update Demo Access account usr_001234: first name, last name." */
export function describeOp(op: { kind: OpKind; accessSystemName: string; remoteId: string | null; payload: Partial<AccountInput> }): string {
  const fields = (Object.keys(op.payload) as (keyof AccountInput)[])
    .map((k) => (k === 'externalRef' ? 'link to the person' : FIELD_WORDS[k as MergeField] ?? k))
    .join(', ');
  switch (op.kind) {
    case 'create':
      return `Create a ${op.accessSystemName} account for ${name(op.payload)}${op.payload.email ? ` <${op.payload.email}>` : ''}`;
    case 'update':
      return `Update ${op.accessSystemName} account ${op.remoteId}${fields ? `: ${fields}` : ''}`;
    case 'suspend':
      return `Suspend ${op.accessSystemName} account ${op.remoteId}`;
    case 'delete':
      return `Delete ${op.accessSystemName} account ${op.remoteId}`;
  }
}
