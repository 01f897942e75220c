import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coresPerTest } from '../decisions/test-core';
import { emptyCoresPerTest } from '../test-empty-core';

const startCore = emptyCoresPerTest();
const start = () => startCore('Maple Court');
const startDemoCore = coresPerTest();

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A property-management export: a title and a date above the header, a broken row, a total line. */
const RENT_ROLL = [
  'Resident Directory - Maple Court', // line 1
  'As of 11/01/2026', // 2
  '', // 3
  'Resident ID,Name,Unit,Status,E-mail Address,Cell Phone,Home Phone', // 4
  'R-100,"Okafor, Grace",101,Current,grace.okafor@example.com,(217) 555-0101,(217) 555-0191', // 5
  'R-101,"Lindqvist, Erik",102,Notice,erik.l@example.com,(217) 555-0102,', // 6
  'R-102,"Tan, Mei",103', // 7: cut short
  'R-103,"Moreau, Jean",104,Current,jean.moreau@example.com,,(217) 555-0194', // 8
  'Total,,,,,,', // 9
].join('\r\n');

describe('csv.inspect', () => {
  it('reports the guessed mapping, the header under the title, a bad row with its line and the skipped total', async () => {
    const { call, siteId, dataDir } = await start();
    const out = await call('csv.inspect', { siteId, fileName: 'directory.csv', content: b64(RENT_ROLL) });

    expect(out).toMatchObject({ encodingLabel: 'UTF-8', delimiterLabel: 'comma', headerLine: 4, records: 3, badRowCount: 1, skippedRowCount: 1, integrationsEnabled: false });
    expect(out.mapping).toMatchObject({ externalId: 'Resident ID', fullName: 'Name', unit: 'Unit', status: 'Status', email: 'E-mail Address', phone: 'Cell Phone' });
    expect(out.explicitFields).toEqual([]);
    expect(out.ignoredColumns).toEqual(['Home Phone']);
    expect(out.badRows).toEqual([{ line: 7, reason: '3 fields, expected 7' }]);
    expect(out.skippedRows.map((s) => s.line)).toEqual([9]);
    // The first records as Rollcall reads them: "Okafor, Grace" split into first and last name.
    expect(out.sample.map((r) => r.externalId)).toEqual(['R-100', 'R-101', 'R-103']);
    expect(out.sample[0]).toMatchObject({ firstName: 'Grace', lastName: 'Okafor', email: 'grace.okafor@example.com', unit: '101', status: 'Current' });
    expect(out.sample[0].phone).toMatch(/555.?0101/);
    expect(out.fields.find((f) => f.field === 'externalId')).toMatchObject({ required: true });
    expect(out.fields.map((f) => f.label)).toContain('Email');

    // Nothing stored: no CSV source, no people, no copy of the file.
    expect((await call('connections.list', { siteId })).sources).toEqual([]);
    expect((await call('people.list', { siteId })).total).toBe(0);
    expect(existsSync(join(dataDir, 'imports'))).toBe(false);
  });

  it('lets an explicit mapping override the guess, column by column', async () => {
    const { call, siteId } = await start();
    const out = await call('csv.inspect', {
      siteId,
      fileName: 'directory.csv',
      content: b64(RENT_ROLL),
      mapping: { 'Home Phone': 'phone', 'E-mail Address': 'ignore' },
    });
    expect(out.mapping.phone).toBe('Home Phone');
    expect(out.mapping.email).toBeUndefined();
    expect(out.explicitFields).toEqual(['phone']);
    expect(out.ignoredColumns).toEqual(expect.arrayContaining(['E-mail Address', 'Cell Phone']));
    expect(out.sample[0].phone).toMatch(/555.?0191/);
    expect(out.sample[0].email).toBeNull();
  });

  it('refuses a file it cannot read with the reader’s own words, and a file over 20 MB before reading it', async () => {
    const { call, siteId } = await start();
    const noId = 'Name,Unit\n"Okafor, Grace",101\n';
    await expect(call('csv.inspect', { siteId, fileName: 'names.csv', content: b64(noId) })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/names\.csv: No column identifies people.*"Name", "Unit"/),
    });
    await expect(call('csv.inspect', { siteId, fileName: 'x.csv', content: b64(RENT_ROLL), mapping: { 'Member #': 'externalId' } })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('"Member #" that is not in the file'),
    });
    const huge = Buffer.alloc(20 * 1024 * 1024 + 3, 0x41).toString('base64');
    await expect(call('csv.inspect', { siteId, fileName: 'huge.csv', content: huge })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('larger than 20 MB'),
    });
    await expect(call('csv.inspect', { siteId, fileName: 'x.csv', content: 'not base64!' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call('csv.inspect', { siteId, fileName: 'x'.repeat(256), content: b64(RENT_ROLL) })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call('csv.inspect', { siteId, fileName: 'x.csv', content: b64(RENT_ROLL), extra: 1 } as never)).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('csv.import', () => {
  it('stops on a bad row unless told to skip it, then imports and syncs the people', async () => {
    const { call, siteId, dataDir } = await start();
    const refused = await call('csv.import', { siteId, fileName: 'directory.csv', content: b64(RENT_ROLL), enableIntegrations: true });
    expect(refused.run.status).toBe('failed');
    expect(refused.run.error).toMatch(/line 7/);
    expect((await call('people.list', { siteId })).total).toBe(0);

    const out = await call('csv.import', { siteId, fileName: 'directory.csv', content: b64(RENT_ROLL), allowBadRows: true, enableIntegrations: true });
    expect(out.run).toMatchObject({ status: 'complete', dryRun: false, trigger: 'manual' });
    expect(out.run.counts.added).toBe(3);
    expect(out.report).toMatchObject({ badRowCount: 1, headerLine: 4 });

    const people = await call('people.list', { siteId });
    expect(people.rows.map((p) => `${p.firstName} ${p.lastName} ${p.externalId}`).sort()).toEqual(['Erik Lindqvist R-101', 'Grace Okafor R-100', 'Jean Moreau R-103']);
    const [source] = (await call('connections.list', { siteId })).sources;
    expect(source).toMatchObject({ kind: 'csv', peopleCount: 3 });
    expect(readFileSync(join(dataDir, 'imports', `${source.id}.csv`), 'utf8')).toBe(RENT_ROLL);
    expect((await call('settings.get', { siteId })).settings.integrationsEnabled).toBe(true);
  });

  it('keeps the chosen mapping for later passes', async () => {
    const { call, siteId } = await start();
    await call('csv.import', { siteId, fileName: 'directory.csv', content: b64(RENT_ROLL), mapping: { 'Home Phone': 'phone' }, allowBadRows: true, enableIntegrations: true });
    const [run] = await call('sync.runNow', { siteId });
    expect(run.status).toBe('complete');
    const { rows } = await call('people.list', { siteId, query: 'Moreau' });
    expect(rows[0].phone).toMatch(/555.?0194/);
  });

  it('previews a pass on a dry run without storing the file or changing anyone', async () => {
    const { call, siteId, dataDir } = await start();

    // Before any import: the preview counts the newcomers, and nothing is left behind.
    const first = await call('csv.import', { siteId, fileName: 'directory.csv', content: b64(RENT_ROLL), allowBadRows: true, dryRun: true });
    expect(first.run.dryRun).toBe(true);
    expect(first.warnings.join(' ')).toMatch(/Integrations are off/);
    expect(first.warnings.join(' ')).not.toContain('--enable-integrations');
    expect((await call('people.list', { siteId })).total).toBe(0);
    expect((await call('connections.list', { siteId })).sources).toEqual([]);
    expect((await call('settings.get', { siteId })).settings.integrationsEnabled).toBe(false);
    expect(existsSync(join(dataDir, 'imports'))).toBe(false);

    await call('csv.import', { siteId, fileName: 'directory.csv', content: b64(RENT_ROLL), allowBadRows: true, enableIntegrations: true });
    const before = await call('people.list', { siteId });
    const [source] = (await call('connections.list', { siteId })).sources;

    // A newer file where Grace moved to another unit and Erik is gone: previewed, not applied.
    const next = ['Resident ID,Name,Unit,Status,E-mail Address', 'R-100,"Okafor, Grace",305,Current,grace.okafor@example.com', 'R-103,"Moreau, Jean",104,Current,jean.moreau@example.com'].join('\n');
    const dry = await call('csv.import', { siteId, fileName: 'next.csv', content: b64(next), dryRun: true });
    expect(dry.run).toMatchObject({ dryRun: true, status: 'complete' });
    expect(dry.run.counts).toMatchObject({ updated: 1, disabled: 1 });
    expect(dry.run.preview?.people.find((p) => p.externalId === 'R-101')).toMatchObject({ outcome: 'disabled' });
    expect(await call('people.list', { siteId })).toEqual(before);
    expect(readFileSync(join(dataDir, 'imports', `${source.id}.csv`), 'utf8')).toBe(RENT_ROLL);
    expect((await call('connections.list', { siteId })).sources.map((s) => s.config)).toEqual([source.config]);
  });

  it('on a site with other sources, says what the pass did with this file apart from the whole pass', async () => {
    const demo = await startDemoCore();
    const file = ['Resident ID,First Name,Last Name,Email,Status', 'C-1,Ada,Quill,ada.quill@example.com,Current', 'C-2,Bo,Reyes,bo.reyes@example.com,Current'].join('\n');
    const dry = await demo.call('csv.import', { siteId: demo.siteId, fileName: 'extra.csv', content: b64(file), dryRun: true });
    expect(dry.fileCounts).toEqual({ added: 2 });
    // The pass also read the demo's property system: its people are in the run's counts, not the file's.
    expect(dry.run.counts.processed ?? 0).toBeGreaterThan(100);
    const done = await demo.call('csv.import', { siteId: demo.siteId, fileName: 'extra.csv', content: b64(file) });
    expect(done.run.status).toBe('complete');
    expect(done.fileCounts).toEqual({ added: 2 });
    const [csvSource] = (await demo.call('connections.list', { siteId: demo.siteId })).sources.filter((c) => c.kind === 'csv');
    expect(done.sourceConnectionId).toBe(csvSource.id);
  });

  it('is for managers only: the front desk is refused both calls', async () => {
    const { call, siteId } = await start();
    await expect(call('csv.inspect', { siteId, fileName: 'directory.csv', content: b64(RENT_ROLL) }, 'frontDesk')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call('csv.import', { siteId, fileName: 'directory.csv', content: b64(RENT_ROLL), allowBadRows: true, enableIntegrations: true }, 'frontDesk')).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect((await call('people.list', { siteId }, 'frontDesk')).total).toBe(0);
    expect((await call('settings.get', { siteId }, 'frontDesk')).settings.integrationsEnabled).toBe(false);
  });
});
