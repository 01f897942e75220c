import { describe, expect, it } from 'vitest';
import { diffFields, differingFields, emailKey, nameKey, sameName } from './match';

const n = (firstName: string, lastName: string) => ({ firstName, lastName });

describe('sameName', () => {
  it.each([
    ['accents', n('José', 'Núñez'), n('Jose', 'Nunez')],
    ['accents in decomposed form', n('Jose\u0301', 'Mu\u0308ller'), n('José', 'Müller')],
    ['case', n('ANA', 'LOPEZ'), n('ana', 'lopez')],
    ['extra and inner spaces', n('  ANA  maria ', ' Lopez '), n('Ana Maria', 'Lopez')],
    ['hyphen vs space in a double surname', n('Olivia', 'Smith-Jones'), n('Olivia', 'Smith Jones')],
    ['en dash in a surname', n('Olivia', 'Smith–Jones'), n('Olivia', 'Smith-Jones')],
    ['hyphenated first name', n('Jean-Luc', 'Picard'), n('Jean Luc', 'Picard')],
    ['Spanish double surname with accents', n('María José', 'García López'), n('Maria Jose', 'Garcia  Lopez')],
    ['apostrophe variants', n('Siobhán', 'O’Brien'), n('Siobhan', "O'Brien")],
    ['letters without combining marks', n('Søren', 'Łukasz-Straße'), n('Soren', 'Lukasz Strasse')],
    ['full-width compatibility characters', n('Ａｎａ', 'Lopez'), n('Ana', 'Lopez')],
    ['invisible characters pasted from a web page or a word processor', n('Ana\u200B', 'Lo\u00ADpez\uFEFF'), n('Ana', 'Lopez')],
    ['a right-to-left mark around a name', n('\u200FAna\u200E', 'Lopez'), n('Ana', 'Lopez')],
  ])('treats %s as the same name', (_label, a, b) => {
    expect(sameName(a, b)).toBe(true);
    expect(nameKey(a.firstName, a.lastName)).toBe(nameKey(b.firstName, b.lastName));
  });

  it.each([
    ['nickname Bob / Robert', n('Bob', 'Smith'), n('Robert', 'Smith')],
    ['nickname Jon / John', n('Jon', 'Smith'), n('John', 'Smith')],
    ['Liz / Elizabeth', n('Liz', 'Taylor'), n('Elizabeth', 'Taylor')],
    ['one surname of a double surname', n('María', 'García López'), n('María', 'García')],
    ['joined vs hyphenated surname', n('Olivia', 'SmithJones'), n('Olivia', 'Smith-Jones')],
    ['different split between first and last name', n('Ana Maria', 'Lopez'), n('Ana', 'Maria Lopez')],
    ['swapped first and last name', n('Lopez', 'Ana'), n('Ana', 'Lopez')],
    ['a missing last name', n('Ana', ''), n('Ana', 'Lopez')],
  ])('keeps %s apart', (_label, a, b) => {
    expect(sameName(a, b)).toBe(false);
  });

  it('treats missing and empty names alike', () => {
    expect(sameName({ firstName: null, lastName: undefined }, n('', '  '))).toBe(true);
  });
});

describe('emailKey', () => {
  it('ignores case and surrounding spaces only', () => {
    expect(emailKey('  Ana.Lopez@Example.COM ')).toBe('ana.lopez@example.com');
    expect(emailKey('ANA@x.com')).toBe(emailKey('ana@x.com'));
  });

  it('keeps plus-addressing and dots as different addresses', () => {
    expect(emailKey('ana+1@x.com')).not.toBe(emailKey('ana@x.com'));
    expect(emailKey('a.na@gmail.com')).not.toBe(emailKey('ana@gmail.com'));
    expect(emailKey('ana+pool@x.com')).not.toBe(emailKey('ana+gym@x.com'));
  });

  it('treats blank as no email', () => {
    expect(emailKey('   ')).toBeNull();
    expect(emailKey(null)).toBeNull();
    expect(emailKey('')).toBeNull();
  });
});

describe('diffFields', () => {
  it('marks each field equal or different using the same rules as the detectors', () => {
    const diff = diffFields(
      { firstName: 'Jon', lastName: 'Smith-Jones', email: 'JON@x.com ', phone: '+1 (555) 123-4567' },
      { firstName: 'John', lastName: 'smith jones', email: 'jon+door@x.com', phone: '555 123 4567' },
    );
    expect(diff).toEqual([
      { field: 'firstName', source: 'Jon', account: 'John', equal: false },
      { field: 'lastName', source: 'Smith-Jones', account: 'smith jones', equal: true },
      { field: 'email', source: 'JON@x.com ', account: 'jon+door@x.com', equal: false },
      { field: 'phone', source: '+1 (555) 123-4567', account: '555 123 4567', equal: true },
    ]);
    expect(differingFields(diff)).toEqual(['firstName', 'email']);
  });

  it('treats two missing values as equal and one missing value as different', () => {
    const diff = diffFields({ firstName: 'Ana', lastName: 'Lopez', email: null }, { firstName: 'Ana', lastName: 'Lopez', email: 'ana@x.com' });
    expect(differingFields(diff)).toEqual(['email']);
    expect(differingFields(diffFields({ phone: '' }, { phone: null }))).toEqual([]);
  });
});
