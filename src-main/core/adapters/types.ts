import type { PersonType } from '../../contract/dto';

/**
 * Adapters are the only code that knows a vendor's wire format. Sources (connectors) produce
 * SourceRecords; access systems (panels) hold accounts. Both are small capability interfaces
 * so a new vendor is one folder: client, mapping, fake, and the shared contract tests.
 */

/** A person as a source describes them, before normalisation. Values are as the vendor sent them. */
export interface SourceRecord {
  externalId: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  unit?: string | null;
  /** The vendor's own status word ("Current", "Notice", "Active"...); the engine maps it. */
  status?: string | null;
  type?: PersonType | null;
  tags?: string[];
  /** The vendor's property / location key; null means the record names no site. */
  siteKey?: string | null;
  /** The record exactly as received, for the activity detail view. */
  raw: Record<string, unknown>;
}

export interface TestResult {
  ok: boolean;
  message: string;
}

export interface ListOptions {
  signal?: AbortSignal;
}

export interface ChangeSet {
  records: SourceRecord[];
  removedExternalIds: string[];
  nextToken: string;
}

export interface SourceConnector {
  readonly kind: string;
  test(): Promise<TestResult>;
  /** Every record, page by page. Throws on any failed or malformed page: a partial list is never returned. */
  list(opts?: ListOptions): AsyncIterable<SourceRecord[]>;
  changesSince?(token: string | null, opts?: ListOptions): Promise<ChangeSet>;
}

/** An account in an access system, as the panel adapter reads it back. */
export interface RemoteAccount {
  remoteId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  suspended: boolean;
  /** ETag / version / updated-at: what a later write must still match. */
  version: string | null;
  /** Our person id or the source's external id, when the access system keeps one for us. */
  externalRef: string | null;
}

export interface AccountInput {
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  externalRef: string;
}

export interface WriteOptions {
  idempotencyKey: string;
  /** Only write if the account still has this version. */
  ifVersion?: string | null;
  signal?: AbortSignal;
}

export interface AccessPanel {
  readonly kind: string;
  test(): Promise<TestResult>;
  list(opts?: ListOptions): AsyncIterable<RemoteAccount[]>;
  get(remoteId: string): Promise<RemoteAccount | null>;
  create(input: AccountInput, opts: WriteOptions): Promise<RemoteAccount>;
  update(remoteId: string, input: Partial<AccountInput>, opts: WriteOptions): Promise<RemoteAccount>;
  suspend(remoteId: string, opts: WriteOptions): Promise<RemoteAccount>;
  resume(remoteId: string, opts: WriteOptions): Promise<RemoteAccount>;
  remove(remoteId: string, opts: WriteOptions): Promise<void>;
}

/** A failure an adapter reports: the message is safe to show and to log (no secrets). */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}
