import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core } from '../core';
import { databaseFile } from '../app-paths';

/*
 * What a damaged or unusable data folder does at start-up: a clear message naming the file, and
 * never a new empty database in place of the old one (that would lose every admin's edits).
 */

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o700);
    rmSync(d, { recursive: true, force: true });
  }
});

function tempDir(prefix = 'rollcall-files-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** The error a core's start-up ends with, or null if it started (then it is closed after the test). */
function openingFails(dataDir: string): Promise<Error | null> {
  return createCore({ dataDir, host: 'test' }).then(
    (c) => {
      cores.push(c);
      return null;
    },
    (e: Error) => e,
  );
}

describe('a data folder that is not what it should be', () => {
  it('a file that is not a database: a clear error naming it, and the file is left exactly as it was', async () => {
    const dataDir = tempDir();
    const file = databaseFile(dataDir);
    const junk = Buffer.from('These are the minutes of the residents meeting, not a database.\n'.repeat(200));
    writeFileSync(file, junk);
    const err = await openingFails(dataDir);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain(file);
    expect(err!.message).toMatch(/not a Rollcall database|damaged/i);
    expect(readFileSync(file).equals(junk)).toBe(true);
  });

  it('a database whose pages were damaged: a clear error, and the file is not replaced', async () => {
    const dataDir = tempDir();
    const first = await createCore({ dataDir, host: 'test' });
    await first.close();
    const file = databaseFile(dataDir);
    const size = statSync(file).size;
    // Scribble over the middle of the file (the header stays valid).
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(Math.floor(size / 2), 0xa5), 0, Math.floor(size / 2), 4096);
    closeSync(fd);
    const damaged = readFileSync(file);
    const err = await openingFails(dataDir);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain(file);
    expect(err!.message).toMatch(/damaged/i);
    expect(readFileSync(file).equals(damaged)).toBe(true);
  });

  it('a data folder path that is a file: a clear error naming it', async () => {
    const dir = tempDir();
    const notAFolder = join(dir, 'plain-file');
    writeFileSync(notAFolder, 'x');
    const err = await createCore({ dataDir: join(notAFolder, 'Rollcall'), host: 'test' }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain(join(notAFolder, 'Rollcall'));
  });

  it('a data folder with spaces, quotes and non-Latin letters works and keeps its data', async () => {
    const dataDir = join(tempDir(), `Données de l'immeuble "Nord" — 北棟 🏢`);
    const first = await createCore({ dataDir, host: 'test' });
    const people = Number(first.db.sqlite.prepare('SELECT count(*) FROM person').pluck().get());
    expect(people).toBeGreaterThan(200);
    await first.close();
    expect(existsSync(databaseFile(dataDir))).toBe(true);
    const again = await createCore({ dataDir, host: 'test' });
    cores.push(again);
    expect(Number(again.db.sqlite.prepare('SELECT count(*) FROM person').pluck().get())).toBe(people);
  });
});
