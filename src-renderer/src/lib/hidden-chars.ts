/*
 * Names from access systems, alarm panels and SCIM reach the screen as those systems sent them. A
 * bidi override in one ("Ali \u202Eexe.live\u202C Hassan") makes the name, and the words after
 * it, read as something else; a zero-width space makes two names that differ look the same. Such
 * characters are shown as a small visible code instead of being applied. What is stored and
 * compared does not change: this is display only.
 *
 * The set is the one normalizeName (src-main/core/sync/normalize.ts, HIDDEN) strips from source
 * names; src-main/core/sync/hidden-chars-parity.test.ts keeps the two the same.
 */

/** One hidden character (no `g` flag, so testing with it keeps no state). */
export const HIDDEN_CHAR = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u200b\u2060\u202a-\u202e\u2066-\u2069]/;
const HIDDEN_ALL = new RegExp(HIDDEN_CHAR.source, 'g');

const NAMES: Record<number, string> = {
  0x200b: 'zero-width space',
  0x2060: 'word joiner',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'end of embedding or override',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first-strong isolate',
  0x2069: 'end of isolate',
};

export interface HiddenChar {
  /** "U+202E": what the marker shows. */
  code: string;
  /** A sentence for the marker's tooltip and screen readers. */
  explain: string;
}

/** One piece of a shown text: plain text, or a hidden character to show as its code. */
export type TextPart = { text: string; hidden?: undefined } | { text?: undefined; hidden: HiddenChar };

const codeOf = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function describe(ch: string): HiddenChar {
  const cp = ch.codePointAt(0)!;
  const code = codeOf(ch);
  const direction = (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
  const what = direction ? 'hidden direction character' : 'hidden character';
  const name = NAMES[cp] ?? 'control character';
  return { code, explain: `A ${what} (${code}, ${name}) is in this text. It is shown here instead of being applied, so it cannot change how the text reads.` };
}

/** True when the text holds a character that would be hidden or reorder the text. */
export function hasHidden(text: string): boolean {
  return HIDDEN_CHAR.test(text);
}

/** The text cut into plain pieces and hidden characters (one part each), in order. */
export function splitHidden(text: string): TextPart[] {
  if (!hasHidden(text)) return text ? [{ text }] : [];
  const parts: TextPart[] = [];
  let at = 0;
  for (const m of text.matchAll(HIDDEN_ALL)) {
    if (m.index > at) parts.push({ text: text.slice(at, m.index) });
    parts.push({ hidden: describe(m[0]) });
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

/** For tooltips and labels, which take plain text only: each hidden character as "[U+202E]". */
export function showHidden(text: string): string {
  return hasHidden(text) ? text.replace(HIDDEN_ALL, (ch) => `[${codeOf(ch)}]`) : text;
}

/** For JSON shown as is: each hidden character as its \u escape (the same JSON, readable in place). */
export function escapeHidden(json: string): string {
  return hasHidden(json) ? json.replace(HIDDEN_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}
