import { describe, expect, it } from 'vitest';
import { normalizeName } from './normalize';
import { HIDDEN_CHAR, escapeHidden, showHidden, splitHidden } from '../../../src-renderer/src/lib/hidden-chars';

// The renderer marks, for display, exactly the characters normalizeName strips from source names.
describe('hidden characters: renderer and normalizeName agree', () => {
  it('marks a character in the renderer if and only if normalizeName removes it', () => {
    const differ: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCharCode(cp);
      const stripped = normalizeName(`a${ch}b`) === 'ab';
      if (stripped !== HIDDEN_CHAR.test(ch)) differ.push(cp.toString(16));
    }
    expect(differ).toEqual([]);
  });

  it('cuts a name into text and markers without losing or reordering anything', () => {
    expect(splitHidden('Ali \u202Eexe.live\u202C Hassan')).toEqual([
      { text: 'Ali ' },
      { hidden: expect.objectContaining({ code: 'U+202E', explain: expect.stringContaining('hidden direction character') }) },
      { text: 'exe.live' },
      { hidden: expect.objectContaining({ code: 'U+202C' }) },
      { text: ' Hassan' },
    ]);
    // Joiners stay: scripts and emoji need them.
    expect(splitHidden('Zero\u200B\u200D\u2060 Width').map((p) => p.text ?? p.hidden!.code)).toEqual(['Zero', 'U+200B', '\u200D', 'U+2060', ' Width']);
    expect(splitHidden('سارة المحمد')).toEqual([{ text: 'سارة المحمد' }]);
    expect(showHidden('Ali \u202Eexe\u202C')).toBe('Ali [U+202E]exe[U+202C]');
    expect(JSON.parse(escapeHidden(JSON.stringify({ n: 'a\u202Eb' })))).toEqual({ n: 'a\u202Eb' });
    expect(escapeHidden(JSON.stringify('a\u202Eb'))).toBe('"a\\u202eb"');
  });
});
