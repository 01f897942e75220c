import { describe, expect, it } from 'vitest';
import { createCsvSource } from './csv-source';
import { readAll } from '../contract/read-source';

/*
 * A CSV is whatever someone exported (or crafted): cells sized right up to the limits must be
 * read, reported or refused in seconds, never stall the core process.
 */

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('CSV source against cells built to make a pattern backtrack', () => {
  it('reads a file whose phone cells are 1,000 characters of spaces between label and number, quickly', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `P-${i},Ana,Lopez,"Mobile${' '.repeat(990)}x1"`);
    const src = createCsvSource({ bytes: utf8(['Id,First Name,Last Name,Phone', ...rows].join('\n')), fileName: 'people.csv' });
    const t0 = Date.now();
    const records = await readAll(src);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(records).toHaveLength(200);
  });

  it('skips note lines whose first cell is 9,000 spaces after "sub", quickly', async () => {
    const notes = Array.from({ length: 200 }, () => `"sub${' '.repeat(9000)}x",,,`);
    const src = createCsvSource({ bytes: utf8(['Id,First Name,Last Name,Phone', 'P-1,Ana,Lopez,555 0101', ...notes].join('\n')), fileName: 'people.csv' });
    const t0 = Date.now();
    const records = await readAll(src);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(records.map((r) => r.externalId)).toEqual(['P-1']);
    expect(src.report().skippedRowCount).toBe(200);
  });
});
