import { describe, expect, it } from 'vitest';
import { isExcelScientific, pickEmail, pickPhone, unwrapExcelText } from './contact-cells';

describe('pickPhone', () => {
  it('takes the mobile number out of a labelled list, else the first number', () => {
    expect(pickPhone('Mobile: (555) 123-4567, Home: (555) 765-4321')).toEqual({ value: '(555) 123-4567' });
    expect(pickPhone('Home: (555) 765-4321, Mobile: (555) 123-4567')).toEqual({ value: '(555) 123-4567' });
    expect(pickPhone('Home: 555-010-0170; Cell: 555-010-0171')).toEqual({ value: '555-010-0171' });
    expect(pickPhone('555-010-0170 (home) / 555-010-0171 (cell)')).toEqual({ value: '555-010-0171' });
    expect(pickPhone('H: 555 010 0170, M: 555 010 0171')).toEqual({ value: '555 010 0171' });
    expect(pickPhone('Home: (555) 765-4321, Work: (555) 010-0000')).toEqual({ value: '(555) 765-4321' });
    expect(pickPhone('Phone: (720) 653-7894')).toEqual({ value: '(720) 653-7894' });
  });

  it('keeps a single number as written, extension included', () => {
    expect(pickPhone('+44 20 7946 0958')).toEqual({ value: '+44 20 7946 0958' });
    expect(pickPhone('(555) 010-0101 ext 12')).toEqual({ value: '(555) 010-0101 ext 12' });
    expect(pickPhone('  ')).toEqual({ value: null });
    expect(pickPhone(null)).toEqual({ value: null });
  });

  it('never invents digits for a number Excel rounded into scientific notation', () => {
    const picked = pickPhone('5.55123E+9');
    expect(picked.value).toBeNull();
    expect(picked.note).toContain('"5.55123E+9" was rounded by Excel');
    expect(pickPhone('Mobile: 1.5551E+10').value).toBeNull();
  });

  it('undoes the marks spreadsheets leave on numbers', () => {
    expect(pickPhone("'+15550100101")).toEqual({ value: '+15550100101' });
    expect(pickPhone('="0612345678"')).toEqual({ value: '0612345678' });
    expect(pickPhone('5550100101.0')).toEqual({ value: '5550100101' });
  });
});

describe('pickEmail', () => {
  it('takes the first valid-looking address among several', () => {
    expect(pickEmail('a@example.com, b@example.com').value).toBe('a@example.com');
    expect(pickEmail('a@example.com; b@example.com').value).toBe('a@example.com');
    expect(pickEmail('a@example.com b@example.com').value).toBe('a@example.com');
    expect(pickEmail('n/a; b@example.com').value).toBe('b@example.com');
    expect(pickEmail('Ana Cruz <ana@example.com>').value).toBe('ana@example.com');
    expect(pickEmail('mailto:ana@example.com').value).toBe('ana@example.com');
  });

  it('returns an unusable cell as written so the engine can say why', () => {
    expect(pickEmail('ana at example dot com').value).toBe('ana at example dot com');
    expect(pickEmail('').value).toBeNull();
  });
});

describe('Excel marks', () => {
  it('recognises scientific notation and unwraps protected text only', () => {
    expect(isExcelScientific('5.55123E+9')).toBe(true);
    expect(isExcelScientific('1E+11')).toBe(true);
    expect(isExcelScientific('E-0101')).toBe(false);
    expect(unwrapExcelText('="00123"')).toBe('00123');
    expect(unwrapExcelText("'00123")).toBe('00123');
    expect(unwrapExcelText("'Tis")).toBe("'Tis");
    expect(unwrapExcelText('=HYPERLINK("http://x")')).toBe('=HYPERLINK("http://x")');
  });
});
