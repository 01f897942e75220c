/** Prints rows as an aligned text table; objects in cells are shown compactly. */
export function printTable(rows: readonly object[], columns: string[], out: (line: string) => void = console.log): void {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'object')
      return Object.entries(v as Record<string, unknown>)
        .map(([k, n]) => `${k}:${n}`)
        .join(' ');
    return String(v).replace(/[\r\n\t]+/g, ' ');
  };
  const table = rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])));
  const widths = columns.map((c, i) => Math.min(40, Math.max(c.length, ...table.map((row) => row[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i])).join('  ').trimEnd();
  out(line(columns));
  for (const row of table) out(line(row));
  if (rows.length === 0) out('(nothing)');
}
