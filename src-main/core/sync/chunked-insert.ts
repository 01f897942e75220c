import type Database from 'better-sqlite3';

/** Rows per statement: one call binding 64 rows costs far less than 64 calls (SQLite allows 32766 variables). */
const CHUNK = 64;

/**
 * An INSERT that writes many rows per statement, for the thousands of rows a pass writes into one
 * table. Callers push each row's values onto `values` and then call `rowAdded()`; the rows go out
 * 64 at a time, and `flush()` writes the rest. Must be flushed before the transaction ends.
 */
export class ChunkedInsert {
  /** The values of the rows not yet written, row after row. */
  readonly values: unknown[] = [];
  private readonly many: Database.Statement;
  private readonly one: Database.Statement;

  /**
   * `head`: the statement up to VALUES ("INSERT INTO t (a, b)"); `row`: one row's placeholders,
   * "(?, ?, 1)", holding `perRow` of them.
   */
  constructor(
    sqlite: Database.Database,
    head: string,
    row: string,
    private readonly perRow: number,
  ) {
    this.many = sqlite.prepare(`${head} VALUES ${Array(CHUNK).fill(row).join(', ')}`);
    this.one = sqlite.prepare(`${head} VALUES ${row}`);
  }

  rowAdded(): void {
    if (this.values.length === CHUNK * this.perRow) {
      this.many.run(this.values);
      this.values.length = 0;
    }
  }

  flush(): void {
    for (let i = 0; i < this.values.length; i += this.perRow) this.one.run(this.values.slice(i, i + this.perRow));
    this.values.length = 0;
  }
}

/**
 * A value the same for every row of a pass (its site, its run, its time), written into the
 * statement as an SQL literal instead of bound once per row: binding costs per value, and at
 * 100k rows a quarter of the person INSERT's time went to binding values that never change.
 * Quoted as SQL quotes text, so the value cannot end the literal, whatever it holds.
 */
export function sqlText(value: string | null): string {
  return value === null ? 'NULL' : `'${value.replaceAll("'", "''")}'`;
}
