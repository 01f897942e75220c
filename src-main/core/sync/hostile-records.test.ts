import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../adapters/types';
import type { OpenDatabase } from '../db/open-database';
import { getActivity, listActivity } from '../activity/activity-queries';
import { exportActivityCsv } from '../activity/activity-export';
import { explainExternalId, explainPerson } from './explain';
import {
  ArraySource,
  DeltaSource,
  activityOf,
  createConnection,
  createSite,
  eachTestDb,
  entryFor,
  makeEngine,
  people,
  personByExt,
  rec,
} from './test-helpers';

/*
 * Adversarial records through a real pass on a real SQLite file. A connector hands the engine
 * whatever its upstream sent, so every field is treated as `unknown` here. The rule under test:
 * bad input is named in the run or the log, nothing in the mirror is lost, and nobody is
 * disabled because a source sent garbage.
 */

let db: OpenDatabase;
eachTestDb((d) => (db = d));

/** A record with fields no type would allow: what a sloppy upstream really sends. */
function bad(externalId: unknown, fields: Record<string, unknown> = {}): SourceRecord {
  const base = rec(typeof externalId === 'string' ? externalId : 'X', fields as Partial<SourceRecord>);
  return { ...base, externalId: externalId as string, raw: { id: 'hostile', ...fields } };
}

function setup(records: SourceRecord[]) {
  const siteId = createSite(db);
  const connId = createConnection(db, siteId);
  const source = new ArraySource(records);
  const h = makeEngine(db, { [connId]: source });
  return { siteId, connId, source, ...h };
}

/** Everything a user can read about people and the log, as one string to search for junk. */
function visibleText(siteId: string): string {
  const rows = listActivity(db.sqlite, { siteId, limit: 10_000 }).rows;
  return JSON.stringify(people(db, siteId)) + JSON.stringify(rows) + exportActivityCsv(db.sqlite, { siteId }, new Date()).csv;
}

describe('fields of the wrong type', () => {
  it('an object, list or boolean in a field skips the record, names the field, and leaves the linked person as they were', async () => {
    const { siteId, engine, source } = setup([rec('R-1'), rec('R-2'), rec('R-3')]);
    await engine.runSite(siteId, { trigger: 'manual' });
    const before = people(db, siteId);
    source.records = [
      bad('R-1', { firstName: { first: 'Ana' } }),
      // A siteKey object once read as "Property [object Object] is not mapped" and disabled the person.
      bad('R-2', { siteKey: { code: 'HV1' } }),
      bad('R-3', { tags: 'Gym' }),
      bad('N-1', { email: ['n1@example.com'] }),
      bad('N-2', { status: true }),
      bad('N-3', { lastName: Number.NaN }),
      bad('N-4', { tags: ['Gym', { name: 'Pool' }] }),
    ];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('complete');
    expect(run.counts).toEqual({ skipped: 7 });
    expect(people(db, siteId)).toEqual(before);
    expect(entryFor(db, run.id, 'R-1')).toMatchObject({
      outcome: 'skipped',
      reason_code: 'invalid_record',
      person_name: 'Ana Ruiz R-1',
      reason: 'Demo PMS sent a record that cannot be used: firstName is an object, not text; Ana Ruiz R-1 is left as they are',
    });
    expect(entryFor(db, run.id, 'R-2')!.reason).toContain('siteKey is an object, not text');
    expect(entryFor(db, run.id, 'R-3')!.reason).toContain('tags is a string, not a list');
    expect(entryFor(db, run.id, 'N-1')!.reason).toContain('email is a list, not text');
    expect(entryFor(db, run.id, 'N-2')!.reason).toContain('status is true, not text');
    expect(entryFor(db, run.id, 'N-3')!.reason).toContain('lastName is the number NaN, not text');
    expect(entryFor(db, run.id, 'N-4')!.reason).toContain('tag 2 is an object, not text');
    expect(visibleText(siteId)).not.toContain('[object Object]');
    // The record shows as it came in, and "why not synced?" says what was wrong.
    const detail = getActivity(db.sqlite, Number(entryFor(db, run.id, 'R-1')!.id)).detail!;
    expect(detail.record).toEqual({ id: 'hostile', firstName: { first: 'Ana' } });
    const why = explainPerson(db, personByExt(db, 'R-1')!.id as string);
    expect(why.reasonCode).toBe('invalid_record');
    expect(why.steps.join('\n')).toContain("The record's firstName is an object, not text → skipped; nothing about this person was changed");

    // Fixed upstream: the next pass syncs them again.
    source.records = [rec('R-1', { firstName: 'Anna' }), rec('R-2'), rec('R-3')];
    const fixed = await engine.runSite(siteId, { trigger: 'manual' });
    expect(fixed.counts).toEqual({ updated: 1, processed: 2 });
    expect(personByExt(db, 'R-1')!.first_name).toBe('Anna');
  });

  it('numbers and BigInts are read as text: a numeric external id, phone and unit', async () => {
    const { siteId, engine } = setup([bad(12345, { phone: 4155550123, unit: 7, firstName: 'Li', lastName: 'Wu', email: 'li@example.com' }), bad(10n ** 20n, { phone: 4155550124n })]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run).toMatchObject({ status: 'complete', counts: { added: 2 } });
    expect(personByExt(db, '12345')).toMatchObject({ phone: '+14155550123', unit: '7', first_name: 'Li' });
    expect(personByExt(db, '100000000000000000000')).toMatchObject({ phone: '+14155550124' });
    const again = await engine.runSite(siteId, { trigger: 'manual' });
    expect(again.counts).toEqual({ processed: 2 });
  });

  it('tags: numbers become tags, nulls are dropped, a 100k-element list is refused rather than stalling the pass', async () => {
    const huge = Array.from({ length: 100_000 }, (_, i) => `t${i}`);
    const { siteId, engine } = setup([bad('R-1', { tags: ['Gym', 7, null, ' Gym '] }), bad('R-2', { tags: huge })]);
    const t0 = Date.now();
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(run.counts).toEqual({ added: 1, skipped: 1 });
    expect(JSON.parse(personByExt(db, 'R-1')!.synced_tags as string)).toEqual(['Gym', '7']);
    expect(entryFor(db, run.id, 'R-2')!.reason).toContain('tags has 100,000 entries; the limit is 100');
  });

  it('a 1 MB name is refused with its size; a linked person keeps their name', async () => {
    const { siteId, engine, source } = setup([rec('R-1')]);
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [rec('R-1', { lastName: 'x'.repeat(1 << 20) }), rec('N-1', { firstName: 'y'.repeat(1 << 20) })];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.counts).toEqual({ skipped: 2 });
    expect(personByExt(db, 'R-1')!.last_name).toBe('Ruiz R-1');
    expect(entryFor(db, run.id, 'R-1')!.reason).toContain('lastName is 1,048,576 characters long; the limit is 1,000');
    // The log names the unknown record by a shortened name, not a megabyte of it.
    expect(String(entryFor(db, run.id, 'N-1')!.person_name).length).toBeLessThan(200);
  });
});

describe('the raw record', () => {
  it('null, a string, a list, a BigInt, a Date, a cycle and deep nesting are logged as text, and the pass completes', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const records = [
      { ...rec('R-1'), raw: null as unknown as Record<string, unknown> },
      { ...rec('R-2'), raw: 'a string' as unknown as Record<string, unknown> },
      { ...rec('R-3'), raw: [1, 2] as unknown as Record<string, unknown> },
      { ...rec('R-4'), raw: { balance: 12345678901234567890n, movedIn: new Date('2024-05-01T00:00:00Z') } },
      { ...rec('R-5'), raw: cyclic },
      { ...rec('R-6'), raw: { deep } },
    ];
    const { siteId, engine, source } = setup(records);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run).toMatchObject({ status: 'complete', counts: { added: 6 } });
    const record = (ext: string) => getActivity(db.sqlite, Number(entryFor(db, run.id, ext)!.id)).detail!.record;
    expect(record('R-1')).toEqual({});
    expect(record('R-2')).toBe('a string');
    expect(record('R-3')).toEqual([1, 2]);
    expect(record('R-4')).toEqual({ balance: '12345678901234567890', movedIn: '2024-05-01T00:00:00.000Z' });
    expect(record('R-5')).toEqual({ name: 'loop', self: '[circular]' });
    expect(record('R-6')).toEqual({ unreadable: expect.stringContaining('could not be written to the log') });

    // The same records on an entry of its own (an update), not only in the added batch.
    source.records = records.map((r) => ({ ...r, unit: '202' }));
    const second = await engine.runSite(siteId, { trigger: 'manual' });
    expect(second).toMatchObject({ status: 'complete', counts: { updated: 6 } });
    expect(getActivity(db.sqlite, Number(entryFor(db, second.id, 'R-4')!.id)).detail!.record).toEqual({
      balance: '12345678901234567890',
      movedIn: '2024-05-01T00:00:00.000Z',
    });
  });

  it('a BigInt or a cycle in a field of a linked record fails nothing (the fingerprint copes)', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    const { siteId, engine, source } = setup([rec('R-1'), rec('R-2')]);
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [bad('R-1', { unit: 5n }), bad('R-2', { unit: cyclic })];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('complete');
    expect(personByExt(db, 'R-1')!.unit).toBe('5');
    expect(entryFor(db, run.id, 'R-2')).toMatchObject({ outcome: 'skipped', reason_code: 'invalid_record' });
    expect(personByExt(db, 'R-2')!.access_enabled).toBe(1);
  });
});

describe('prototype names', () => {
  it('"constructor", "toString" and "__proto__" as status words, tags, raw keys and external ids are ordinary text', async () => {
    const raw = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c"}') as Record<string, unknown>;
    const { siteId, engine, source } = setup([
      { ...rec('__proto__', { tags: ['__proto__', 'constructor'] }), raw },
      rec('constructor'),
      rec('toString', { status: 'toString' }),
    ]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('complete');
    expect(run.counts).toEqual({ added: 2, skipped: 1 });
    expect(JSON.parse(personByExt(db, '__proto__')!.synced_tags as string)).toEqual(['__proto__', 'constructor']);
    expect(entryFor(db, run.id, 'toString')).toMatchObject({
      reason_code: 'excluded_status',
      reason: 'Status toString (Unknown) is not one this site syncs',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(getActivity(db.sqlite, Number(entryFor(db, run.id, '__proto__')!.id)).detail!.record).toEqual(raw);

    // A linked person whose status becomes "constructor": once a function bound to SQL (the pass
    // failed); now an unrecognised word, which leaves their access alone.
    source.records = [source.records[0], rec('constructor', { status: 'constructor' })];
    const second = await engine.runSite(siteId, { trigger: 'manual' });
    expect(second.status).toBe('complete');
    expect(entryFor(db, second.id, 'constructor')).toMatchObject({ outcome: 'skipped', reason_code: 'excluded_status' });
    expect(personByExt(db, 'constructor')).toMatchObject({ access_enabled: 1, status: 'current' });
  });
});

describe('status words', () => {
  it('an unrecognised word skips a new record but never disables a linked person; a known excluded word still does', async () => {
    const { siteId, engine, source } = setup([rec('R-1'), rec('R-2')]);
    await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [rec('R-1', { status: 'Current-Renewal 2025' }), rec('R-2', { status: 'Moved Out' }), rec('N-1', { status: 'Zombie' })];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.counts).toEqual({ skipped: 2, disabled: 1 });
    expect(personByExt(db, 'R-1')).toMatchObject({ access_enabled: 1, status: 'current' });
    expect(entryFor(db, run.id, 'R-1')!.reason).toBe(
      'Status Current-Renewal 2025 (Unknown) is not one this site syncs; "Current-Renewal 2025" is not a status word Rollcall recognises, so access was left as it is',
    );
    expect(personByExt(db, 'R-2')).toMatchObject({ access_enabled: 0, status: 'past' });
    expect(entryFor(db, run.id, 'N-1')).toMatchObject({ reason_code: 'excluded_status' });
    expect(personByExt(db, 'N-1')).toBeUndefined();
  });
});

describe('external ids', () => {
  it('" R-1" and "R-1" in one read are one record; the second copy is named as a repeat', async () => {
    const { siteId, engine } = setup([rec(' R-1'), rec('R-1', { firstName: 'Other' })]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.counts).toEqual({ added: 1, skipped: 1 });
    expect(people(db, siteId).map((p) => [p.external_id, p.first_name])).toEqual([['R-1', 'Ana']]);
    expect(activityOf(db, run.id).find((e) => e.outcome === 'skipped')!.reason).toBe('Demo PMS sent external id R-1 more than once; only the first copy was used');
  });

  it('NUL, control characters, an RTL override, emoji and a 1,000-character id round-trip; a second pass changes nothing', async () => {
    const ids = ['R\u00002', 'R-\u0007\u001b[31m', 'R-\u202Eevil', 'R-😀‍🔥', `L-${'9'.repeat(998)}`];
    const { siteId, engine } = setup(ids.map((x, i) => rec(x, { lastName: `Ruiz ${i}`, email: null, phone: '+14155550123' })));
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run).toMatchObject({ status: 'complete', counts: { added: 5 } });
    expect(people(db, siteId).map((p) => p.external_id).sort()).toEqual([...ids].sort());
    const again = await engine.runSite(siteId, { trigger: 'manual' });
    expect(again.counts).toEqual({ processed: 5 });
    expect(explainExternalId(db, siteId, 'R\u00002').externalId).toBe('R\u00002');
  });

  it('a lone surrogate, an over-long id and an object id are refused by name, and two of them never collide in the mirror', async () => {
    // "\uD800" and "\uDC00" both reach SQLite as U+FFFD: once they were two people with one key,
    // and the UNIQUE index failed every pass from then on.
    const { siteId, engine } = setup([
      rec('R-\uD800'),
      rec('R-\uDC00'),
      rec(`L-${'9'.repeat(10_000)}`),
      bad({ id: 'R-9' }),
      bad(true),
      rec('   '),
      rec('R-1'),
    ]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run).toMatchObject({ status: 'complete', counts: { added: 1, skipped: 6 } });
    const reasons = activityOf(db, run.id)
      .filter((e) => e.outcome === 'skipped')
      .map((e) => e.reason);
    expect(reasons).toEqual([
      "The record's external id contains a broken character (a lone UTF-16 surrogate), so it cannot be tracked",
      "The record's external id contains a broken character (a lone UTF-16 surrogate), so it cannot be tracked",
      "The record's external id is 10,002 characters long; the limit is 1,000, so it cannot be tracked",
      "The record's external id is an object, not text, so it cannot be tracked",
      "The record's external id is true, not text, so it cannot be tracked",
      'The record has no external id, so it cannot be tracked',
    ]);
    expect((await engine.runSite(siteId, { trigger: 'manual' })).status).toBe('complete');
  });

  it('a complete read with records that identify nobody disables no one; a clean read later does', async () => {
    const { siteId, engine, source } = setup([rec('R-1'), rec('R-2'), rec('R-3')]);
    await engine.runSite(siteId, { trigger: 'manual' });
    // The upstream's ids came back as objects: look gone, but may be these records.
    source.records = [rec('R-1'), bad({ value: 'R-2' }), bad({ value: 'R-3' })];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('complete');
    expect(people(db, siteId).every((p) => p.access_enabled === 1)).toBe(true);
    expect(entryFor(db, run.id, 'R-2')).toMatchObject({
      outcome: 'skipped',
      reason_code: 'invalid_record',
      reason: 'Not in the latest complete read of Demo PMS, but that read had 2 records without a usable external id, which may include this person; access was left as it is',
    });
    source.records = [rec('R-1'), rec('R-2')];
    const clean = await engine.runSite(siteId, { trigger: 'manual' });
    expect(clean.counts).toEqual({ processed: 2, disabled: 1 });
    expect(personByExt(db, 'R-3')!.access_enabled).toBe(0);
  });

  it('one record repeated 10,000 times: one person, 9,999 named repeats, and the pass completes', async () => {
    const one = rec('R-1');
    const { siteId, engine } = setup(Array.from({ length: 10_000 }, () => one));
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run).toMatchObject({ status: 'complete', counts: { added: 1, skipped: 9_999 } });
    expect(people(db, siteId)).toHaveLength(1);
    expect(listActivity(db.sqlite, { siteId, query: 'more than once', limit: 1 }).total).toBe(9_999);
  });
});

describe('names, emails and phones', () => {
  it('hidden characters are removed from names, broken ones replaced, and forms unified', async () => {
    const { siteId, engine, source } = setup([
      rec('R-1', { firstName: 'An\u0000a', lastName: 'Ru\u202Eiz\u200B' }),
      rec('R-2', { firstName: 'Zo\uD800e', lastName: 'Jose\u0301' }),
      rec('R-3', { firstName: 'Ana\u200Dx', lastName: '\u0007\u001b Lee\t Kim ' }),
    ]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.counts).toEqual({ added: 3 });
    expect(people(db, siteId).map((p) => [p.first_name, p.last_name])).toEqual([
      ['Ana', 'Ruiz'],
      ['Zo\uFFFDe', 'José'],
      ['Ana\u200Dx', 'Lee Kim'],
    ]);
    // Only the unit changes: the stored names equal the normalised record's, so they are not rewritten.
    source.records = source.records.map((r) => ({ ...r, unit: '909' }));
    const second = await engine.runSite(siteId, { trigger: 'manual' });
    expect(activityOf(db, second.id).map((e) => e.reason)).toEqual(Array(3).fill('Updated from the source: unit'));
  });

  it('emails are lower-cased and trimmed, IDN domains kept, and hidden characters refused', async () => {
    const { siteId, engine } = setup([
      rec('R-1', { email: '  ANA@Example.COM ' }),
      rec('R-2', { email: 'zoë@exämple.de' }),
      rec('R-3', { email: 'bo\u0000@example.com', phone: null }),
      rec('R-4', { email: 'admin\u202E@example.com', phone: null }),
      rec('R-5', { email: 'li\u200B@example.com', phone: null }),
      rec('R-6', { email: 'l i@example.com', phone: null }),
    ]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.counts).toEqual({ added: 2, skipped: 4 });
    expect(personByExt(db, 'R-1')!.email).toBe('ana@example.com');
    expect(personByExt(db, 'R-2')!.email).toBe('zoë@exämple.de');
    expect(entryFor(db, run.id, 'R-3')).toMatchObject({ reason_code: 'missing_identifier', reason: expect.stringContaining('is not a valid address') });
    for (const x of ['R-4', 'R-5', 'R-6']) expect(entryFor(db, run.id, x)!.reason_code).toBe('missing_identifier');
  });

  it('a phone with an extension keeps its number; an all-zero placeholder is no phone', async () => {
    const { siteId, engine } = setup([
      rec('R-1', { email: null, phone: '+1 (415) 555-0123 ext. 9' }),
      rec('R-2', { email: null, phone: '0000000000' }),
    ]);
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(personByExt(db, 'R-1')!.phone).toBe('+14155550123');
    expect(entryFor(db, run.id, 'R-2')).toMatchObject({
      reason_code: 'missing_identifier',
      reason: 'Has no email or phone, but this site requires an email or a phone (Phone "0000000000" is not a usable number)',
    });
  });
});

describe('damaged reads', () => {
  async function seeded() {
    const s = setup([rec('R-1'), rec('R-2'), rec('R-3'), rec('R-4')]);
    await s.engine.runSite(s.siteId, { trigger: 'manual' });
    return { ...s, before: people(db, s.siteId) };
  }

  it.each([
    ['null', [rec('R-1'), null, rec('R-3')], 'Could not read Demo PMS: entry 2 of page 1 is null, not a record'],
    ['a string', [rec('R-1'), rec('R-2'), rec('R-3'), 'R-4'], 'Could not read Demo PMS: entry 1 of page 2 is a string, not a record'],
    ['undefined', [undefined], 'Could not read Demo PMS: entry 1 of page 1 is undefined, not a record'],
    ['a list', [[rec('R-1')]], 'Could not read Demo PMS: entry 1 of page 1 is a list, not a record'],
  ])('a page holding %s instead of a record fails the run, and the mirror is untouched', async (_what, records, error) => {
    const { siteId, engine, source, before } = await seeded();
    source.records = records as SourceRecord[];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run).toMatchObject({ status: 'failed', error });
    expect(people(db, siteId)).toEqual(before);
    expect(activityOf(db, run.id)).toEqual([]);
  });

  it('a page that is not a list fails the run with a clear message', async () => {
    const { siteId, engine, source, before } = await seeded();
    source.list = async function* () {
      yield { records: [] } as unknown as SourceRecord[];
    };
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run).toMatchObject({ status: 'failed', error: 'Could not read Demo PMS: the source sent a page that is not a list of records' });
    expect(people(db, siteId)).toEqual(before);
  });

  it('a changes batch whose records or removed ids are not lists fails, and its token is not stored', async () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId);
    const source = new DeltaSource([rec('R-1')]);
    const { engine } = makeEngine(db, { [connId]: source });
    await engine.runSite(siteId, { trigger: 'manual' });
    const token = () => db.sqlite.prepare('SELECT delta_token FROM source_connection WHERE id = ?').pluck().get(connId);
    const before = token();
    source.changes = { records: { 0: rec('R-2') } as unknown as SourceRecord[], removedExternalIds: [], nextToken: 't9' };
    const a = await engine.runSite(siteId, { trigger: 'continuous' });
    expect(a).toMatchObject({ status: 'failed', error: 'Could not read Demo PMS: the source sent the changes batch that is not a list of records' });
    source.changes = { records: [], removedExternalIds: 'R-1' as unknown as string[], nextToken: 't9' };
    const b = await engine.runSite(siteId, { trigger: 'continuous' });
    expect(b).toMatchObject({ status: 'failed', error: 'Could not read Demo PMS: the source sent removed ids that are not a list' });
    source.changes = { records: [], removedExternalIds: ['R-1', { id: 'R-1' }] as unknown as string[], nextToken: 't9' };
    const c = await engine.runSite(siteId, { trigger: 'continuous' });
    expect(c).toMatchObject({ status: 'failed', error: 'Could not read Demo PMS: removed id 2 of the changes batch is an object, not text' });
    expect(token()).toBe(before);
    expect(personByExt(db, 'R-1')!.access_enabled).toBe(1);
  });
});

describe('the log shows hostile data faithfully', () => {
  it('search, export and detail work on formula-looking names and wildcard ids, with formulas neutralised', async () => {
    const { siteId, engine, source } = setup([
      rec('R-1', { firstName: '=HYPERLINK("http://evil.example","Ana")', lastName: '@SUM(A1)' }),
      rec('R_%2', { firstName: '+cmd|', lastName: '-1', email: null, phone: null }),
    ]);
    const first = await engine.runSite(siteId, { trigger: 'manual' });
    source.records = [...source.records, bad('R-3', { firstName: { toString: 'x' } })];
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.status).toBe('complete');
    // "R_%2" is searched literally: "R_%" matches it and not R-1.
    expect(listActivity(db.sqlite, { siteId, query: 'R_%', limit: 10 }).rows.map((r) => r.externalId)).toEqual(['R_%2', 'R_%2']);
    const csv = exportActivityCsv(db.sqlite, { siteId }, new Date()).csv;
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""Ana"") @SUM(A1)"`);
    expect(csv).toContain(`'+cmd| -1`);
    expect(csv).not.toMatch(/(^|,)[=+@-][^,]*(HYPERLINK|cmd)/m);
    expect(csv).toContain('firstName is an object, not text');
    expect(visibleText(siteId)).not.toContain('[object Object]');
    const added = getActivity(db.sqlite, Number(entryFor(db, first.id, 'R-1')!.id));
    expect(added.detail!.record).toMatchObject({ firstName: '=HYPERLINK("http://evil.example","Ana")' });
    expect(explainExternalId(db, siteId, 'R-3')).toMatchObject({ outcome: 'skipped', reasonCode: 'invalid_record' });
  });
});
