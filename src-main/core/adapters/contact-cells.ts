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

/**
 * Splits "Mobile: (555) 010-0101, Home: (555) 010-0102" (AppFolio's "Phone Numbers") or
 * "555-0101 (cell); 555-0102 (home)" into labelled numbers. Pieces without digits are dropped.
 */
function labelledNumbers(cell: string): LabelledNumber[] {
  const out: LabelledNumber[] = [];
  for (const piece of cell.split(/[,;\n|]+|\s+\/\s+/)) {
    let text = piece.trim();
    if (!/\d/.test(text)) continue;
    let label = '';
    // "Mobile: 555…", "Cell 555…", "M: 555…": letters before the first digit, "+" or "(".
    const before = /^([\p{L}][\p{L} .]*?)\s*[:\-–=]?\s*(?=[+(\d])/u.exec(text);
    if (before) {
      label = before[1];
      text = text.slice(before[0].length);
    }
    // "555-0101 (cell)" or "555-0101 cell": a trailing word in brackets or on its own.
    const after = /\s*[([]?\s*([\p{L}][\p{L} ]*?)\s*[)\]]?\s*$/u.exec(text);
    if (after && after.index > 0 && /\d/.test(text.slice(0, after.index))) {
      const word = after[1].toLowerCase();
      // "x12" or "ext 12" is an extension, not a label; keep it with the number.
      if (!/^(?:x|ext|extension)$/.test(word)) {
        label ||= after[1];
        text = text.slice(0, after.index);
      }
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
    const candidate = token.replace(/^[<(["']+|[>)\]"'.]+$/g, '').replace(/^mailto:/i, '');
    if (EMAILISH.test(candidate)) return { value: candidate };
  }
  return { value: cell };
}
