import type { AlertType } from '../../contract/dto';
import type { ComparedField, FieldDiff } from './match';

/*
 * The shapes stored in alert.detail (and sent as AlertDto.detail). They carry both systems' ids
 * and the access account's version so a decision can later prove which records it was based on.
 */

/** The order alerts should be resolved in: later types often disappear once earlier ones are fixed. */
export const ALERT_RESOLUTION_ORDER: readonly AlertType[] = [
  'duplicate_accounts',
  'name_mismatch',
  'email_mismatch',
  'duplicate_emails',
];

/** The values alerts compare between a source record and an access account. */
export interface ContactFields {
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
}

/** A person's source-owned values, as the mirror or a held record has them. */
export interface RecordFields extends ContactFields {
  unit: string | null;
  status: string | null;
  type: string | null;
}

/** The source side: a person as the source describes them (the held record when one is newer). */
export interface SourceSide extends RecordFields {
  personId: string | null;
  externalId: string | null;
  sourceConnectionId: string | null;
  sourceName: string;
  /** True when these values come from a record the last pass held back rather than synced. */
  held: boolean;
}

/** The access-system side: the account as last mirrored. */
export interface AccountSide extends ContactFields {
  accountId: string;
  remoteId: string;
  accessSystemId: string;
  accessSystemName: string;
  personId: string | null;
  suspended: boolean;
  version: string | null;
}

/** Our stored person, shown instead of an account when a held record's person has none yet. */
export interface PersonSide extends ContactFields {
  personId: string;
}

/** duplicate_accounts, name_mismatch and email_mismatch: one source record against one counterpart. */
export interface PairDetail {
  source: SourceSide;
  account: AccountSide | null;
  person?: PersonSide;
  fields: FieldDiff[];
  differing: ComparedField[];
}

export interface SharedEmailRecord {
  externalId: string;
  sourceConnectionId: string;
  sourceName: string;
  /** The person this record already is, if it synced before the e-mail became shared. */
  personId: string | null;
  candidatePersonIds: string[];
  held: boolean;
  firstName: string;
  lastName: string;
  email: string;
}

/** duplicate_emails: every source record sharing one address. */
export interface DuplicateEmailDetail {
  email: string;
  records: SharedEmailRecord[];
  differing: ComparedField[];
}

export type AlertDetail = PairDetail | DuplicateEmailDetail;

/** What a detector found: one alert's worth of condition, before it meets the alert table. */
export interface DetectedAlert {
  type: AlertType;
  fingerprint: string;
  title: string;
  personIds: string[];
  detail: AlertDetail;
  /** Hash of the involved records' relevant fields: a remembered dismissal holds while it is unchanged. */
  recordsHash: string;
}
