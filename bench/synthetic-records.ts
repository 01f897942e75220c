import type { SourceRecord } from '../src-main/core/adapters/types';

/*
 * The faker-free half of the synthetic source: the record shape, and turning the generator's
 * compact output back into records. Kept apart from synthetic-people.ts so the engine's thread
 * never loads faker: its locale tables are tens of MB of heap that no core process would carry.
 */

export const BENCH_PROPERTY = 'BENCH';

/** A record as the generator makes it, before the vendor-shaped `raw` copy is attached. */
export type PlainRecord = Omit<SourceRecord, 'raw'>;

function toRaw(r: PlainRecord): Record<string, unknown> {
  // The vendor's own field names, as an activity detail view would show them.
  return {
    resident_id: r.externalId,
    first_name: r.firstName,
    last_name: r.lastName,
    email_address: r.email,
    phone_number: r.phone,
    unit_number: r.unit,
    lease_status: r.status,
    resident_type: r.type,
    property_code: r.siteKey,
    tags: r.tags,
  };
}

export function withRaw(r: PlainRecord): SourceRecord {
  return { ...r, raw: toRaw(r) };
}

export interface ChangeSummary {
  changed: number;
  lastNames: number;
  phones: number;
  emails: number;
}

/** One changed field of one person in the change pass. */
export interface ChangeEdit {
  index: number;
  field: 'lastName' | 'phone' | 'email';
  value: string;
}

/** What the change pass changes: decided by the generator, applied where the records live. */
export interface ChangePlan {
  edits: ChangeEdit[];
  summary: ChangeSummary;
}

/**
 * Records cross threads as UTF-8 JSON in a transferable buffer: moved, not copied, and freed as
 * soon as they are parsed. `raw` stays behind — it only repeats the other fields — and is rebuilt
 * on arrival, so its strings are shared with the record's as they were when generated.
 */
export function packRecords(records: SourceRecord[]): ArrayBuffer {
  const plain = records.map(({ raw: _raw, ...r }) => r);
  const bytes = new TextEncoder().encode(JSON.stringify(plain));
  // encode() may hand back a view on a larger buffer; transfer exactly the bytes.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

export function unpackRecords(data: ArrayBuffer): SourceRecord[] {
  const plain = JSON.parse(new TextDecoder().decode(data)) as PlainRecord[];
  return plain.map(withRaw);
}

/** A copy of `records` with the plan's edits applied (untouched records are shared). */
export function applyChanges(records: SourceRecord[], plan: ChangePlan): SourceRecord[] {
  const out = records.slice();
  for (const { index, field, value } of plan.edits) {
    const { raw: _raw, ...r } = out[index];
    r[field] = value;
    out[index] = withRaw(r);
  }
  return out;
}

/** A copy of `records` without the given indexes (people who moved out). */
export function applyRemovals(records: SourceRecord[], removed: number[]): SourceRecord[] {
  const gone = new Set(removed);
  return records.filter((_, i) => !gone.has(i));
}
