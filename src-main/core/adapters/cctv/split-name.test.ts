import { describe, expect, it } from 'vitest';
import { splitDisplayName } from './split-name';

describe('splitDisplayName', () => {
  it.each([
    ['Ana María López', 'Ana María', 'López'],
    ['José Lopez', 'José', 'Lopez'],
    ['López, Ana María', 'Ana María', 'López'],
    ['Pieter van der Berg', 'Pieter', 'van der Berg'],
    ['Luca di Rossi', 'Luca', 'di Rossi'],
    ['Ludwig Van Beethoven', 'Ludwig Van', 'Beethoven'],
    ['Madonna', 'Madonna', ''],
    ['  Zoë   O\'Brien  ', 'Zoë', "O'Brien"],
    ['Mary-Jane Smith-Jones', 'Mary-Jane', 'Smith-Jones'],
    ['van Gogh', 'van', 'Gogh'],
    ['Kim, ', 'Kim', ''],
    ['', '', ''],
  ])('%j → %j / %j', (input, first, last) => {
    expect(splitDisplayName(input)).toEqual({ firstName: first, lastName: last });
  });

  it('joins composed and decomposed accents into one form', () => {
    expect(splitDisplayName('Zoe\u0301 Lo\u0301pez')).toEqual({ firstName: 'Zoé', lastName: 'López' });
  });

  it('treats null and undefined as no name', () => {
    expect(splitDisplayName(null)).toEqual({ firstName: '', lastName: '' });
    expect(splitDisplayName(undefined)).toEqual({ firstName: '', lastName: '' });
  });
});
