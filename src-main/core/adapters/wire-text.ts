/**
 * A scalar from a vendor's JSON as text: trimmed, a finite number as its digits, anything else
 * (empty, blank, an object, NaN) as null. Vendors send ids and phone numbers as numbers or
 * strings interchangeably, and both must read the same.
 */
export function wireText(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}
