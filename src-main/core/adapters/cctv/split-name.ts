/**
 * Video-analytics systems usually keep one "display name" per enrolled face. Access systems and
 * the people list want a first and a last name, so it is split here, with rules simple enough
 * to explain on the person's page:
 *
 * 1. "Last, First" (exactly one comma) is read as written: "López, Ana María" → Ana María / López.
 * 2. Otherwise the LAST word is the last name and everything before it the first name:
 *    "Ana María López" → "Ana María" / "López". Two-surname names ("Ana López García") therefore
 *    come out as "Ana López" / "García"; systems that can send first/last separately should.
 * 3. Lower-case surname particles directly before the last word stay with it:
 *    "Pieter van der Berg" → "Pieter" / "van der Berg", "Luca di Rossi" → "Luca" / "di Rossi".
 * 4. One word is a first name with an empty last name ("Madonna" → "Madonna" / "").
 *
 * Whitespace is collapsed and the text NFC-normalised; nothing else is changed (case, accents,
 * hyphens and apostrophes are the person's own).
 */

const PARTICLES = new Set([
  'van', 'von', 'der', 'den', 'de', 'del', 'della', 'dei', 'di', 'da', 'das', 'do', 'dos', 'du',
  'la', 'le', 'ter', 'ten', 'zu', 'bin', 'binti', 'ibn', 'al', 'el', 'y', 'st.', "d'", 'mac',
]);

export interface SplitName {
  firstName: string;
  lastName: string;
}

export function splitDisplayName(displayName: string | null | undefined): SplitName {
  // A stray comma at either end ("Kim,") is punctuation, not a "Last, First" form.
  const tidy = trimCommas((displayName ?? '').normalize('NFC').replace(/\s+/gu, ' ').trim()).trim();
  if (tidy === '') return { firstName: '', lastName: '' };

  const commas = tidy.split(',');
  if (commas.length === 2 && commas[0].trim() !== '' && commas[1].trim() !== '') {
    return { firstName: commas[1].trim(), lastName: commas[0].trim() };
  }

  const words = tidy.split(' ');
  if (words.length === 1) return { firstName: words[0], lastName: '' };

  let start = words.length - 1;
  // Keep at least one word for the first name.
  while (start > 1 && PARTICLES.has(words[start - 1]) && words[start - 1] === words[start - 1].toLowerCase()) start--;
  return { firstName: words.slice(0, start).join(' '), lastName: words.slice(start).join(' ') };
}

/**
 * Drops commas at either end. Scanned rather than matched with /,+$/: that pattern retries from
 * every comma of a long run in the middle of a name, and a hostile name of 100k commas took seconds.
 */
function trimCommas(text: string): string {
  let from = 0;
  let to = text.length;
  while (from < to && text.charCodeAt(from) === 0x2c) from++;
  while (to > from && text.charCodeAt(to - 1) === 0x2c) to--;
  return text.slice(from, to);
}
