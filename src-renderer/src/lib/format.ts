import type { Outcome, OutcomeCounts, PersonStatus, PersonType, RequireIdentifier, SourceBlock, SourceKind } from '../contract';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "2 min ago", "3 h ago", "yesterday", then a short date. `now` makes it reactive. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = now - t;
  if (diff < 45_000) return 'just now';
  if (diff < HOUR) return `${Math.max(1, Math.round(diff / MINUTE))} min ago`;
  if (diff < DAY) return `${Math.round(diff / HOUR)} h ago`;
  if (diff < 2 * DAY) return 'yesterday';
  return new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** The exact time, for title attributes and detail views. */
export function exactTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** Activity list times: time of day for today, else date and time. */
export function shortTime(iso: string, now: number): string {
  const d = new Date(iso);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export const TYPE_LABEL: Record<PersonType, string> = {
  resident: 'Resident',
  staff: 'Staff',
  visitor: 'Visitor',
  member: 'Member',
};

export const TYPE_TAB_LABEL: Record<PersonType, string> = {
  resident: 'Residents',
  staff: 'Staff',
  visitor: 'Visitors',
  member: 'Members',
};

export const STATUS_LABEL: Record<PersonStatus, string> = {
  applicant: 'Applicant',
  future: 'Future',
  current: 'Current',
  notice: 'Notice',
  past: 'Past',
  active: 'Active',
  inactive: 'Inactive',
  unknown: 'Unknown',
};

export const OUTCOME_LABEL: Record<Outcome, string> = {
  added: 'Added',
  updated: 'Updated',
  skipped: 'Skipped',
  disabled: 'Disabled',
  processed: 'Processed',
  error: 'Error',
};

/** Badge colour per outcome: the colours carry meaning, the label always says it in words too. */
export const OUTCOME_TONE: Record<Outcome, 'green' | 'blue' | 'amber' | 'red' | 'grey'> = {
  added: 'green',
  updated: 'blue',
  skipped: 'amber',
  disabled: 'red',
  processed: 'grey',
  error: 'red',
};

export function fullName(p: { firstName: string; lastName: string }): string {
  return `${p.firstName} ${p.lastName}`.trim() || '(no name)';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** Shows any JSON-ish value in a table cell. */
export function cellValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length ? v.map(cellValue).join(', ') : '—';
  return JSON.stringify(v);
}

/** camelCase / snake_case field names to "Sentence case" labels. */
export function fieldLabel(key: string): string {
  const words = key
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'Something went wrong.';
}

/** A server's message ends a sentence that more words follow: give it its full stop if it has none. */
export function withFullStop(text: string): string {
  const t = text.trim();
  return /[.!?…]["”’')]*$/.test(t) ? t : `${t}.`;
}

/** Status words for settings, where each one is a choice and must read on its own. */
export const STATUS_CHOICE_LABEL: Record<PersonStatus, string> = {
  applicant: 'Applicant',
  future: 'Future / pending',
  current: 'Current',
  notice: 'On notice',
  past: 'Past',
  active: 'Active member',
  inactive: 'Inactive member',
  unknown: 'Unknown',
};

export const REQUIRE_IDENTIFIER_LABEL: Record<RequireIdentifier, string> = {
  emailOrPhone: 'Email or phone (default)',
  email: 'Email required',
  phone: 'Phone required',
  both: 'Both required',
};

export const BLOCK_LABEL: Record<SourceBlock, string> = {
  integrations: 'Integrations',
  cctv: 'CCTV identification',
};

/** Short words for activity reason codes, for counts ("12 no phone or email"). */
export const REASON_CODE_LABEL: Record<string, string> = {
  source_off: 'source off',
  integration_off: 'integration off',
  missing_identifier: 'no phone or email',
  decoupled: 'decoupled',
  no_site: 'no site on the record',
  no_match: 'no matching person',
  excluded_status: 'excluded status',
  duplicate_email: 'duplicate email',
  held_for_review: 'held for review',
  invalid_record: 'unusable record',
  linked: 'linked to a hand-added person',
  reenabled: 'access turned back on',
  removed_at_source: 'removed at the source',
};

/** The order outcomes are listed in summaries: what changed first, then what did not. */
export const OUTCOME_ORDER: Outcome[] = ['added', 'updated', 'disabled', 'skipped', 'processed', 'error'];

/** Outcome counts as [outcome, n] pairs in display order, zeros left out. */
export function countPairs(counts: OutcomeCounts | null | undefined): Array<[Outcome, number]> {
  if (!counts) return [];
  return OUTCOME_ORDER.filter((o) => (counts[o] ?? 0) > 0).map((o) => [o, counts[o]!]);
}

export const SOURCE_KIND_LABEL: Record<SourceKind, string> = {
  demo: 'Demo',
  yardi: 'Yardi',
  realpage: 'RealPage',
  entrata: 'Entrata',
  mri: 'MRI',
  appfolio: 'AppFolio',
  member: 'Member database',
  cctv: 'CCTV',
  csv: 'CSV file',
  scim: 'SCIM',
};
