import { describe, expect, it } from 'vitest';
import { changesText } from './audit-log';
import { auditValue, cap, diffSettings, inSentence, MAX_VALUE_CHARS, sameValue, scrubValue, valueList } from './change-audit';

describe('change audit helpers', () => {
  it('shows values as short plain text', () => {
    expect(auditValue(true)).toBe('on');
    expect(auditValue(false)).toBe('off');
    expect(auditValue(['a', 'b'])).toBe('a, b');
    expect(auditValue([])).toBeNull();
    expect(auditValue('')).toBeNull();
    expect(auditValue(undefined)).toBeNull();
    expect(auditValue(42)).toBe('42');
    expect(auditValue('x'.repeat(5000))!.length).toBe(MAX_VALUE_CHARS);
    expect(cap('abcdef', 4)).toBe('abc…');
  });

  it('treats not set, null, empty text and an empty list as the same value', () => {
    expect(sameValue(undefined, null)).toBe(true);
    expect(sameValue('', undefined)).toBe(true);
    expect(sameValue([], undefined)).toBe(true);
    expect(sameValue(['a'], ['a'])).toBe(true);
    expect(sameValue(['a'], ['b'])).toBe(false);
    expect(sameValue(0, null)).toBe(false);
  });

  it('lists only the settings that changed, in the order asked', () => {
    const rows = diffSettings({ a: 1, b: true, c: 'x' }, { a: 1, b: false, c: 'y', d: 'new' }, ['d', 'a', 'b', 'c'], (k) => k.toUpperCase());
    expect(rows).toEqual([
      { key: 'd', label: 'D', from: null, to: 'new' },
      { key: 'b', label: 'B', from: 'on', to: 'off' },
      { key: 'c', label: 'C', from: 'x', to: 'y' },
    ]);
    expect(valueList(rows)).toBe('d empty → new; b on → off; c x → y');
  });

  it('hides known secret values and the password part of an address', () => {
    expect(scrubValue('https://ops:pa55word@panel.example.test/api', [])).toBe('https://••••@panel.example.test/api');
    expect(scrubValue('id seam_live_key_123', ['seam_live_key_123'])).toBe('id ••••');
    expect(scrubValue(null, ['x'])).toBeNull();
  });

  it('keeps acronyms in a sentence and writes the CSV changes column', () => {
    expect(inSentence('API key')).toBe('API key');
    expect(inSentence('Property codes')).toBe('property codes');
    expect(changesText({ subject: 'connection', changes: [{ key: 'url', label: 'Address', from: 'a', to: 'b' }, { key: 'notes', label: 'Notes' }], secretsChanged: ['API key'] })).toBe(
      'Address: a → b; Notes; secrets changed: API key',
    );
    expect(changesText(null)).toBe('');
  });
});
