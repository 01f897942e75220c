/**
 * A problem with the CSV file itself (not one row): too big, not text, no header, an unclosed quote,
 * a mapping that cannot work. The message is written for the person who exported the file.
 * The CSV source turns it into an UpstreamError so the sync engine treats it like any failed read.
 */
export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}
