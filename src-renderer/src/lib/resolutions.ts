import type { AlertReviewRow, AlertType, DecisionOptions, DecisionStatus, MergeField, OutboxMode, Resolution } from '../contract';

/*
 * Words for decisions, and what the review keys mean per alert type. Kept in one place so the
 * buttons, the bulk bar, the legend and the audit all say the same thing.
 */

export const MERGE_FIELDS: readonly MergeField[] = ['firstName', 'lastName', 'email', 'phone'];

export const MERGE_FIELD_LABEL: Record<MergeField, string> = {
  firstName: 'First name',
  lastName: 'Last name',
  email: 'Email',
  phone: 'Phone',
};

/** Short labels for buttons and the bulk bar; the type decides which ones apply. */
export const RESOLUTION_LABEL: Record<Resolution, string> = {
  merge: 'Merge',
  'remove-duplicate': 'Remove duplicate',
  'source-is-right': 'Source is right',
  'access-is-right': 'Access system is right',
  'fix-at-source': 'Fix at source',
  dismiss: 'Dismiss',
  skip: 'Skip',
};

/** One line on what each resolution will do, for the detail panel and button titles. */
export function resolutionHelp(type: AlertType, r: Resolution): string {
  switch (r) {
    case 'merge':
      return 'Keep the existing access account, link it to this person, and take the winning value of each field.';
    case 'remove-duplicate':
      return 'Delete the duplicate access account; a fresh, linked account is created from the source record.';
    case 'source-is-right':
      return type === 'email_mismatch'
        ? 'Create a separate access account with the source email, then delete or suspend the old account.'
        : 'Merge: overwrite the access-system name with the source name.';
    case 'access-is-right':
      return 'Nothing is written upstream: you get a task saying what to change in the source. The alert closes on the first pass that sees the fix.';
    case 'fix-at-source':
      return 'A task listing everyone who shares the address: give each their own email in the source. None of them syncs until then.';
    case 'dismiss':
      return 'Hide the alert. With "remember", it stays hidden until the records involved change.';
    case 'skip':
      return 'Leave it for later; nothing is recorded.';
  }
}

/**
 * What "accept source" (s) and "accept access system" (a) mean per type. Duplicate accounts have
 * no "right" side, so s merges with the source's values and a merges keeping the account's.
 */
export function keyDecision(type: AlertType, key: 's' | 'a'): { resolution: Resolution; options: DecisionOptions } | null {
  if (type === 'duplicate_accounts') {
    return key === 's'
      ? { resolution: 'merge', options: {} }
      : { resolution: 'merge', options: { winners: { firstName: 'access', lastName: 'access', email: 'access', phone: 'access' } } };
  }
  if (type === 'duplicate_emails') return key === 's' ? { resolution: 'fix-at-source', options: {} } : null;
  return { resolution: key === 's' ? 'source-is-right' : 'access-is-right', options: {} };
}

export const DECISION_STATUS_LABEL: Record<DecisionStatus, string> = {
  pending: 'Decided — waiting to push',
  applied: 'Applied',
  conflict: 'Conflict — reopened',
  failed: 'Failed — reopened',
  awaiting_source: 'Fix at source — waiting for the source',
  done: 'Fixed at source',
  dismissed: 'Dismissed',
  cancelled: 'Withdrawn',
};

export const DECISION_STATUS_TONE: Record<DecisionStatus, 'green' | 'blue' | 'amber' | 'red' | 'grey' | 'violet'> = {
  pending: 'amber',
  applied: 'green',
  conflict: 'red',
  failed: 'red',
  awaiting_source: 'violet',
  done: 'green',
  dismissed: 'grey',
  cancelled: 'grey',
};

export const MODE_LABEL: Record<OutboxMode, string> = {
  online: 'Online',
  'offline-manual': 'Offline (manual)',
  'offline-auto': 'Offline — upstream unreachable',
};

/** A decided alert whose writes wait in the outbox: shown in place, greyed, until pushed. */
export function isPendingRow(r: AlertReviewRow): boolean {
  return r.decision?.status === 'pending';
}

/** Can take a decision now: open, and not already waiting to push. */
export function isActionable(r: AlertReviewRow): boolean {
  return r.status === 'open' && !isPendingRow(r);
}

/** Still waiting for someone to decide: keyboard review steps over decided ones and open tasks. */
export function needsDecision(r: AlertReviewRow): boolean {
  return isActionable(r) && r.decision?.status !== 'awaiting_source';
}

export const AGE_CHOICES: ReadonlyArray<{ value: number | null; label: string }> = [
  { value: null, label: 'Any age' },
  { value: 1, label: 'Older than 1 day' },
  { value: 7, label: 'Older than 7 days' },
  { value: 30, label: 'Older than 30 days' },
];
