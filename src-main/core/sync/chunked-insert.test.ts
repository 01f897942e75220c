import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChunkedInsert, sqlText } from './chunked-insert';

describe('ChunkedInsert', () => {
  it('writes every row, full statements and the rest, with per-pass values as literals stored exactly', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (n INTEGER, label TEXT, tag TEXT)');
    // Quotes, a statement terminator and a comment: a literal that could end early would show here.
    const hostile = `O'Brien'); DROP TABLE t; -- "x"`;
    const rows = new ChunkedInsert(db, 'INSERT INTO t (n, label, tag)', `(?, ?, ${sqlText(hostile)})`, 2);
    for (let n = 0; n < 150; n++) {
      rows.values.push(n, `row ${n}`);
      rows.rowAdded();
    }
    rows.flush();
    const got = db.prepare('SELECT n, label, tag FROM t ORDER BY n').all() as { n: number; label: string; tag: string }[];
    expect(got).toHaveLength(150);
    expect(got[149]).toEqual({ n: 149, label: 'row 149', tag: hostile });
    expect(new Set(got.map((r) => r.tag))).toEqual(new Set([hostile]));
  });

  it('writes NULL for a missing per-pass value', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (n INTEGER, run TEXT)');
    const rows = new ChunkedInsert(db, 'INSERT INTO t (n, run)', `(?, ${sqlText(null)})`, 1);
    rows.values.push(1);
    rows.rowAdded();
    rows.flush();
    expect(db.prepare('SELECT run FROM t').pluck().get()).toBeNull();
  });
});
