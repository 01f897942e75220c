/**
 * The shapes that cross the contract. Plain JSON: no classes, no Dates (ISO strings instead),
 * so the same values travel over Electron IPC, a WebSocket and the CLI's --json output.
 */

export const PERSON_TYPES = ['resident', 'staff', 'visitor', 'member'] as const;
export type PersonType = (typeof PERSON_TYPES)[number];

/** Normalised lease / membership status; sources map their own words onto these. */
export const PERSON_STATUSES = [
  'applicant',
  'future',
  'current',
  'notice',
  'past',
  'active',
  'inactive',
  'unknown',
] as const;
export type PersonStatus = (typeof PERSON_STATUSES)[number];

export const SOURCE_KINDS = [
  'demo',
  'yardi',
  'realpage',
  'entrata',
  'mri',
  'appfolio',
  'member',
  'cctv',
  'csv',
  'scim',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Sources are grouped in two blocks, each with its own switch (integrations vs CCTV). */
export type SourceBlock = 'integrations' | 'cctv';

export const ACCESS_SYSTEM_KINDS = ['demo', 'seam', 'scim', 'alarm-panel'] as const;
export type AccessSystemKind = (typeof ACCESS_SYSTEM_KINDS)[number];

export type RequireIdentifier = 'emailOrPhone' | 'email' | 'phone' | 'both';

export interface SiteSettings {
  requireIdentifier: RequireIdentifier;
  /** Statuses that sync; everything else is skipped as "excluded status". */
  includedStatuses: PersonStatus[];
  /** ISO 3166 region used to read local phone numbers, e.g. "US". */
  phoneRegion: string;
  integrationsEnabled: boolean;
  cctvEnabled: boolean;
  /** Minutes between scheduled passes; 0 turns the schedule off. */
  scheduleMinutes: number;
  guardMinPeople: number;
  guardPercent: number;
  activityRetentionDays: number;
}

export interface SiteDto {
  id: string;
  name: string;
  isDemo: boolean;
  timezone: string;
  settings: SiteSettings;
  lastSyncAt: string | null;
  lastSyncStatus: SyncRunStatus | null;
  peopleCount: number;
  openAlerts: number;
}

export interface SourceConnectionDto {
  id: string;
  siteId: string;
  kind: SourceKind;
  block: SourceBlock;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  hasSecret: boolean;
  lastRunAt: string | null;
  lastCounts: OutcomeCounts | null;
}

export interface AccessSystemDto {
  id: string;
  siteId: string;
  kind: AccessSystemKind;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  hasSecret: boolean;
}

/** Which system last wrote a field, and when. */
export interface FieldProvenance {
  by: string;
  at: string;
}

export interface PersonRow {
  id: string;
  siteId: string;
  type: PersonType;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  unit: string | null;
  status: PersonStatus;
  externalId: string | null;
  sourceConnectionId: string | null;
  /** Display name of the source ("Demo PMS", "Manual"). */
  sourceName: string;
  accessEnabled: boolean;
  /** Disabled because the source no longer lists them (set by sync, not an admin). */
  removedAtSource: boolean;
  decoupled: boolean;
  /** Set when the last pass held this person back (e.g. duplicate email, needs review). */
  heldReason: string | null;
  lastSyncedAt: string | null;
  openAlerts: number;
}

export interface PersonDetail extends PersonRow {
  notes: string;
  appMessage: string;
  customTags: string[];
  syncedTags: string[];
  grants: string[];
  disabledBy: 'sync' | 'admin' | null;
  disabledAt: string | null;
  provenance: Record<string, FieldProvenance>;
  createdAt: string;
  updatedAt: string;
}

export type Outcome = 'added' | 'updated' | 'skipped' | 'disabled' | 'processed' | 'error';
export type OutcomeCounts = Partial<Record<Outcome, number>>;

export type SyncTrigger = 'manual' | 'schedule' | 'nightly' | 'continuous' | 'cli' | 'demo';
export type SyncRunStatus = 'running' | 'complete' | 'failed' | 'held' | 'discarded';

/** What a held or dry-run pass would do, for a manager to look at before anything changes. */
export interface SyncPreview {
  reason: string | null;
  counts: OutcomeCounts;
  people: Array<{ personId: string | null; externalId: string | null; name: string; outcome: Outcome; reason: string | null }>;
}

export interface SyncRunDto {
  id: string;
  siteId: string;
  trigger: SyncTrigger;
  dryRun: boolean;
  status: SyncRunStatus;
  startedAt: string;
  finishedAt: string | null;
  total: number;
  done: number;
  counts: OutcomeCounts;
  error: string | null;
  preview: SyncPreview | null;
}

export interface ActivityEntryDto {
  id: number;
  siteId: string;
  runId: string | null;
  at: string;
  outcome: Outcome;
  personId: string | null;
  personName: string;
  externalId: string | null;
  sourceConnectionId: string | null;
  sourceName: string | null;
  reasonCode: string | null;
  reason: string | null;
  /** The full record as the source sent it, plus ids for support. */
  detail: Record<string, unknown> | null;
}

export const ALERT_TYPES = ['duplicate_accounts', 'name_mismatch', 'email_mismatch', 'duplicate_emails'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
export type AlertStatus = 'open' | 'resolved' | 'resolved_at_source' | 'dismissed';

export interface AlertDto {
  id: string;
  siteId: string;
  type: AlertType;
  fingerprint: string;
  status: AlertStatus;
  title: string;
  personIds: string[];
  /** Side-by-side view: the source record and the access-system account, field by field. */
  detail: Record<string, unknown>;
  openedAt: string;
  updatedAt: string;
}

export interface Page<T> {
  total: number;
  rows: T[];
}

/** The record fields a CSV column can feed (the CSV reader's CSV_FIELDS is this list). */
export const CSV_IMPORT_FIELDS = [
  'externalId',
  'firstName',
  'lastName',
  'fullName',
  'email',
  'phone',
  'unit',
  'status',
  'type',
  'siteKey',
  'tags',
] as const;
export type CsvImportField = (typeof CSV_IMPORT_FIELDS)[number];

/** One choice in the "Rollcall field" select of the CSV mapping table. */
export interface CsvFieldOption {
  field: CsvImportField;
  label: string;
  /** Every file needs this one (the id that keys people between passes). */
  required: boolean;
}

/** A line of the file that was not read as a person, and why (without the line: "7 fields, expected 9"). */
export interface CsvLineNote {
  line: number;
  reason: string;
}

/** How the CSV reader understood a file. Nothing in it is stored. */
export interface CsvReportDto {
  fileName: string;
  encoding: string;
  /** "UTF-8", "Windows-1252 (Latin-1)"… */
  encodingLabel: string;
  delimiter: string;
  /** "comma", "semicolon", "tab", "pipe". */
  delimiterLabel: string;
  /** 1-based line of the header row; above 1 when a report title came first. */
  headerLine: number;
  rows: number;
  records: number;
  columns: number;
  headers: string[];
  /** Field → header, guessed or given. */
  mapping: Partial<Record<CsvImportField, string>>;
  explicitFields: CsvImportField[];
  ignoredColumns: string[];
  badRows: CsvLineNote[];
  badRowCount: number;
  skippedRows: CsvLineNote[];
  skippedRowCount: number;
  warnings: string[];
}

/** One person as Rollcall would read them from the file (before any sync rule). */
export interface CsvSampleRecord {
  externalId: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  unit: string | null;
  /** The status word as the file has it. */
  status: string | null;
}

export interface CsvInspectDto extends CsvReportDto {
  /** The first records as read. */
  sample: CsvSampleRecord[];
  fields: CsvFieldOption[];
  /** Whether the site's integrations block is on; when off, an import syncs nothing unless it is turned on. */
  integrationsEnabled: boolean;
}

export interface CsvImportResultDto {
  report: CsvReportDto;
  run: SyncRunDto;
  warnings: string[];
  /** The site's CSV source; the run's counts cover every source of the site. */
  sourceConnectionId: string;
  /** What the pass did with this file's records alone. */
  fileCounts: OutcomeCounts;
}

/** Largest CSV file the console takes (as file bytes, before base64). */
export const CSV_IMPORT_MAX_BYTES = 20 * 1024 * 1024;
