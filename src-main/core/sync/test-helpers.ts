import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import type { SiteSettings } from '../../contract/dto';
import type { EventMap, EventName } from '../../contract/events';
import type { ChangeSet, SourceConnector, SourceRecord } from '../adapters/types';
import { CoreEvents } from '../core-events';
import { openDatabase } from '../db/open-database';
import type { OpenDatabase } from '../db/open-database';
import { parseBatchEntries, viewBatchEntry } from '../activity/activity-batch-format';
import type { ActivityBatchRow } from '../activity/activity-batch-format';
import { defaultSiteSettings } from './site-defaults';
import { SyncEngine } from './sync-engine';
import type { SyncEngineDeps } from './sync-engine';

/*
 * Test helpers for the sync engine: a real SQLite file in a temp folder, rows inserted with
 * plain SQL, and an in-memory stand-in for an upstream source that serves pages from an array.
 */

export interface TestDb {
  db: OpenDatabase;
  dir: string;
  close(): Promise<void>;
}

/** A fresh database file for every test of the calling file, handed to `use` before each test. */
export function eachTestDb(use: (db: OpenDatabase) => void): void {
  let t: TestDb | null = null;
  beforeEach(async () => {
    t = await tempDb();
    use(t.db);
  });
  afterEach(async () => {
    await t?.close();
    t = null;
  });
}

export async function tempDb(): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-sync-'));
  const db = await openDatabase(join(dir, 'rollcall.db'));
  return {
    db,
    dir,
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const T0 = '2025-01-01T00:00:00.000Z';

export function createSite(db: OpenDatabase, settings: Partial<SiteSettings> = {}, name = 'Harbor View'): string {
  const id = randomUUID();
  db.sqlite
    .prepare('INSERT INTO site (id, name, settings, created_at) VALUES (?, ?, ?, ?)')
    .run(id, name, JSON.stringify({ ...defaultSiteSettings(), integrationsEnabled: true, cctvEnabled: true, ...settings }), T0);
  return id;
}

export function setSettings(db: OpenDatabase, siteId: string, patch: Partial<SiteSettings>): void {
  const cur = JSON.parse(db.sqlite.prepare('SELECT settings FROM site WHERE id = ?').pluck().get(siteId) as string);
  db.sqlite.prepare('UPDATE site SET settings = ? WHERE id = ?').run(JSON.stringify({ ...cur, ...patch }), siteId);
}

export function createConnection(
  db: OpenDatabase,
  siteId: string,
  opts: { name?: string; kind?: string; block?: 'integrations' | 'cctv'; enabled?: boolean; config?: Record<string, unknown> } = {},
): string {
  const id = randomUUID();
  db.sqlite
    .prepare('INSERT INTO source_connection (id, site_id, kind, block, name, enabled, config, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(id, siteId, opts.kind ?? 'demo', opts.block ?? 'integrations', opts.name ?? 'Demo PMS', opts.enabled === false ? 0 : 1, JSON.stringify(opts.config ?? {}), T0);
  return id;
}

export function createManualPerson(
  db: OpenDatabase,
  siteId: string,
  p: { firstName: string; lastName: string; email?: string | null; phone?: string | null; decoupled?: boolean },
): string {
  const id = randomUUID();
  db.sqlite
    .prepare(
      `INSERT INTO person (id, site_id, type, first_name, last_name, email, phone, decoupled, created_at, updated_at)
       VALUES (?, ?, 'resident', ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(id, siteId, p.firstName, p.lastName, p.email ?? null, p.phone ?? null, p.decoupled ? 1 : 0, T0, T0);
  return id;
}

/** A source record with sensible defaults: a current resident with an email. */
export function rec(externalId: string, fields: Partial<SourceRecord> = {}): SourceRecord {
  const base: SourceRecord = {
    externalId,
    firstName: 'Ana',
    lastName: `Ruiz ${externalId}`,
    email: `${externalId.toLowerCase()}@example.com`,
    phone: null,
    unit: '101',
    status: 'Current',
    raw: {},
  };
  const out = { ...base, ...fields };
  out.raw = { id: externalId, ...fields, ...(fields.raw ?? {}) };
  return out;
}

/** Stand-in for an upstream source: serves `records` in pages; can fail on a given page. */
export class ArraySource implements SourceConnector {
  readonly kind = 'test';
  records: SourceRecord[];
  pageSize = 3;
  /** Throw while serving this page (0-based), after serving the ones before it; the page count means "at the very end". */
  failOnPage: number | null = null;
  listCalls = 0;
  /** Resolved before each page: lets a test hold a read open. */
  gate: Promise<void> | null = null;
  changes: ChangeSet | null = null;

  constructor(records: SourceRecord[] = []) {
    this.records = records;
  }

  async test() {
    return { ok: true, message: 'ok' };
  }

  async *list(): AsyncIterable<SourceRecord[]> {
    this.listCalls++;
    const snapshot = [...this.records];
    const pages = Math.ceil(snapshot.length / this.pageSize);
    // Page index `pages` is the request that would find the end of the list: it can fail too.
    for (let page = 0; page <= pages; page++) {
      if (this.gate) await this.gate;
      if (this.failOnPage === page) throw new Error('upstream answered 502 Bad Gateway');
      if (page === pages) return;
      yield snapshot.slice(page * this.pageSize, (page + 1) * this.pageSize);
    }
  }
}

/** An ArraySource with a changes feed. */
export class DeltaSource extends ArraySource {
  async changesSince(token: string | null): Promise<ChangeSet> {
    return this.changes ?? { records: [], removedExternalIds: [], nextToken: token ?? 't0' };
  }
}

export interface EngineHarness {
  engine: SyncEngine;
  events: Array<{ name: EventName; payload: unknown }>;
  sources: Map<string, SourceConnector>;
}

export function makeEngine(db: OpenDatabase, sources: Record<string, SourceConnector>, extra: Partial<SyncEngineDeps> = {}): EngineHarness {
  const events = new CoreEvents();
  const seen: EngineHarness['events'] = [];
  events.subscribe(<E extends EventName>(name: E, payload: EventMap[E]) => seen.push({ name, payload }));
  const map = new Map(Object.entries(sources));
  const engine = new SyncEngine({
    db,
    events,
    connectorFor: (c) => {
      const s = map.get(c.id);
      if (!s) throw new Error(`no test source for ${c.name}`);
      return s;
    },
    ...extra,
  });
  return { engine, events: seen, sources: map };
}

export type PersonRowRaw = Record<string, unknown>;

export function people(db: OpenDatabase, siteId: string): PersonRowRaw[] {
  return db.sqlite.prepare('SELECT * FROM person WHERE site_id = ? ORDER BY external_id, id').all(siteId) as PersonRowRaw[];
}

export function personByExt(db: OpenDatabase, externalId: string): PersonRowRaw | undefined {
  return db.sqlite.prepare('SELECT * FROM person WHERE external_id = ?').get(externalId) as PersonRowRaw | undefined;
}

export function personById(db: OpenDatabase, id: string): PersonRowRaw | undefined {
  return db.sqlite.prepare('SELECT * FROM person WHERE id = ?').get(id) as PersonRowRaw | undefined;
}

/**
 * A run's log entries in id order, as rows with activity_entry's column names: the compact
 * batches of unchanged records are expanded, so a test sees one entry per record like a reader.
 */
export function activityOf(db: OpenDatabase, runId: string): PersonRowRaw[] {
  const rows = db.sqlite.prepare('SELECT * FROM activity_entry WHERE run_id = ? ORDER BY id').all(runId) as PersonRowRaw[];
  const personOf = db.sqlite.prepare('SELECT id, first_name, last_name FROM person WHERE source_connection_id = ? AND external_id = ?');
  for (const b of db.sqlite.prepare('SELECT * FROM activity_batch WHERE run_id = ?').all(runId) as ActivityBatchRow[]) {
    const entries = parseBatchEntries(b.entries);
    for (let i = 0; i < entries.length; i++) {
      const v = viewBatchEntry(b, entries, i);
      const p = v.name === null ? (personOf.get(v.sourceConnectionId, v.externalId) as PersonRowRaw | undefined) : undefined;
      rows.push({
        id: v.id,
        site_id: v.siteId,
        run_id: v.runId,
        at: v.at,
        outcome: v.outcome,
        person_id: v.personId ?? p?.id ?? null,
        person_name: v.name ?? (p ? `${p.first_name} ${p.last_name}`.trim() : ''),
        external_id: v.externalId,
        source_connection_id: v.sourceConnectionId,
        reason_code: v.reasonCode,
        reason: v.reason,
        detail: null,
      });
    }
  }
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

export function entryFor(db: OpenDatabase, runId: string, externalId: string): PersonRowRaw | undefined {
  return activityOf(db, runId).find((e) => e.external_id === externalId);
}
