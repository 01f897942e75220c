import { z } from 'zod';
import { call } from '../define';
import { id } from './common';
import { CSV_IMPORT_FIELDS, CSV_IMPORT_MAX_BYTES } from '../dto';
import type { CsvImportResultDto, CsvInspectDto } from '../dto';

/**
 * CSV import from the console: the file travels as base64 (JSON carries no bytes), is read in the
 * core and either only reported (inspect) or imported and synced (import). Managers only: an
 * import adds, changes and can disable people.
 */

/** base64 grows a file by 4/3; anything longer than that for 20 MB is refused before decoding. */
const MAX_BASE64_CHARS = Math.ceil(CSV_IMPORT_MAX_BYTES / 3) * 4;
const TOO_BIG = `The file is larger than ${CSV_IMPORT_MAX_BYTES / 1024 / 1024} MB. Split it into smaller files (for example one per property) and import them one at a time.`;

const content = z.base64('The file content must be base64.').max(MAX_BASE64_CHARS, TOO_BIG);

/**
 * Header → field, or null / "ignore" to keep a column out of the guess (the reader's object form).
 * At most 200 columns (the reader's limit); a header may be as long as a value may.
 */
const mapping = z
  .record(z.string().min(1).max(10_000), z.union([z.enum(CSV_IMPORT_FIELDS), z.literal('ignore'), z.null()]))
  .refine((o) => Object.keys(o).length <= 200, 'too many columns in the mapping');

const fileInput = {
  siteId: id,
  fileName: z.string().trim().min(1, 'The file needs a name.').max(255),
  content,
  mapping: mapping.optional(),
};

export const csvCalls = {
  /** Reads the file and says how Rollcall understands it: mapping, first records, bad and skipped lines. Stores nothing. */
  'csv.inspect': call<CsvInspectDto>()(z.object(fileInput).strict(), 'manager'),
  /** Makes the file the site's CSV source and runs a pass; a dry run previews that pass and stores nothing. */
  'csv.import': call<CsvImportResultDto>()(
    z
      .object({
        ...fileInput,
        allowBadRows: z.boolean().default(false),
        dryRun: z.boolean().default(false),
        enableIntegrations: z.boolean().default(false),
      })
      .strict(),
    'manager',
  ),
};
