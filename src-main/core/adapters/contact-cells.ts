/**
 * Cells that hold more than the one value a record needs, and the marks spreadsheets leave on
 * values. PMS directory exports put every number of a tenant in one cell
 * ("Mobile: (555) 010-0101, Home: (555) 010-0102") and every address in another; Excel turns long
 * digit strings into rounded numbers ("5.55123E+9") and tools that write CSV for Excel wrap values as
 * ="00123" or prefix an apostrophe. Each reader returns the value to use as the file wrote it
 * (the engine normalises it later) plus, when the value cannot be used, a note for the report.
 * The untouched cell always stays in the record's `raw`.
 */

/** A value picked from a cell, or null; `note` says why nothing usable was found. */
export interface Picked {
  value: string | null;
  note?: string;
}

/** "5.55123E+9", "1.2E+11": what Excel writes for a long number it has already rounded. */
const EXCEL_SCIENTIFIC = /^[+-]?\d+(?:[.,]\d+)?E\+?\d+$/i;

export function isExcelScientific(value: string): boolean {
  return EXCEL_SCIENTIFIC.test(value.trim());
}

/**
 * Undoes the two ways a value is protected from Excel: `="00123"` (a formula that yields text, so
 * leading zeros survive) and a leading apostrophe before something Excel would read as a number
 * or formula ("'0612345678", "'+1 555…"). Anything else is returned as it is: a name such as
 * "'Tis" or a real formula-looking value stays as written.
 */
export function unwrapExcelText(value: string): string {
  const formula = /^="([^"]*)"$/.exec(value);
  if (formula) return formula[1].trim();
  if (/^'[\d+=\-@(]/.test(value)) return value.slice(1).trim();
  return value;
}

/** Labels that mark a mobile number: the number a digital key or a text message can reach. */
const MOBILE_LABELS = new Set(['mobile', 'mobil', 'mob', 'cell', 'cellular', 'cellphone', 'mobilephone', 'm', 'c', 'text', 'sms', 'portable', 'handy']);

interface LabelledNumber {
  label: string;
  number: string;
}

/** Characters that start a number: a digit, "+" or "(". */
const NUMBER_START = /[+(\d]/;
/** A label: letters, then letters, spaces or dots ("Mobile", "Cell phone", "Mob."). */
const LABEL = /^\p{L}[\p{L} .]*$/u;
/** A trailing label: letters, then letters or spaces ("cell", "home office"). */
const TRAILING_LABEL = /^\p{L}[\p{L} ]*$/u;
/** Separators between a label and its number ("Mobile: 555…", "Cell - 555…", "M=555…"). */
const LABEL_SEPARATORS = new Set([':', '-', '–', '=']);

/*
 * The pieces below are taken apart by scanning, not by one pattern with optional spaces on both
 * sides of an optional separator: on a long run of spaces such a pattern tries every way of
 * sharing them out, and one hostile cell of a few thousand characters stalled a whole sync.
 */

/** "Mobile: 555…" → { label: "Mobile", rest: "555…" }; no label when the text before the number is not one. */
function leadingLabel(text: string): { label: string; rest: string } | null {
  const start = text.search(NUMBER_START);
  if (start <= 0) return null;
  let head = text.slice(0, start).trimEnd();
  if (LABEL_SEPARATORS.has(head.charAt(head.length - 1))) head = head.slice(0, -1).trimEnd();
  return LABEL.test(head) ? { label: head, rest: text.slice(start) } : null;
}

/** "555-0101 (cell)" or "555-0101 cell" → { label: "cell", rest: "555-0101" }, when digits come before the word. */
function trailingLabel(text: string): { label: string; rest: string } | null {
  let end = text.trimEnd();
  const close = end.charAt(end.length - 1);
  if (close === ')' || close === ']') end = end.slice(0, -1).trimEnd();
  // The word (letters and spaces) at the end, from its first letter.
  let from = end.length;
  while (from > 0 && /[\p{L} ]/u.test(end.charAt(from - 1))) from--;
  while (from < end.length && end.charAt(from) === ' ') from++;
  const label = end.slice(from);
  if (!TRAILING_LABEL.test(label)) return null;
  // Spaces and one opening bracket may sit between the number and the word.
  let cut = from;
  while (cut > 0 && /\s/.test(end.charAt(cut - 1))) cut--;
  if (cut > 0 && (end.charAt(cut - 1) === '(' || end.charAt(cut - 1) === '[')) cut--;
  while (cut > 0 && /\s/.test(end.charAt(cut - 1))) cut--;
  const rest = end.slice(0, cut);
  return /\d/.test(rest) ? { label: label.trimEnd(), rest } : null;
}

/**
 * Splits "Mobile: (555) 010-0101, Home: (555) 010-0102" (AppFolio's "Phone Numbers") or
 * "555-0101 (cell); 555-0102 (home)" into labelled numbers. Pieces without digits are dropped.
 */
function labelledNumbers(cell: string): LabelledNumber[] {
  const out: LabelledNumber[] = [];
  // "a / b" separates numbers too; the spaces around the slash are trimmed with the piece.
  for (const piece of cell.split(/[,;\n|]+|(?<=\s)\/(?=\s)/)) {
    let text = piece.trim();
    if (!/\d/.test(text)) continue;
    let label = '';
    const before = leadingLabel(text);
    if (before) {
      label = before.label;
      text = before.rest;
    }
    const after = trailingLabel(text);
    // "x12" or "ext 12" is an extension, not a label; keep it with the number.
    if (after && !/^(?:x|ext|extension)$/.test(after.label.toLowerCase())) {
      label ||= after.label;
      text = after.rest;
    }
    out.push({ label: label.toLowerCase().replace(/[^\p{L}]/gu, ''), number: text.trim() });
  }
  return out;
}

/**
 * The phone to use from a cell: the mobile one if a label says so, else the first number. A
 * number Excel rounded into scientific notation is unusable (its last digits are gone) and is
 * never "repaired": the note says so and the value is null.
 */
export function pickPhone(cellValue: string | null): Picked {
  if (cellValue === null) return { value: null };
  const cell = unwrapExcelText(cellValue.trim());
  if (cell === '') return { value: null };
  if (isExcelScientific(cell)) {
    return { value: null, note: `phone "${cell}" was rounded by Excel into a number in scientific notation, so its digits are lost; it was not used (format the column as text before exporting)` };
  }
  const numbers = labelledNumbers(cell);
  if (numbers.length === 0) return { value: cell };
  const mobile = numbers.find((n) => MOBILE_LABELS.has(n.label));
  const chosen = mobile ?? numbers[0];
  const value = unwrapExcelText(chosen.number);
  if (isExcelScientific(value)) {
    return { value: null, note: `phone "${value}" was rounded by Excel into a number in scientific notation, so its digits are lost; it was not used (format the column as text before exporting)` };
  }
  // Excel writes a whole number it stored as a float with ".0" on some exports; the digits are intact.
  return { value: /^\d{7,15}\.0$/.test(value) ? value.slice(0, -2) : value };
}

/** Good enough to tell an address from a name or a stray word; the engine validates properly. */
const EMAILISH = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;".]{2,}$/u;

/**
 * The email to use from a cell: the first valid-looking address among several separated by
 * commas, semicolons, spaces or new lines ("a@x.io; b@x.io", "Ana <a@x.io>", "mailto:a@x.io").
 * A cell without any valid-looking address is returned as written so the engine can say why
 * it is unusable.
 */
export function pickEmail(cellValue: string | null): Picked {
  if (cellValue === null) return { value: null };
  const cell = cellValue.trim();
  if (cell === '') return { value: null };
  if (EMAILISH.test(cell) && !/^mailto:/i.test(cell)) return { value: cell };
  for (const token of cell.split(/[\s,;|]+/)) {
    const candidate = stripWrapping(token).replace(/^mailto:/i, '');
    if (EMAILISH.test(candidate)) return { value: candidate };
  }
  return { value: cell };
}

const OPENERS = new Set(['<', '(', '[', '"', "'"]);
const CLOSERS = new Set(['>', ')', ']', '"', "'", '.']);

/** "<a@x.io>." → "a@x.io": brackets, quotes and a full stop around an address (scanned: see above). */
function stripWrapping(token: string): string {
  let from = 0;
  let to = token.length;
  while (from < to && OPENERS.has(token.charAt(from))) from++;
  while (to > from && CLOSERS.has(token.charAt(to - 1))) to--;
  return token.slice(from, to);
}
