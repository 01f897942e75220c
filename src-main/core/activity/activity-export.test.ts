import { describe, expect, it } from 'vitest';
import { csvCell } from './activity-export';

describe('csvCell', () => {
  it('quotes commas, quotes and newlines', () => {
    expect(csvCell('Lopez, Ana')).toBe('"Lopez, Ana"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
  });

  it('neutralises values a spreadsheet would run as a formula', () => {
    expect(csvCell("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(csvCell('+1 555 0100')).toBe("'+1 555 0100");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('Ana')).toBe('Ana');
  });

  it('also neutralises a leading line feed and the full-width formula signs', () => {
    expect(csvCell('\n=1+1')).toBe(`"'\n=1+1"`);
    expect(csvCell('＝HYPERLINK("http://x")')).toBe(`"'＝HYPERLINK(""http://x"")"`);
    expect(csvCell('＋81 3 1234')).toBe("'＋81 3 1234");
    expect(csvCell('－5')).toBe("'－5");
    expect(csvCell('＠A1')).toBe("'＠A1");
    // A sign inside the text is no formula.
    expect(csvCell('Ana = 1')).toBe('Ana = 1');
  });
});
