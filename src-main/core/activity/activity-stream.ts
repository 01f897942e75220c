import type Database from 'better-sqlite3';
import type { ActivityEntryDto, Outcome } from '../../contract/dto';
import { likePattern } from '../sql-helpers';
import { ADDED_REASON, UNCHANGED_REASON, viewBatchEntry } from './activity-batch-format';
import type { AddedEntry, BatchEntry, BatchEntryView } from './activity-batch-format';
import { BATCH_META_COLUMNS, batchEntries, batchText, cachedBatchEntries, linkedPersonLookup } from './activity-batch-reader';
import type { BatchMeta, LinkedPerson, ParsedEntries } from './activity-batch-reader';

/*
 * The activity log as readers see it: one entry per record, newest first, whether the entry is a
 * real activity_entry row or one element of an activity_batch. The two never share ids (a batch
 * owns a reserved id range), so the log is a merge of two id-descending streams.
 */

export interface ActivityFilterInput {
  siteId: string;
  query?: string;
  outcome?: Outcome;
}

type Raw = Record<string, unknown>;

const ROW_COLUMNS = `e.id, e.site_id, e.run_id, e.at, e.outcome, e.person_id, e.person_name, e.external_id,
  e.source_connection_id, sc.name AS source_name, e.reason_code, e.reason`;

/** The WHERE clause over real rows: site, free text, outcome. */
export function activityFilter(input: ActivityFilterInput): { sql: string; params: unknown[] } {
  const where = ['e.site_id = ?'];
  const params: unknown[] = [input.siteId];
  const q = (input.query ?? '').trim().toLowerCase();
  if (q) {
    const like = likePattern(q);
    where.push(
      `(lower(e.person_name) LIKE ? ESCAPE '\\' OR lower(coalesce(e.external_id,'')) LIKE ? ESCAPE '\\' OR lower(coalesce(e.reason,'')) LIKE ? ESCAPE '\\' OR lower(coalesce(e.reason_code,'')) LIKE ? ESCAPE '\\')`,
    );
    params.push(like, like, like, like);
  }
  if (input.outcome) {
    where.push('e.outcome = ?');
    params.push(input.outcome);
  }
  return { sql: where.join(' AND '), params };
}

export function rowToDto(r: Raw): ActivityEntryDto {
  return {
    id: Number(r.id),
    siteId: r.site_id as string,
    runId: (r.run_id as string | null) ?? null,
    at: r.at as string,
    outcome: r.outcome as Outcome,
    personId: (r.person_id as string | null) ?? null,
    personName: (r.person_name as string) ?? '',
    externalId: (r.external_id as string | null) ?? null,
    sourceConnectionId: (r.source_connection_id as string | null) ?? null,
    sourceName: (r.source_name as string | null) ?? null,
    reasonCode: (r.reason_code as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    detail: null,
  };
}

const fold = (s: string) => s.toLowerCase();

/** Everything one read of the log needs, worked out once per call rather than once per entry. */
export class ActivityScan {
  readonly q: string;
  readonly wantProcessed: boolean;
  readonly wantSkipped: boolean;
  readonly wantAdded: boolean;
  /** The query matches the unchanged reason, so every processed batch entry matches. */
  private readonly allProcessedMatch: boolean;
  /** The query matches the added reason, so every added batch entry matches. */
  private readonly allAddedMatch: boolean;
  private readonly real: { sql: string; params: unknown[] };
  private readonly sourceNames = new Map<string, string>();
  private readonly person: (connId: string | null, externalId: string) => LinkedPerson | null;
  private nameHits: Map<string, Set<string>> | null = null;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly input: ActivityFilterInput,
  ) {
    this.q = fold((input.query ?? '').trim());
    this.wantProcessed = !input.outcome || input.outcome === 'processed';
    this.wantSkipped = !input.outcome || input.outcome === 'skipped';
    this.wantAdded = !input.outcome || input.outcome === 'added';
    this.allProcessedMatch = this.q === '' || fold(UNCHANGED_REASON).includes(this.q);
    this.allAddedMatch = this.q === '' || fold(ADDED_REASON).includes(this.q);
    this.real = activityFilter(input);
    for (const c of sqlite.prepare('SELECT id, name FROM source_connection WHERE site_id = ?').all(input.siteId) as Array<{ id: string; name: string }>) {
      this.sourceNames.set(c.id, c.name);
    }
    this.person = linkedPersonLookup(sqlite);
  }

  private get batchesMatter(): boolean {
    return this.wantProcessed || this.wantSkipped || this.wantAdded;
  }

  /**
   * The (connection, external id) pairs whose linked person's name matches the query: one
   * indexed-free scan of the site's people per call instead of a person lookup per batch entry.
   * SQL lower() folds ASCII only, as the filter over real rows does.
   */
  private nameHitsFor(connId: string | null): Set<string> | undefined {
    if (!connId) return undefined;
    if (!this.nameHits) {
      this.nameHits = new Map();
      const rows = this.sqlite
        .prepare(
          `SELECT source_connection_id AS c, external_id AS x FROM person
           WHERE site_id = ? AND source_connection_id IS NOT NULL AND external_id IS NOT NULL
             AND lower(trim(first_name || ' ' || last_name)) LIKE ? ESCAPE '\\'`,
        )
        .all(this.input.siteId, likePattern(this.q)) as Array<{ c: string; x: string }>;
      for (const r of rows) {
        let set = this.nameHits.get(r.c);
        if (!set) this.nameHits.set(r.c, (set = new Set()));
        set.add(r.x);
      }
    }
    return this.nameHits.get(connId);
  }

  private matches(b: BatchMeta, e: BatchEntry | AddedEntry): boolean {
    const q = this.q;
    if (b.kind === 'added') {
      if (!this.wantAdded) return false;
      if (this.allAddedMatch) return true;
      if (!Array.isArray(e)) return false;
      // The name the person was added under, as a real 'added' row keeps it.
      const [externalId, , name] = e;
      return [externalId, name].some((v) => v != null && fold(String(v)).includes(q));
    }
    const connId = b.source_connection_id;
    if (typeof e === 'string') {
      if (!this.wantProcessed) return false;
      if (this.allProcessedMatch) return true;
      return fold(e).includes(q) || this.nameHitsFor(connId)?.has(e) === true;
    }
    if (!this.wantSkipped) return false;
    if (q === '') return true;
    if (!Array.isArray(e)) return false;
    const [externalId, reasonCode, reason, name] = e;
    return [externalId, reasonCode, reason, name].some((v) => v != null && fold(String(v)).includes(q));
  }

  /** Entries of the batch the filter can possibly pick, by its count columns alone. */
  private candidates(b: BatchMeta): number {
    if (b.kind === 'added') return this.wantAdded ? b.count : 0;
    return (this.wantProcessed ? b.count - b.skipped : 0) + (this.wantSkipped ? b.skipped : 0);
  }

  /**
   * Entries of the batch the text query picks whatever its text (their reason matches), which is
   * also the count when the raw JSON rules the rest out.
   */
  private reasonMatches(b: BatchMeta): number {
    if (b.kind === 'added') return this.wantAdded && this.allAddedMatch ? b.count : 0;
    return this.wantProcessed && this.allProcessedMatch ? b.count - b.skipped : 0;
  }

  /**
   * True when the batch surely holds no entry the text query picks, found without parsing: the
   * query text does not occur in the raw JSON and no processed entry could match by person name.
   * Only used for queries JSON writes verbatim (printable ASCII without quote, backslash or
   * slash); anything else is decided by parsing.
   */
  private rawTextRulesOut(b: BatchMeta, text: string): boolean {
    if (!/^[\x20-\x7e]+$/.test(this.q) || /["\\/]/.test(this.q)) return false;
    // Processed entries match by the linked person's name, which is not in the batch.
    const processedByName = b.kind !== 'added' && this.wantProcessed && b.count > b.skipped && !this.allProcessedMatch;
    if (processedByName && this.nameHitsFor(b.source_connection_id)?.size) return false;
    return !fold(text).includes(this.q);
  }

  /** Number of entries of one batch the filter picks. */
  private countBatch(b: BatchMeta): number {
    const candidates = this.candidates(b);
    if (candidates === 0) return 0;
    // Without text, or when every entry the outcome allows matches by its reason: the columns say it all.
    if (this.q === '' || this.reasonMatches(b) === candidates) return candidates;
    let entries = cachedBatchEntries(this.sqlite, b.first_id);
    if (!entries) {
      const text = batchText(this.sqlite, b.first_id);
      if (this.rawTextRulesOut(b, text)) return this.reasonMatches(b);
      entries = batchEntries(this.sqlite, b.first_id, text);
    }
    let n = 0;
    for (const e of entries) if (this.matches(b, e)) n++;
    return n;
  }

  /**
   * Exact number of entries the filter picks. Without a query this reads only counts (the batch
   * columns and one indexed count over real rows); with one, each batch that may match is parsed
   * (cached), which is the price of searching text kept as JSON.
   */
  total(): number {
    const real = Number(this.sqlite.prepare(`SELECT count(*) FROM activity_entry e WHERE ${this.real.sql}`).pluck().get(...this.real.params));
    if (!this.batchesMatter) return real;
    if (this.q === '') {
      // Per outcome from the count columns: an added batch is all 'added', an unchanged one is
      // count − skipped processed plus `skipped` skipped.
      const s = this.sqlite
        .prepare(
          `SELECT coalesce(sum(CASE WHEN kind = 'added' THEN count ELSE 0 END), 0) AS a,
                  coalesce(sum(CASE WHEN kind = 'added' THEN 0 ELSE count - skipped END), 0) AS p,
                  coalesce(sum(CASE WHEN kind = 'added' THEN 0 ELSE skipped END), 0) AS s
           FROM activity_batch WHERE site_id = ?`,
        )
        .get(this.input.siteId) as { a: number; p: number; s: number };
      return real + (this.wantProcessed ? s.p : 0) + (this.wantSkipped ? s.s : 0) + (this.wantAdded ? s.a : 0);
    }
    let n = real;
    const stmt = this.sqlite.prepare(`SELECT ${BATCH_META_COLUMNS} FROM activity_batch WHERE site_id = ?`);
    for (const b of stmt.all(this.input.siteId) as BatchMeta[]) n += this.countBatch(b);
    return n;
  }

  private batchDto(b: BatchMeta, entries: ParsedEntries, index: number): ActivityEntryDto {
    const v = viewBatchEntry({ ...b, entries: '' }, entries, index);
    const person = v.outcome === 'processed' ? this.person(v.sourceConnectionId, v.externalId) : null;
    return batchEntryDto(v, person, v.sourceConnectionId ? (this.sourceNames.get(v.sourceConnectionId) ?? null) : null);
  }

  /** The entries of one batch the filter picks, below `beforeId`, newest first. */
  private *batchRows(b: BatchMeta, beforeId: number): Generator<ActivityEntryDto> {
    if (this.candidates(b) === 0) return;
    let entries = cachedBatchEntries(this.sqlite, b.first_id);
    if (!entries) {
      const text = batchText(this.sqlite, b.first_id);
      if (this.q !== '' && this.reasonMatches(b) === 0 && this.rawTextRulesOut(b, text)) return;
      entries = batchEntries(this.sqlite, b.first_id, text);
    }
    const top = Math.min(b.count, beforeId - b.first_id) - 1;
    for (let i = top; i >= 0; i--) {
      const e = entries[i];
      // A damaged batch (fewer elements than its count) still shows its ids, as blank entries
      // (skips in an unchanged batch, additions in an added one).
      const blankWanted = this.q === '' && (b.kind === 'added' ? this.wantAdded : this.wantSkipped);
      if (e === undefined ? blankWanted : this.matches(b, e)) yield this.batchDto(b, entries, i);
    }
  }

  /**
   * The filtered log below `beforeId`, newest first, pulled lazily: a page stops reading (and
   * parsing batches) as soon as it is full. `limit` bounds the real rows SQLite reads ahead.
   */
  *rows(beforeId?: number, limit = -1): Generator<ActivityEntryDto> {
    const before = beforeId && beforeId > 0 ? beforeId : Number.MAX_SAFE_INTEGER;
    const realIt = (
      this.sqlite
        .prepare(
          `SELECT ${ROW_COLUMNS} FROM activity_entry e LEFT JOIN source_connection sc ON sc.id = e.source_connection_id
           WHERE ${this.real.sql} AND e.id < ? ORDER BY e.id DESC LIMIT ?`,
        )
        .iterate(...this.real.params, before, limit) as IterableIterator<Raw>
    )[Symbol.iterator]();
    const batchIt = this.batchesMatter
      ? (
          this.sqlite
            .prepare(`SELECT ${BATCH_META_COLUMNS} FROM activity_batch WHERE site_id = ? AND first_id < ? ORDER BY first_id DESC`)
            .iterate(this.input.siteId, before) as IterableIterator<BatchMeta>
        )[Symbol.iterator]()
      : null;
    try {
      let real = realIt.next();
      if (batchIt) {
        for (let b = batchIt.next(); !b.done; b = batchIt.next()) {
          const last = Math.min(b.value.first_id + b.value.count, before) - 1;
          for (; !real.done && Number(real.value.id) > last; real = realIt.next()) yield rowToDto(real.value);
          yield* this.batchRows(b.value, before);
        }
      }
      for (; !real.done; real = realIt.next()) yield rowToDto(real.value);
    } finally {
      // Closing the statements early frees the connection when a page stops before the end.
      realIt.return?.();
      batchIt?.return?.();
    }
  }
}

/**
 * A batch entry as the contract shows it. A processed entry names the person now linked to its
 * record; the other kinds carry their own person id (added) or the source's name (skipped).
 */
export function batchEntryDto(v: BatchEntryView, person: LinkedPerson | null, sourceName: string | null): ActivityEntryDto {
  return {
    id: v.id,
    siteId: v.siteId,
    runId: v.runId,
    at: v.at,
    outcome: v.outcome,
    personId: person?.id ?? v.personId ?? null,
    personName: v.outcome === 'processed' ? (person?.name ?? '') : (v.name ?? ''),
    externalId: v.externalId,
    sourceConnectionId: v.sourceConnectionId,
    sourceName,
    reasonCode: v.reasonCode,
    reason: v.reason,
    detail: null,
  };
}
