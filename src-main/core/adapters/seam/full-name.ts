/**
 * Seam keeps one `full_name` per ACS user; Rollcall keeps a first and a last name. Joining is
 * lossless; splitting is a guess, so the rule is fixed and documented here:
 *
 * - The last word is the last name, everything before it the first name ("Mary Ann Smith" →
 *   "Mary Ann" / "Smith"): multi-word given names are the common case in the buildings we serve.
 * - Lower-case surname particles directly before the last word stay with the last name
 *   ("Ludwig van Beethoven" → "Ludwig" / "van Beethoven", "Anna de la Cruz" → "Anna" / "de la Cruz").
 * - One word is a first name with an empty last name; an empty name is two empty strings.
 *
 * What it cannot know: compound surnames without a particle ("Juan García Márquez" reads back
 * as "Juan García" / "Márquez"). The full name Seam holds is still exactly what we sent.
 */

const PARTICLES = new Set(['van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'das', 'dos', 'du', 'la', 'le', 'ter', 'ten', 'bin', 'ibn', 'al', 'st.', 'y']);

export function joinFullName(firstName: string, lastName: string): string {
  return [firstName, lastName].map((s) => s.trim().replace(/\s+/g, ' ')).filter(Boolean).join(' ');
}

export function splitFullName(fullName: string | null | undefined): { firstName: string; lastName: string } {
  const words = (fullName ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { firstName: '', lastName: '' };
  if (words.length === 1) return { firstName: words[0], lastName: '' };
  let cut = words.length - 1;
  // Keep at least one word as the first name.
  while (cut > 1 && PARTICLES.has(words[cut - 1])) cut--;
  return { firstName: words.slice(0, cut).join(' '), lastName: words.slice(cut).join(' ') };
}
