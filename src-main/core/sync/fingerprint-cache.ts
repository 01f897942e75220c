import type Database from 'better-sqlite3';
import { recordFields } from './fingerprint';
import type { RecordFields } from './fingerprint';
import type { PassPlan } from './plan-types';

/** What a pass knows of one linked person before deciding anything: see loadFingerprints(). */
export interface FingerprintEntry {
  /** The stored fingerprint, or null when the person must go through the rules whatever their record says. */
  fp: string | null;
  /** The last pass (by its mark) that met this external id: a second copy in one read is a repeat. */
  seen: number;
  /** The fields of the record that matched `fp`, once a pass has seen it: compared instead of hashing. */
  fields?: RecordFields;
  /** That record's email as the shared-email count compares it, once a pass needed it; reset with `fields`. */
  email?: string;
}

export type FingerprintMap = Map<string, FingerprintEntry>;

/** A person row, as the screen reads it: see the CASE in loadFingerprintRows. */
const LEAN_SELECT = `SELECT external_id,
    CASE WHEN decoupled = 0 AND held_reason IS NULL AND removed_at_source = 0 AND (access_enabled = 1 OR disabled_by IS NOT 'sync')
         THEN source_hash END
  FROM person`;

function loadFingerprintRows(sqlite: Database.Database, connId: string): [string, string | null][] {
  return sqlite.prepare(`${LEAN_SELECT} WHERE source_connection_id = ?`).raw(true).all(connId) as [string, string | null][];
}

const WATCH_TABLE = 'temp.rollcall_person_writes';
const caches = new WeakMap<Database.Database, FingerprintCache>();
const WATCH_TRIGGERS = ['insert', 'update', 'delete'].map((op) => ({ op, name: `rollcall_person_${op}_watch` }));

/**
 * The fingerprints of the linked people of each source, kept in memory between passes by the
 * long-lived core. Loading them is most of an unchanged 100k pass, and between two hourly passes
 * usually nothing else touched the person table.
 *
 * Kept exact, never trusted blindly:
 *  - writes made through this connection outside a pass (an admin edit, a decision, a demo reset,
 *    a connection deleted) are counted by TEMP triggers on `person` (connection-local, never
 *    stored in the file); any count throws the cache away;
 *  - writes by another connection (the CLI in another process) change `PRAGMA data_version`;
 *  - a pass's own writes are applied to the cache after it commits (the triggers are dropped
 *    while it writes, so they cost the pass nothing); a pass that fails throws the cache away.
 */
export class FingerprintCache {
  /**
   * One cache per database connection: the watch (a TEMP table and triggers) belongs to the
   * connection, so two engines on one connection must share it rather than reset each other's.
   */
  static for(sqlite: Database.Database): FingerprintCache {
    let cache = caches.get(sqlite);
    if (!cache) caches.set(sqlite, (cache = new FingerprintCache(sqlite)));
    return cache;
  }

  private readonly byConn = new Map<string, FingerprintMap>();
  private dataVersion = 0;
  private watching = false;

  private constructor(private readonly sqlite: Database.Database) {}

  private currentDataVersion(): number {
    return Number(this.sqlite.pragma('data_version', { simple: true }));
  }

  /** Drops everything if the person table may have changed behind the cache's back. */
  private validate(): void {
    const writes = Number(this.sqlite.prepare(`SELECT n FROM ${WATCH_TABLE}`).pluck().get() ?? 1);
    if (writes !== 0 || this.currentDataVersion() !== this.dataVersion) this.byConn.clear();
  }

  /** Call once at the start of planning a pass. */
  beginPass(): void {
    if (!this.watching) this.reset();
    else this.validate();
  }

  fingerprints(connId: string): FingerprintMap {
    let map = this.byConn.get(connId);
    if (!map) {
      map = new Map();
      for (const [ext, fp] of loadFingerprintRows(this.sqlite, connId)) map.set(ext, { fp, seen: 0 });
      this.byConn.set(connId, map);
    }
    return map;
  }

  /** Inside the pass's transaction, before its first write: the pass's own writes are not "behind our back". */
  pauseWatch(): void {
    for (const t of WATCH_TRIGGERS) this.sqlite.exec(`DROP TRIGGER IF EXISTS temp.${t.name}`);
    this.watching = false;
  }

  /** After the pass committed (see fingerprintChanges). Then the watch starts again from zero. */
  afterCommit(changes: FingerprintChanges[]): void {
    for (const c of changes) {
      const map = this.byConn.get(c.connId);
      if (!map) continue;
      for (let i = 0; i < c.knownIds.length; i++) map.set(c.knownIds[i], c.known[i]);
      // No stored fingerprint: the next pass puts them through the rules, which is always right
      // (only slower) and is where a held or disabled person goes anyway.
      for (const ext of c.touched) map.set(ext, { fp: null, seen: 0 });
    }
    this.watch();
  }

  /** The pass failed (its transaction rolled back) or something unexpected happened: start over. */
  reset(): void {
    this.byConn.clear();
    this.watch();
  }

  private watch(): void {
    this.sqlite.exec(`CREATE TEMP TABLE IF NOT EXISTS ${WATCH_TABLE.slice(5)} (n INTEGER NOT NULL)`);
    this.sqlite.exec(`DELETE FROM ${WATCH_TABLE}; INSERT INTO ${WATCH_TABLE} (n) VALUES (0)`);
    for (const t of WATCH_TRIGGERS) {
      this.sqlite.exec(
        `CREATE TEMP TRIGGER IF NOT EXISTS ${t.name} AFTER ${t.op.toUpperCase()} ON main.person BEGIN UPDATE rollcall_person_writes SET n = n + 1; END`,
      );
    }
    this.watching = true;
    this.dataVersion = this.currentDataVersion();
  }
}

/**
 * What an applied pass wrote to linked people, per source, for FingerprintCache.afterCommit.
 * A person created, updated or re-stamped by the pass is now in sync with exactly the
 * fingerprint it wrote (those statements clear held/removed and never leave sync's own "off" in
 * place); anything else (held, disabled, marked removed, unheld) keeps no fingerprint.
 */
export function fingerprintChanges(plan: PassPlan): FingerprintChanges[] {
  const policies = new Map(plan.connections.map((c) => [c.conn.id, c.policy]));
  const byConn = new Map<string, FingerprintChanges>();
  for (const d of plan.decisions) {
    if (d.writes.length === 0 || !d.connId || d.externalId === null) continue;
    let c = byConn.get(d.connId);
    if (!c) byConn.set(d.connId, (c = { connId: d.connId, knownIds: [], known: [], touched: [] }));
    const only = d.writes.length === 1 ? d.writes[0] : null;
    if (only && (only.kind === 'insert' || only.kind === 'update' || only.kind === 'hash')) {
      const policy = policies.get(d.connId);
      c.knownIds.push(d.externalId);
      // The cache entry itself, built once here: afterCommit only files it.
      c.known.push(d.record && policy ? { fp: only.hash, seen: 0, fields: recordFields(policy, d.record) } : { fp: only.hash, seen: 0 });
    } else c.touched.push(d.externalId);
  }
  return [...byConn.values()];
}

export interface FingerprintChanges {
  connId: string;
  /** External ids of people now in sync with the fingerprint the pass stored for them... */
  knownIds: string[];
  /** ...and, aligned, their new cache entries. */
  known: FingerprintEntry[];
  /** External ids of linked people the pass changed otherwise (held, disabled, ...): no fingerprint kept. */
  touched: string[];
}
