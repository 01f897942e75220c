import { describe, expect, it } from 'vitest';
import { UpstreamError, type SourceRecord } from '../types';
import { createCsvSource, type CsvSourceOptions } from './csv-source';

const utf8 = (text: string) => new TextEncoder().encode(text);

function source(text: string | Uint8Array, extra: Partial<CsvSourceOptions> = {}) {
  return createCsvSource({ bytes: typeof text === 'string' ? utf8(text) : text, fileName: 'people.csv', ...extra });
}

async function readAll(src: ReturnType<typeof createCsvSource>): Promise<SourceRecord[][]> {
  const pages: SourceRecord[][] = [];
  for await (const page of src.list()) pages.push(page);
  return pages;
}

async function listError(src: ReturnType<typeof createCsvSource>): Promise<UpstreamError> {
  try {
    await readAll(src);
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    return err as UpstreamError;
  }
  throw new Error('list() did not fail');
}

const YARDI = [
  'Property,Unit,Tenant Code,Tenant,Status,Email,Phone (Cell),Move In,Rent',
  'p101,4B,t0001234,"Cruz, Ana",Current,ana@example.com,(415) 555-0101,2023-04-01,2450.00',
  'p101,7A,t0001240,"de la Rosa, Luis",Notice,luis@example.com,,2021-09-15,"2,100.00"',
  'p102,12,t0001300,Zoë Brontë,Future,,+1 415 555 0199,2025-01-01,1900.00',
  '',
].join('\r\n');

describe('createCsvSource: reading people', () => {
  it('lists a Yardi-like export as SourceRecords with the raw row kept', async () => {
    const src = source(YARDI, { defaultType: 'resident' });
    const pages = await readAll(src);
    expect(pages.flat()).toEqual([
      {
        externalId: 't0001234',
        firstName: 'Ana',
        lastName: 'Cruz',
        email: 'ana@example.com',
        phone: '(415) 555-0101',
        unit: '4B',
        status: 'Current',
        type: 'resident',
        siteKey: 'p101',
        raw: {
          Property: 'p101',
          Unit: '4B',
          'Tenant Code': 't0001234',
          Tenant: 'Cruz, Ana',
          Status: 'Current',
          Email: 'ana@example.com',
          'Phone (Cell)': '(415) 555-0101',
          'Move In': '2023-04-01',
          Rent: '2450.00',
        },
      },
      expect.objectContaining({ externalId: 't0001240', firstName: 'Luis', lastName: 'de la Rosa', phone: null }),
      expect.objectContaining({ externalId: 't0001300', firstName: 'Zoë', lastName: 'Brontë', email: null }),
    ]);
    const report = src.report();
    expect(report).toMatchObject({
      encoding: 'utf-8',
      delimiter: ',',
      rows: 3,
      records: 3,
      columns: 9,
      ignoredColumns: ['Move In', 'Rent'],
      badRows: [],
    });
  });

  it('lists a gym-member export with semicolons and the default type', async () => {
    const text =
      'Member #;First;Surname;E-mail;Mobile;Home Club;Membership Status;Membership Type;Tags\n' +
      'M-1;Ana;Cruz;ANA@EXAMPLE.COM;0612345678;Lyon 1;Active;Gold;"pool; sauna"\n' +
      'M-2;Bo;Li;bo@example.com;;Lyon 1;Frozen;Silver;\n';
    const src = source(text, { defaultType: 'member' });
    const records = (await readAll(src)).flat();
    expect(records).toEqual([
      expect.objectContaining({ externalId: 'M-1', firstName: 'Ana', lastName: 'Cruz', email: 'ANA@EXAMPLE.COM', phone: '0612345678', siteKey: 'Lyon 1', status: 'Active', type: 'member', tags: ['pool', 'sauna'] }),
      expect.objectContaining({ externalId: 'M-2', phone: null, status: 'Frozen', type: 'member' }),
    ]);
    expect(src.report()).toMatchObject({ delimiter: ';', ignoredColumns: ['Membership Type'], badRowCount: 0 });
  });

  it('lists a tab-separated file with tags and a type column', async () => {
    const text = 'ID\tName\tRole\tTags\n1\tAna Cruz\tStaff\tnight shift; keyholder\n2\tBo Li\tGuest\t\n';
    const records = (await readAll(source(text, { defaultType: 'resident' }))).flat();
    expect(records.map((r) => [r.externalId, r.type, r.tags])).toEqual([
      ['1', 'staff', ['night shift', 'keyholder']],
      ['2', 'visitor', undefined],
    ]);
  });

  it('uses the default type for an unknown type word and says so in the report', async () => {
    const src = source('ID,Name,Type\n1,Ana Cruz,Landlord\n', { defaultType: 'resident' });
    const [record] = (await readAll(src)).flat();
    expect(record.type).toBe('resident');
    expect(src.report().warnings).toEqual([
      'line 2: type "Landlord" is not one of resident, staff, visitor, member; used resident',
    ]);
  });

  it('reads UTF-16 LE (with and without BOM) and Latin-1 exports to the same people', async () => {
    const text = 'ID,First,Last\r\n1,Zoë,Brontë\r\n';
    const le = new Uint8Array(Buffer.from(text, 'utf16le'));
    const withBom = new Uint8Array([0xff, 0xfe, ...le]);
    const latin1 = new Uint8Array(Buffer.from(text, 'latin1'));
    const bom8 = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]);
    for (const [bytes, encoding] of [[withBom, 'utf-16le'], [le, 'utf-16le'], [latin1, 'latin1'], [bom8, 'utf-8']] as const) {
      const src = source(bytes);
      const records = (await readAll(src)).flat();
      expect(records.map((r) => [r.externalId, r.firstName, r.lastName])).toEqual([['1', 'Zoë', 'Brontë']]);
      expect(src.report().encoding).toBe(encoding);
      expect(Object.keys(records[0].raw)[0]).toBe('ID');
    }
  });

  it('keeps quoted commas, doubled quotes and line breaks inside values', async () => {
    const text = 'ID,Name,Notes\n1,"Cruz, Ana","Says ""hola""\nand waves"\n';
    const [record] = (await readAll(source(text))).flat();
    expect(record.raw.Notes).toBe('Says "hola"\nand waves');
    expect(record.lastName).toBe('Cruz');
  });

  it('pages records by pageSize', async () => {
    const text = 'ID\n' + Array.from({ length: 1201 }, (_, i) => `id${i}`).join('\n');
    const pages = await readAll(source(text, { pageSize: 500 }));
    expect(pages.map((p) => p.length)).toEqual([500, 500, 201]);
  });

  it('a header-only file lists nobody and test() says 0 rows', async () => {
    const src = source('ID,Name,Email\r\n');
    expect(await readAll(src)).toEqual([]);
    const result = await src.test();
    expect(result.ok).toBe(true);
    expect(result.message).toContain('0 rows, 3 columns');
  });

  it('skips blank and all-empty rows (",,,") without calling them bad', async () => {
    const text = 'ID,Name\n1,Ana\n\n,\n2,Bo\n\n\n';
    const src = source(text);
    expect((await readAll(src)).flat().map((r) => r.externalId)).toEqual(['1', '2']);
    expect(src.report().badRowCount).toBe(0);
  });

  it('reads the file again on every list() when given a loader', async () => {
    let content = 'ID\n1\n';
    const src = createCsvSource({ bytes: async () => utf8(content), fileName: 'live.csv' });
    expect((await readAll(src)).flat()).toHaveLength(1);
    content = 'ID\n1\n2\n';
    expect((await readAll(src)).flat()).toHaveLength(2);
  });

  it('keeps formula-looking values as plain text, never evaluated', async () => {
    const text = 'ID,Name,Notes\n1,Ana,"=cmd|\' /C calc\'!A0"\n2,"=HYPERLINK(""http://x"")",@SUM(A1)\n';
    const records = (await readAll(source(text))).flat();
    expect(records[0].raw.Notes).toBe("=cmd|' /C calc'!A0");
    expect(records[1].firstName).toBe('=HYPERLINK("http://x")');
    expect(records[1].raw.Notes).toBe('@SUM(A1)');
  });
});

describe('createCsvSource: test()', () => {
  it('says how many rows and columns and which mapping was guessed', async () => {
    const result = await source(YARDI).test();
    expect(result.ok).toBe(true);
    expect(result.message).toContain('people.csv: 3 rows, 9 columns (UTF-8, comma-separated)');
    expect(result.message).toContain('externalId ← "Tenant Code"');
    expect(result.message).toContain('Ignored columns: "Move In", "Rent"');
  });

  it('fails with the headers found when no column identifies people', async () => {
    const result = await source('First Name,Last Name,Email\nAna,Cruz,a@x.io\n').test();
    expect(result.ok).toBe(false);
    expect(result.message).toContain('Headers found: "First Name", "Last Name", "Email"');
  });
});

describe('createCsvSource: explicit mapping', () => {
  const text = 'ID,Member #,E-mail Address,Work Email\n1,M-1,home@x.io,work@x.io\n';

  it('accepts an object header→field', async () => {
    const [r] = (await readAll(source(text, { mapping: { 'Member #': 'externalId', 'Work Email': 'email' } }))).flat();
    expect([r.externalId, r.email]).toEqual(['M-1', 'work@x.io']);
  });

  it('accepts the CLI string form', async () => {
    const src = source(text, { mapping: 'email=Work Email,externalId=Member #' });
    const [r] = (await readAll(src)).flat();
    expect([r.externalId, r.email]).toEqual(['M-1', 'work@x.io']);
    expect(src.report().mapping).toMatchObject({ externalId: 'Member #', email: 'Work Email' });
    expect(src.report().ignoredColumns).toEqual(['ID', 'E-mail Address']);
  });

  it('a missing external id column fails list() with the headers found', async () => {
    const err = await listError(source('Name,Email\nAna,a@x.io\n'));
    expect(err.message).toMatch(/^people\.csv: No column identifies people/);
    expect(err.message).toContain('Headers found: "Name", "Email"');
  });
});

describe('createCsvSource: bad rows', () => {
  const damaged = [
    'ID,Name,Email', //                          line 1
    '1,Ana,ana@x.io', //                         line 2
    '2,"Bo ""the boss""', //                     line 3: 2 fields
    'Li",bo@x.io', //                            (still line 3's row)
    '3,"Cy\nSmith",cy@x.io', //                  line 5, spans 2 lines
    '4,Dee,dee@x.io,extra', //                   line 7: 4 fields
    ',Nobody,no@x.io', //                        line 8: no id
    '1,Ana again,ana2@x.io', //                  line 9: duplicate of line 2
    '5,Eve,eve@x.io', //                         line 10
  ].join('\n');

  it('are reported with the line they start on, including after multi-line quoted fields', async () => {
    const src = source(damaged, { allowBadRows: true });
    const records = (await readAll(src)).flat();
    expect(records.map((r) => r.externalId)).toEqual(['1', '2', '3', '5']);
    expect(records[1].raw.Name).toBe('Bo "the boss"\nLi');
    expect(src.report().badRows).toEqual([
      { line: 7, reason: '4 fields, expected 3' },
      { line: 8, reason: 'no external id (the "ID" column is empty)' },
      { line: 9, reason: 'external id "1" is already used on line 2' },
    ]);
  });

  it('make list() throw before yielding anything, so nobody is treated as removed', async () => {
    const src = source(damaged);
    const seen: SourceRecord[] = [];
    let error: unknown;
    try {
      for await (const page of src.list()) seen.push(...page);
    } catch (err) {
      error = err;
    }
    expect(seen).toEqual([]);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toContain('people.csv: 3 bad rows (lines 7, 8, 9): line 7: 4 fields, expected 3;');
    expect((error as Error).message).toContain('nobody was changed or disabled');
    expect(src.report().badRowCount).toBe(3);
  });

  it('make test() fail with the same summary unless bad rows are allowed', async () => {
    expect((await source(damaged).test()).ok).toBe(false);
    const allowed = await source(damaged, { allowBadRows: true }).test();
    expect(allowed.ok).toBe(true);
    expect(allowed.message).toContain('These rows are skipped');
  });

  it('report missing fields with the counts', async () => {
    const text = ['ID,A,B,C,D,E,F,G,H', ...Array.from({ length: 12 }, (_, i) => `${i},a,b,c,d,e,f,g,h`), '99,a,b,c,d,e,f'].join('\n');
    const err = await listError(source(text));
    expect(err.message).toContain('1 bad row (line 14): line 14: 7 fields, expected 9.');
  });

  it('tolerate trailing empty fields from a trailing delimiter', async () => {
    const records = (await readAll(source('ID,Name\n1,Ana,\n2,Bo,,\n'))).flat();
    expect(records.map((r) => r.externalId)).toEqual(['1', '2']);
  });
});

describe('createCsvSource: hostile input fails fast and clearly', () => {
  it('a 20,000-character value is a bad row naming the column and the limit', async () => {
    const text = `ID,Name,Notes\n1,Ana,ok\n2,Bo,"${'x'.repeat(20_000)}"\n`;
    const started = Date.now();
    const err = await listError(source(text));
    expect(err.message).toContain('line 3: the "Notes" value is 20,000 characters long; the limit is 10,000');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a mapped value the sync would refuse is a bad row here, with its line; an unmapped long value is fine', async () => {
    // Under the file limit (10,000) but over what a record may carry (1,000): caught at import,
    // not later as an unusable record in the activity log.
    const long = 'y'.repeat(1_500);
    const err = await listError(source(`ID,First,Last,Notes\n1,Ana,Lopez,${long}\n2,Bo,${long},ok\n`));
    expect(err.message).toContain('line 3: the "Last" value is 1,500 characters long; the limit is 1,000');
    expect(err.message).not.toContain('line 2');
    const tags = Array.from({ length: 101 }, (_, i) => `t${i}`).join(';');
    const tagErr = await listError(source(`ID,Name,Tags\n1,Ana,${tags}\n`));
    expect(tagErr.message).toContain('line 2: the "Tags" value has 101 tags; the limit is 100');
  });

  it('500 columns in the header fail the file', async () => {
    const header = ['ID', ...Array.from({ length: 499 }, (_, i) => `c${i}`)].join(',');
    const err = await listError(source(`${header}\n1${',x'.repeat(499)}\n`));
    expect(err.message).toContain('the header row (line 1) has 500 columns; the limit is 200');
  });

  it('a data row with a million delimiters is a bad row, without storing a million fields', async () => {
    const started = Date.now();
    const err = await listError(source(`ID,Name\n1,${','.repeat(1_000_000)}\n`));
    expect(err.message).toContain('line 2: 1,000,002 fields, expected 2');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a file over the size limit is refused before it is decoded', async () => {
    const huge = new Uint8Array(51 * 1024 * 1024);
    const started = Date.now();
    const err = await listError(source(huge));
    expect(err.message).toBe(
      'people.csv: the file is 51.0 MB; the limit is 50 MB. Split it into smaller files (for example one per property).',
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an unclosed quote fails the file with the line it opened on', async () => {
    const err = await listError(source('ID,Name\n1,Ana\n2,"Bo\n3,Cy\n'));
    expect(err.message).toMatch(/^people\.csv: Line 3: a quoted field starts here but its closing quote is missing/);
  });

  it('an empty file and a workbook are refused with a plain message', async () => {
    expect((await listError(source(''))).message).toBe('people.csv: the file is empty: expected a header row naming the columns.');
    expect((await listError(source(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0])))).message).toContain('Excel workbook');
  });

  it('a large valid file (100k rows) is read in well under the time a sync allows', async () => {
    const lines = ['ID,First,Last,Email,Unit'];
    for (let i = 0; i < 100_000; i++) lines.push(`r${i},First${i},"Last, ${i}",p${i}@example.com,${i % 400}`);
    const src = source(lines.join('\n'));
    const started = Date.now();
    let count = 0;
    for await (const page of src.list()) count += page.length;
    expect(count).toBe(100_000);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a "__proto__" header stays an ordinary column in raw', async () => {
    const [r] = (await readAll(source('ID,__proto__\n1,x\n'))).flat();
    expect(Object.getOwnPropertyDescriptor(r.raw, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(r.raw)).toBe(Object.prototype);
  });

  it('list() can be cancelled between pages', async () => {
    const controller = new AbortController();
    const src = source('ID\n' + Array.from({ length: 50 }, (_, i) => `x${i}`).join('\n'), { pageSize: 10 });
    const pages: number[] = [];
    await expect(
      (async () => {
        for await (const page of src.list({ signal: controller.signal })) {
          pages.push(page.length);
          controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(pages).toEqual([10]);
  });
});

describe('createCsvSource: reports with titles, totals and section lines', () => {
  it('finds the header under a title, a date and blank lines, and says on which line', async () => {
    const text = 'Tenant Directory\r\nAs of 11/23/2026\r\n\r\nTenant Code;Name;Status\r\nt01;"Cruz, Ana";Current\r\nt02;Bo Li;Notice\r\n';
    const src = source(text);
    const records = (await readAll(src)).flat();
    expect(records.map((r) => [r.externalId, r.firstName, r.lastName, r.status])).toEqual([
      ['t01', 'Ana', 'Cruz', 'Current'],
      ['t02', 'Bo', 'Li', 'Notice'],
    ]);
    expect(src.report()).toMatchObject({ headerLine: 4, delimiter: ';', rows: 2, badRowCount: 0 });
    expect((await src.test()).message).toContain('Header row found on line 4; the lines above it were skipped.');
  });

  it('does not take a one-line title naming an id for the header', async () => {
    const src = source('Resident ID Report\nResident ID,Name\nr1,Ana Cruz\n');
    expect((await readAll(src)).flat().map((r) => r.externalId)).toEqual(['r1']);
    expect(src.report().headerLine).toBe(2);
  });

  it('finds the header named by an explicit mapping under a title', async () => {
    const src = source('People export\nCode,Who,Mail\nc1,Ana Cruz,a@x.io\n', { mapping: 'externalId=Code,fullName=Who,email=Mail' });
    expect((await readAll(src)).flat().map((r) => [r.externalId, r.lastName, r.email])).toEqual([['c1', 'Cruz', 'a@x.io']]);
    expect(src.report().headerLine).toBe(2);
  });

  it('still fails with the first row\'s headers when no line looks like a header', async () => {
    const err = await listError(source('Report\nFirst Name,Last Name\nAna,Cruz\n'));
    expect(err.message).toContain('No column identifies people');
    expect(err.message).toContain('Headers found: "Report"');
  });

  it('skips totals, section titles, repeated headers and vacant units instead of failing the import', async () => {
    const text = [
      'ID,Name,Unit,Email', //                      line 1
      'Current Residents', //                        line 2: a section title, 1 field
      '1,Ana Cruz,101,ana@x.io', //                  line 3
      ',VACANT,102,', //                             line 4
      'ID,Name,Unit,Email', //                       line 5: page break
      '2,Bo Li,103,bo@x.io', //                      line 6
      ',,,', //                                      line 7: blank, not reported
      'Total,,3 units,', //                          line 8
      'Grand Total: 2 residents', //                 line 9: 1 field
    ].join('\n');
    const src = source(text);
    expect((await readAll(src)).flat().map((r) => r.externalId)).toEqual(['1', '2']);
    expect(src.report()).toMatchObject({
      badRowCount: 0,
      skippedRowCount: 5,
      skippedRows: [
        { line: 2, reason: 'a title or note line ("Current Residents")' },
        { line: 4, reason: 'a vacant unit' },
        { line: 5, reason: 'the header repeated (a page break in the export)' },
        { line: 8, reason: 'a summary line ("Total")' },
        { line: 9, reason: 'a summary line ("Grand Total: 2 residents")' },
      ],
    });
  });

  it('skips a "Total" row even when the id is the first column, but never a row that names someone', async () => {
    const src = source('ID,Name,Email\n1,Ana Cruz,ana@x.io\nTotal,,\n', { allowBadRows: true });
    expect((await readAll(src)).flat().map((r) => r.externalId)).toEqual(['1']);
    expect(src.report().skippedRowCount).toBe(1);

    const damaged = source('Club,ID,Name,Email\nLyon,1,Ana Cruz,ana@x.io\nLyon,,Bo Li,bo@x.io\nLyon,,,cy@x.io\nTotal Fitness,,Dee Roe,\n');
    const err = await listError(damaged);
    expect(err.message).toContain('3 bad rows (lines 3, 4, 5)');
    expect(damaged.report().skippedRowCount).toBe(0);
  });

  it('refuses an id Excel rounded into scientific notation rather than importing the wrong person', async () => {
    const err = await listError(source('Client ID,Name\n1.00046E+11,Ana Cruz\n100047,Bo Li\n'));
    expect(err.message).toContain('line 2: the external id "1.00046E+11" is a number Excel rounded into scientific notation');
  });

  it('reads ="00123" and \'00123 ids and units as the text Excel was protecting', async () => {
    const [r] = (await readAll(source('ID,Unit,Name\n="00123",\'0042,Ana Cruz\n'))).flat();
    expect([r.externalId, r.unit]).toEqual(['00123', '0042']);
    expect(r.raw.ID).toBe('="00123"');
  });

  it('separate first and last name columns win over a full-name column', async () => {
    const [r] = (await readAll(source('ID,Name,First Name,Last Name\n1,"Cruz, Ana María",Ana,Cruz Díaz\n'))).flat();
    expect([r.firstName, r.lastName]).toEqual(['Ana', 'Cruz Díaz']);
  });
});
