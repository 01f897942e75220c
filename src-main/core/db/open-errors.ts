/**
 * SQLite's own words for a file it cannot use ("file is not a database") name neither the file
 * nor what to do, and a person reading them at start-up may well delete the data folder. These
 * say which file, that Rollcall left it alone, and the way out. Rollcall never replaces a file it
 * cannot read with a new empty database: that would silently lose every admin's edits.
 */
export class DatabaseOpenError extends Error {
  /**
   * Starting again meets the same file until a person acts on it, so a host that restarts a
   * stopped core must not retry this one (see hosts/core-supervisor.ts).
   */
  readonly lasting = true;

  constructor(
    message: string,
    readonly file: string,
    readonly sqliteCode: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

const LEFT_ALONE = 'Rollcall has left it exactly as it is.';
const WAY_OUT = 'Restore it from a backup, or move it aside to start with a new, empty database.';
const ELSEWHERE = 'or start Rollcall on another folder with --data-dir or ROLLCALL_DATA_DIR.';

/** How many of the unknown steps a message names before "and N more". */
const NAMED_STEPS = 3;

/**
 * The file records migrations this build does not have: a newer Rollcall wrote it (someone tried
 * the next version, then went back). TypeORM would open it anyway, since it only runs the steps it
 * has, and this build would then read and write tables whose shape it does not know.
 */
export function newerVersionError(file: string, unknownSteps: readonly string[]): DatabaseOpenError {
  const named = unknownSteps.slice(0, NAMED_STEPS).join(', ');
  const more = unknownSteps.length > NAMED_STEPS ? ` and ${unknownSteps.length - NAMED_STEPS} more` : '';
  return new DatabaseOpenError(
    `The Rollcall database ${file} was written by a newer version of Rollcall: it has changes this version does not know (${named}${more}). ` +
      `${LEFT_ALONE} Go back to that newer version to keep using it, restore a backup made before the upgrade, ${ELSEWHERE}`,
    file,
    null,
  );
}

function codeOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** Rewords an error met while opening or migrating `file`; anything unrecognised keeps its own words. */
export function explainOpenError(file: string, err: unknown): Error {
  if (err instanceof DatabaseOpenError) return err;
  const code = codeOf(err);
  const said = err instanceof Error ? err.message : String(err);
  const make = (message: string) => new DatabaseOpenError(`${message} (${said})`, file, code, { cause: err });
  if (code === 'SQLITE_NOTADB') return make(`${file} is not a Rollcall database, or its first page is damaged. ${LEFT_ALONE} ${WAY_OUT}`);
  if (code?.startsWith('SQLITE_CORRUPT')) return make(`The Rollcall database ${file} is damaged. ${LEFT_ALONE} ${WAY_OUT}`);
  if (code === 'SQLITE_FULL') return make(`The disk holding ${file} is full, so Rollcall cannot write to its database. Free some space, ${ELSEWHERE}`);
  if (code?.startsWith('SQLITE_CANTOPEN') || code?.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') {
    return make(`Rollcall cannot open ${file} for reading and writing. Check that this user may write to its folder, ${ELSEWHERE}`);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EEXIST') {
    return make(`Rollcall cannot create its data folder for ${file}. Check that this user may write there, ${ELSEWHERE}`);
  }
  if (code === 'ENOSPC') return make(`The disk holding ${file} is full. Free some space, ${ELSEWHERE}`);
  return err instanceof Error ? err : new Error(said);
}
