import { EntitySchema } from 'typeorm';
import type {
  AccessSystemKind,
  AlertStatus,
  AlertType,
  Outcome,
  PersonStatus,
  PersonType,
  SiteSettings,
  SourceBlock,
  SourceKind,
  SyncRunStatus,
  SyncTrigger,
} from '../../contract/dto';

/*
 * Entities are declared with EntitySchema rather than decorators: no reflect-metadata, no
 * emitDecoratorMetadata, and the bundler needs nothing special. Columns are snake_case in
 * SQLite so the hot-path SQL in the sync engine reads naturally. Times are ISO-8601 text.
 */

export interface Site {
  id: string;
  name: string;
  isDemo: boolean;
  timezone: string;
  settings: SiteSettings;
  lastSyncAt: string | null;
  createdAt: string;
}

export const SiteEntity = new EntitySchema<Site>({
  name: 'Site',
  tableName: 'site',
  columns: {
    id: { type: 'text', primary: true },
    name: { type: 'text' },
    isDemo: { type: 'boolean', name: 'is_demo', default: false },
    timezone: { type: 'text', default: 'UTC' },
    settings: { type: 'simple-json' },
    lastSyncAt: { type: 'text', name: 'last_sync_at', nullable: true },
    createdAt: { type: 'text', name: 'created_at' },
  },
});

export interface SourceConnection {
  id: string;
  siteId: string;
  kind: SourceKind;
  block: SourceBlock;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  /** Key into the secret store; the secret itself never sits in this table. */
  secretRef: string | null;
  lastRunAt: string | null;
  lastCounts: Record<string, number> | null;
  /** Opaque cursor for sources with a changes feed. */
  deltaToken: string | null;
  createdAt: string;
}

export const SourceConnectionEntity = new EntitySchema<SourceConnection>({
  name: 'SourceConnection',
  tableName: 'source_connection',
  columns: {
    id: { type: 'text', primary: true },
    siteId: { type: 'text', name: 'site_id' },
    kind: { type: 'text' },
    block: { type: 'text', default: 'integrations' },
    name: { type: 'text' },
    enabled: { type: 'boolean', default: true },
    config: { type: 'simple-json' },
    secretRef: { type: 'text', name: 'secret_ref', nullable: true },
    lastRunAt: { type: 'text', name: 'last_run_at', nullable: true },
    lastCounts: { type: 'simple-json', name: 'last_counts', nullable: true },
    deltaToken: { type: 'text', name: 'delta_token', nullable: true },
    createdAt: { type: 'text', name: 'created_at' },
  },
});

export interface AccessSystem {
  id: string;
  siteId: string;
  kind: AccessSystemKind;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  secretRef: string | null;
  createdAt: string;
}

export const AccessSystemEntity = new EntitySchema<AccessSystem>({
  name: 'AccessSystem',
  tableName: 'access_system',
  columns: {
    id: { type: 'text', primary: true },
    siteId: { type: 'text', name: 'site_id' },
    kind: { type: 'text' },
    name: { type: 'text' },
    enabled: { type: 'boolean', default: true },
    config: { type: 'simple-json' },
    secretRef: { type: 'text', name: 'secret_ref', nullable: true },
    createdAt: { type: 'text', name: 'created_at' },
  },
});

export interface Person {
  id: string;
  siteId: string;
  type: PersonType;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  unit: string | null;
  status: PersonStatus;
  /** Null for people an admin added by hand. */
  sourceConnectionId: string | null;
  externalId: string | null;
  accessEnabled: boolean;
  /** Who turned access off: sync (source removal) may turn it back on, an admin's choice stays. */
  disabledBy: 'sync' | 'admin' | null;
  disabledAt: string | null;
  removedAtSource: boolean;
  /** "Track source updates" off: sync skips this person entirely. */
  decoupled: boolean;
  heldReason: string | null;
  syncedTags: string[];
  customTags: string[];
  grants: string[];
  notes: string;
  appMessage: string;
  /** field name -> { by, at }: which system last wrote each field. */
  provenance: Record<string, { by: string; at: string }>;
  /** Hash of the last normalised source record, so an unchanged record costs one comparison. */
  sourceHash: string | null;
  lastSyncedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export const PersonEntity = new EntitySchema<Person>({
  name: 'Person',
  tableName: 'person',
  columns: {
    id: { type: 'text', primary: true },
    siteId: { type: 'text', name: 'site_id' },
    type: { type: 'text' },
    firstName: { type: 'text', name: 'first_name' },
    lastName: { type: 'text', name: 'last_name' },
    email: { type: 'text', nullable: true },
    phone: { type: 'text', nullable: true },
    unit: { type: 'text', nullable: true },
    status: { type: 'text', default: 'unknown' },
    sourceConnectionId: { type: 'text', name: 'source_connection_id', nullable: true },
    externalId: { type: 'text', name: 'external_id', nullable: true },
    accessEnabled: { type: 'boolean', name: 'access_enabled', default: true },
    disabledBy: { type: 'text', name: 'disabled_by', nullable: true },
    disabledAt: { type: 'text', name: 'disabled_at', nullable: true },
    removedAtSource: { type: 'boolean', name: 'removed_at_source', default: false },
    decoupled: { type: 'boolean', default: false },
    heldReason: { type: 'text', name: 'held_reason', nullable: true },
    syncedTags: { type: 'simple-json', name: 'synced_tags' },
    customTags: { type: 'simple-json', name: 'custom_tags' },
    grants: { type: 'simple-json' },
    notes: { type: 'text', default: '' },
    appMessage: { type: 'text', name: 'app_message', default: '' },
    provenance: { type: 'simple-json' },
    sourceHash: { type: 'text', name: 'source_hash', nullable: true },
    lastSyncedAt: { type: 'text', name: 'last_synced_at', nullable: true },
    createdAt: { type: 'text', name: 'created_at' },
    updatedAt: { type: 'text', name: 'updated_at' },
  },
});

/** An account as the access system holds it, mirrored so alerts can compare both sides. */
export interface AccessAccount {
  id: string;
  accessSystemId: string;
  siteId: string;
  personId: string | null;
  /** The access system's own id for the account. */
  remoteId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  suspended: boolean;
  /** ETag / version / updated-at as the access system reported it. */
  version: string | null;
  lastSeenAt: string;
}

export const AccessAccountEntity = new EntitySchema<AccessAccount>({
  name: 'AccessAccount',
  tableName: 'access_account',
  columns: {
    id: { type: 'text', primary: true },
    accessSystemId: { type: 'text', name: 'access_system_id' },
    siteId: { type: 'text', name: 'site_id' },
    personId: { type: 'text', name: 'person_id', nullable: true },
    remoteId: { type: 'text', name: 'remote_id' },
    firstName: { type: 'text', name: 'first_name' },
    lastName: { type: 'text', name: 'last_name' },
    email: { type: 'text', nullable: true },
    phone: { type: 'text', nullable: true },
    suspended: { type: 'boolean', default: false },
    version: { type: 'text', nullable: true },
    lastSeenAt: { type: 'text', name: 'last_seen_at' },
  },
});

export interface SyncRun {
  id: string;
  siteId: string;
  trigger: SyncTrigger;
  dryRun: boolean;
  status: SyncRunStatus;
  startedAt: string;
  finishedAt: string | null;
  total: number;
  done: number;
  counts: Record<string, number>;
  error: string | null;
  /** For held passes: what the pass would do, for a manager to approve or discard. */
  preview: Record<string, unknown> | null;
}

export const SyncRunEntity = new EntitySchema<SyncRun>({
  name: 'SyncRun',
  tableName: 'sync_run',
  columns: {
    id: { type: 'text', primary: true },
    siteId: { type: 'text', name: 'site_id' },
    trigger: { type: 'text' },
    dryRun: { type: 'boolean', name: 'dry_run', default: false },
    status: { type: 'text' },
    startedAt: { type: 'text', name: 'started_at' },
    finishedAt: { type: 'text', name: 'finished_at', nullable: true },
    total: { type: 'integer', default: 0 },
    done: { type: 'integer', default: 0 },
    counts: { type: 'simple-json' },
    error: { type: 'text', nullable: true },
    preview: { type: 'simple-json', nullable: true },
  },
});

export interface ActivityEntry {
  id: number;
  siteId: string;
  runId: string | null;
  at: string;
  outcome: Outcome;
  personId: string | null;
  personName: string;
  externalId: string | null;
  sourceConnectionId: string | null;
  reasonCode: string | null;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

export const ActivityEntryEntity = new EntitySchema<ActivityEntry>({
  name: 'ActivityEntry',
  tableName: 'activity_entry',
  columns: {
    id: { type: 'integer', primary: true, generated: 'increment' },
    siteId: { type: 'text', name: 'site_id' },
    runId: { type: 'text', name: 'run_id', nullable: true },
    at: { type: 'text' },
    outcome: { type: 'text' },
    personId: { type: 'text', name: 'person_id', nullable: true },
    personName: { type: 'text', name: 'person_name', default: '' },
    externalId: { type: 'text', name: 'external_id', nullable: true },
    sourceConnectionId: { type: 'text', name: 'source_connection_id', nullable: true },
    reasonCode: { type: 'text', name: 'reason_code', nullable: true },
    reason: { type: 'text', nullable: true },
    detail: { type: 'simple-json', nullable: true },
  },
});

export interface Alert {
  id: string;
  siteId: string;
  type: AlertType;
  fingerprint: string;
  status: AlertStatus;
  title: string;
  personIds: string[];
  detail: Record<string, unknown>;
  /** Hash of the records involved: a remembered dismissal holds until these change. */
  recordsHash: string;
  openedAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export const AlertEntity = new EntitySchema<Alert>({
  name: 'Alert',
  tableName: 'alert',
  columns: {
    id: { type: 'text', primary: true },
    siteId: { type: 'text', name: 'site_id' },
    type: { type: 'text' },
    fingerprint: { type: 'text' },
    status: { type: 'text' },
    title: { type: 'text' },
    personIds: { type: 'simple-json', name: 'person_ids' },
    detail: { type: 'simple-json' },
    recordsHash: { type: 'text', name: 'records_hash', default: '' },
    openedAt: { type: 'text', name: 'opened_at' },
    updatedAt: { type: 'text', name: 'updated_at' },
    closedAt: { type: 'text', name: 'closed_at', nullable: true },
  },
});

export type HeldKind = 'duplicate_email' | 'name_mismatch' | 'email_changed' | 'disputed';

export interface HeldRecord {
  id: number;
  siteId: string;
  sourceConnectionId: string;
  externalId: string;
  kind: HeldKind;
  runId: string | null;
  /** The normalised record as the source sent it. */
  record: Record<string, unknown>;
  candidatePersonIds: string[];
  heldAt: string;
}

export const HeldRecordEntity = new EntitySchema<HeldRecord>({
  name: 'HeldRecord',
  tableName: 'held_record',
  columns: {
    id: { type: 'integer', primary: true, generated: 'increment' },
    siteId: { type: 'text', name: 'site_id' },
    sourceConnectionId: { type: 'text', name: 'source_connection_id' },
    externalId: { type: 'text', name: 'external_id' },
    kind: { type: 'text' },
    runId: { type: 'text', name: 'run_id', nullable: true },
    record: { type: 'simple-json' },
    candidatePersonIds: { type: 'simple-json', name: 'candidate_person_ids' },
    heldAt: { type: 'text', name: 'held_at' },
  },
});

export const ENTITIES = [
  HeldRecordEntity,
  SiteEntity,
  SourceConnectionEntity,
  AccessSystemEntity,
  PersonEntity,
  AccessAccountEntity,
  SyncRunEntity,
  ActivityEntryEntity,
  AlertEntity,
];
