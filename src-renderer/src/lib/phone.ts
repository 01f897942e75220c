import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * A stored phone number (E.164, as the sync engine writes it) the way people read one:
 * "+16285550182" shows as "+1 628 555 0182". International form, because one console serves
 * sites in several countries and a front desk dials from what it sees. Anything that does not
 * parse is shown exactly as stored rather than hidden.
 */
export function displayPhone(stored: string | null | undefined): string {
  if (!stored) return '';
  const parsed = parsePhoneNumberFromString(stored);
  return parsed?.isValid() ? parsed.formatInternational() : stored;
}
