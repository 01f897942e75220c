import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../app-paths';
import { openDatabase } from './open-database';
import type { OpenDatabase } from './open-database';
import { BACKUPS_KEPT, DatabaseBackups, backupFileName } from './backups';

/*
 * Retention when the names lie about the order: backups written while the clock was set ahead
 * carry dates later than any backup written after it was put right.
 */

const dirs: string[] = [];
const opened: OpenDatabase[] = [];
const services: DatabaseBackups[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  for (const db of opened.splice(0)) await db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('backups written while the clock was ahead', () => {
  it('never remove the backup just written; the future-dated ones go first', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-backups-'));
    dirs.push(dataDir);
    const db = await openDatabase(databaseFile(dataDir));
    opened.push(db);
    const folder = join(dataDir, 'backups');
    mkdirSync(folder);
    // A week of daily backups from when the clock said 2031.
    const ahead = Array.from({ length: BACKUPS_KEPT }, (_, i) => backupFileName(new Date(2031, 0, 1 + i, 3, 0)));
    for (const name of ahead) writeFileSync(join(folder, name), 'an older copy');

    const clock = { now: new Date(2026, 2, 14, 9, 5) };
    const service = new DatabaseBackups({ sqlite: db.sqlite, dataDir, now: () => clock.now });
    services.push(service);
    const done = await service.backupNow();

    expect(existsSync(done.file)).toBe(true);
    const names = readdirSync(folder).sort();
    expect(names).toHaveLength(BACKUPS_KEPT);
    expect(names).toContain(backupFileName(clock.now));
    // The oldest of the wrongly dated ones (by when it was really written) made room.
    expect(names).not.toContain(ahead[0]);
    expect(service.status().last?.file).toBe(done.file);
  });
});
