import { describe, expect, it } from 'vitest';
import { CsvError } from './csv-error';
import { detectDelimiter, parseCsv, readCsvRows } from './parse-csv';

const values = (text: string) => parseCsv(text).rows.map((r) => r.fields);
const lines = (text: string) => parseCsv(text).rows.map((r) => r.line);

describe('parseCsv', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks', () => {
    const text = 'ID,Name,Note\r\n1,"Cruz, Ana","She said ""hi"""\r\n2,Bo,"two\r\nlines"\r\n';
    expect(values(text)).toEqual([
      ['ID', 'Name', 'Note'],
      ['1', 'Cruz, Ana', 'She said "hi"'],
      ['2', 'Bo', 'two\r\nlines'],
    ]);
  });

  it('numbers rows by the line they start on, also after a multi-line field', () => {
    const text = 'ID,Note\n1,"a\nb\nc"\n2,x\r\n\r\n3,"y\r\nz"\r4,w';
    expect(lines(text)).toEqual([1, 2, 5, 7, 9]);
    expect(values(text)[4]).toEqual(['4', 'w']);
  });

  it('accepts LF, CRLF and lone CR line endings, with or without a final one', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      expect(values(`a,b${eol}1,2${eol}3,4`)).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
      expect(values(`a,b${eol}1,2${eol}3,4${eol}${eol}${eol}`)).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
    }
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(values('a,b,c\n,,\n1,,3,\n')).toEqual([['a', 'b', 'c'], ['', '', ''], ['1', '', '3', '']]);
  });

  it('keeps a stray quote inside an unquoted field as a character', () => {
    expect(values('a,b\n5\'10",x\n')[1]).toEqual(['5\'10"', 'x']);
  });

  it('marks a row with text after a closing quote instead of guessing', () => {
    const { rows } = parseCsv('a,b\n"He said "hi"",x\n');
    expect(rows[1].problem).toEqual({ kind: 'text-after-quote', field: 0 });
  });

  it('fails the file on an unclosed quote, naming the line it opened on', () => {
    expect(() => parseCsv('a,b\n1,ok\n2,"never closed\n3,x\n')).toThrow(CsvError);
    expect(() => parseCsv('a,b\n1,ok\n2,"never closed\n3,x\n')).toThrow(/Line 3: a quoted field/);
  });

  it('honours an Excel "sep=" line and numbers the rows after it', () => {
    const parsed = parseCsv('sep=;\nID;Name\n1;Ana\n');
    expect(parsed.delimiter).toBe(';');
    expect(parsed.delimiterSource).toBe('sep-line');
    expect(parsed.rows.map((r) => [r.line, r.fields])).toEqual([
      [2, ['ID', 'Name']],
      [3, ['1', 'Ana']],
    ]);
  });

  it('counts but does not store fields beyond the column limit, and flags over-long fields', () => {
    const wide = Array.from({ length: 500 }, (_, i) => `c${i}`).join(',');
    const [row] = [...readCsvRows(wide, ',', { maxColumns: 200, maxFieldLength: 10 })];
    expect(row.fieldCount).toBe(500);
    expect(row.fields).toHaveLength(201);
    const [long] = [...readCsvRows(`ok,"${'x'.repeat(50)}"`, ',', { maxColumns: 200, maxFieldLength: 10 })];
    expect(long.problem).toEqual({ kind: 'field-too-long', field: 1, length: 50 });
  });
});

describe('detectDelimiter', () => {
  it('finds semicolons even when quoted values contain commas', () => {
    expect(detectDelimiter('ID;Name;City\n1;"Cruz, Ana";Lyon\n2;"Bo, Li";"Paris, 15e"\n')).toBe(';');
  });

  it('finds tabs and pipes', () => {
    expect(detectDelimiter('ID\tName\tEmail\n1\tAna\ta@x.io\n')).toBe('\t');
    expect(detectDelimiter('ID|Name|Email\n1|Ana|a@x.io\n')).toBe('|');
  });

  it('prefers the delimiter that gives consistent field counts', () => {
    // Commas appear in the data but only semicolons split every row the same way.
    expect(detectDelimiter('ID;Name\n1;Ana, B\n2;Bo\n3;Cy, D, E\n')).toBe(';');
  });

  it('is not misled by a report title or date on the first lines', () => {
    expect(detectDelimiter('Resident List\nAs of 11/23/2026\n\nID;Name;Email\n1;"Cruz, Ana";a@x.io\n2;Bo;b@x.io\n')).toBe(';');
    expect(detectDelimiter('Tenant Directory\nID\tName\n1\tAna\n')).toBe('\t');
  });

  it('defaults to comma for a single column', () => {
    expect(detectDelimiter('ID\n1\n2\n')).toBe(',');
  });
});
