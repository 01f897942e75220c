import { describe, expect, it } from 'vitest';
import { exportActivityCsv } from './activity/activity-export';
import { getActivity, listActivity } from './activity/activity-queries';
import { emptyCoresPerTest } from './test-empty-core';

/*
 * Hostile and broken CSV files through the real import: the file is read, reported on and synced
 * by the real engine into a real SQLite file. Each one must end in rows with line numbers or a
 * clear error, never a crash and never a person lost or disabled.
 */

const startCore = emptyCoresPerTest();

async function start() {
  const { core, call, siteId } = await startCore('Tower');
  const people = () =>
    core.db.sqlite.prepare('SELECT external_id, first_name, last_name, email, access_enabled FROM person WHERE site_id = ? ORDER BY external_id').all(siteId) as Array<
      Record<string, unknown>
    >;
  const importFile = (bytes: Uint8Array | string, fileName = 'people.csv') =>
    core.importCsv({ siteId, fileName, bytes: typeof bytes === 'string' ? utf8(bytes) : bytes, enableIntegrations: true });
  return { core, call, siteId, people, importFile };
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const GOOD = 'id,first,last,email\n1,Ana,Lopez,ana@example.com\n2,Bo,Kim,bo@example.com\n';

/** A site with Ana and Bo imported; returns the mirror as it was. */
async function seeded() {
  const s = await start();
  const first = await s.importFile(GOOD);
  expect(first.run.status).toBe('complete');
  return { ...s, before: s.people() };
}

describe('CSV files that are damaged or hostile', () => {
  it('a BOM with CRLF line ends reads the first header as "id", not "\\uFEFFid"', async () => {
    const { importFile, people } = await start();
    const result = await importFile(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('id,first,last,email\r\n1,Ana,Lopez,ana@example.com\r\n')]));
    expect(result.report).toMatchObject({ encoding: 'utf-8', headers: ['id', 'first', 'last', 'email'], mapping: { externalId: 'id' } });
    expect(result.run.status).toBe('complete');
    expect(people()).toEqual([{ external_id: '1', first_name: 'Ana', last_name: 'Lopez', email: 'ana@example.com', access_enabled: 1 }]);
  });

  it('mixed LF, CRLF and CR line ends keep every row and the right line numbers', async () => {
    const { importFile, before, people } = await seeded();
    const result = await importFile('id,first,last,email\r\n1,Ana,Lopez,ana@example.com\n2,Bo,Kim,bo@example.com\r3,Cy\r\n');
    expect(result.report.badRows).toEqual([{ line: 4, reason: '2 fields, expected 4' }]);
    expect(result.run).toMatchObject({ status: 'failed', error: expect.stringContaining('(line 4)') });
    expect(people()).toEqual(before);
  });

  it('an unterminated quote is refused with its line before anything is stored or synced', async () => {
    const { importFile, before, people, core, siteId } = await seeded();
    await expect(importFile('id,first,last,email\n1,Ana,Lopez,ana@example.com\n2,"Bo,Kim,bo@example.com\n')).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('Line 3: a quoted field starts here but its closing quote is missing'),
    });
    expect(people()).toEqual(before);
    // The stored copy is still the good file: the next scheduled pass changes nothing.
    const again = await core.engine.runSite(siteId, { trigger: 'manual' });
    expect(again).toMatchObject({ status: 'complete', counts: { processed: 2 } });
  });

  it('a 5 MB cell is a bad row naming its column and the limit; nobody is disabled', async () => {
    const { importFile, before, people } = await seeded();
    const result = await importFile(`id,first,last,email\n1,Ana,Lopez,ana@example.com\n2,Bo,${'k'.repeat(5 * 1024 * 1024)},bo@example.com\n`);
    expect(result.report.badRows).toEqual([{ line: 3, reason: 'the "last" value is 5,242,880 characters long; the limit is 10,000' }]);
    expect(result.run).toMatchObject({ status: 'failed', error: expect.stringContaining('Nothing was read from this file, so nobody was changed or disabled') });
    expect(people()).toEqual(before);
  });

  it('a header row only holds the pass for review instead of disabling everyone', async () => {
    const { importFile, before, people } = await seeded();
    const result = await importFile('id,first,last,email\r\n');
    expect(result.report).toMatchObject({ rows: 0, records: 0 });
    expect(result.run.status).toBe('held');
    expect(result.run.preview?.reason).toBe('Held for review: CSV import returned nobody, although 2 people here came from it');
    expect(people()).toEqual(before);
  });

  it('duplicate headers keep every column in the record, even one literally named like the renamed copy', async () => {
    const { importFile, core, siteId } = await start();
    const result = await importFile('id,first,last,Email,Email,Email (2)\n1,Ana,Lopez,ana@example.com,a2@example.com,a3@example.com\n');
    expect(result.run.status).toBe('complete');
    expect(new Set(result.report.headers).size).toBe(6);
    const [entry] = listActivity(core.db.sqlite, { siteId, limit: 1 }).rows;
    const record = getActivity(core.db.sqlite, entry.id).detail!.record as Record<string, string>;
    expect(Object.values(record).sort()).toEqual(['1', 'Ana', 'Lopez', 'a2@example.com', 'a3@example.com', 'ana@example.com']);
  });

  it('a formula in a header or a cell stays text in the record and is neutralised in the activity export', async () => {
    const { importFile, core, siteId } = await start();
    const result = await importFile(`id,first,last,email,"=cmd|' /C calc'!A0"\n1,=SUM(A1),@Lopez,ana@example.com,=1+1\n`);
    expect(result.run.status).toBe('complete');
    expect(result.report.ignoredColumns).toEqual(["=cmd|' /C calc'!A0"]);
    const [entry] = listActivity(core.db.sqlite, { siteId, limit: 1 }).rows;
    expect(getActivity(core.db.sqlite, entry.id).detail!.record).toMatchObject({ "=cmd|' /C calc'!A0": '=1+1', first: '=SUM(A1)' });
    const csv = exportActivityCsv(core.db.sqlite, { siteId }, new Date()).csv;
    expect(csv.split('\r\n')[1]).toContain(",'=SUM(A1) @Lopez,");
  });

  it('Latin-1 bytes with accents are read as Windows-1252 and keep the accents', async () => {
    const { importFile, people } = await start();
    // "Zoë Brontë" and "O’Neil" (0x92 is the curly apostrophe in Windows-1252) as Excel on Windows saves them.
    const bytes = new Uint8Array([...utf8('id,first,last,email\n1,Zo'), 0xeb, ...utf8(',Bront'), 0xeb, ...utf8(',zoe@example.com\n2,Liam,O'), 0x92, ...utf8('Neil,li@example.com\n')]);
    const result = await importFile(bytes);
    expect(result.report.encoding).toBe('latin1');
    expect(people().map((p) => [p.first_name, p.last_name])).toEqual([
      ['Zoë', 'Brontë'],
      ['Liam', 'O’Neil'],
    ]);
  });

  it('a file marked UTF-8 with non-UTF-8 bytes is refused, not guessed', async () => {
    const { importFile, before, people } = await seeded();
    await expect(importFile(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('id,first,last,email\n1,Zo'), 0xeb, ...utf8(',X,zoe@example.com\n')]))).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('contains bytes that are not UTF-8'),
    });
    expect(people()).toEqual(before);
  });

  it('a type cell saying "constructor" is an unknown type with a warning, not a prototype function', async () => {
    const { importFile, core, siteId } = await start();
    const result = await importFile('id,first,last,email,type\n1,Ana,Lopez,ana@example.com,constructor\n');
    expect(result.report.warnings).toEqual(['line 2: type "constructor" is not one of resident, staff, visitor, member; used the site default']);
    expect(result.run.status).toBe('complete');
    expect(core.db.sqlite.prepare('SELECT type FROM person WHERE site_id = ?').pluck().get(siteId)).toBe('resident');
  });
});
