import { randomUUID } from 'node:crypto';
import type { SourceRecord } from '../src-main/core/adapters/types';
import { foundStep, insertAddedBatch } from '../src-main/core/activity/activity-batch-format';
import type { AddedEntry } from '../src-main/core/activity/activity-batch-format';
import { openDatabase } from '../src-main/core/db/open-database';
import { ADDED_BATCH_SIZE } from '../src-main/core/sync/added-log';
import { recordFingerprint } from '../src-main/core/sync/fingerprint';
import { uuidv7 } from '../src-main/core/sync/ids';
import { normalizeRecord } from '../src-main/core/sync/normalize';
import { PersonInserter } from '../src-main/core/sync/person-inserter';
import { defaultSiteSettings } from '../src-main/core/sync/site-defaults';

/*
 * The second yardstick: what the first pass cannot avoid writing, measured in the same run as the
 * raw upsert. Every record becomes a person row of the real schema (migrated by the real code,
 * written by the engine's own PersonInserter) and an entry of the activity log (the engine's own
 * added-batch format, with the record as the source sent it). Normalisation, fingerprints, ids and
 * the batches' entries are prepared before the timer starts: this is the writing alone, with no
 * rules, no correlation and no reading of the source.
 *
 * Why it is reported: the first-pass target is a ratio to the raw upsert, whose table is narrower
 * than the person table (an integer key, no site, no timestamps, no fingerprint) and which keeps
 * no log. This line shows how much of that ratio the required writes already take, so the rest can
 * be read as the engine's own cost. It slightly overstates the first pass's writes (every record is
 * written as an add, where the pass skips some and logs those one row each) and is not a target.
 */
export async function requiredWritesMs(file: string, records: SourceRecord[]): Promise<number> {
  const db = await openDatabase(file, { backgroundCheckpoints: true });
  try {
    const at = new Date().toISOString();
    const settings = defaultSiteSettings();
    const siteId = randomUUID();
    const connId = randomUUID();
    const sourceName = 'Bench PMS';
    db.sqlite.prepare('INSERT INTO site (id, name, settings, created_at) VALUES (?, ?, ?, ?)').run(siteId, 'Bench Towers', JSON.stringify(settings), at);
    db.sqlite
      .prepare('INSERT INTO source_connection (id, site_id, kind, block, name, enabled, config, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(connId, siteId, 'demo', 'integrations', sourceName, 1, '{}', at);

    // Untimed: what the rules hand to the writes.
    const norms = records.map((r) => {
      const norm = normalizeRecord(r, settings.phoneRegion);
      norm.externalId = String(r.externalId);
      return norm;
    });
    const hashes = records.map((r) => recordFingerprint('bench', r));
    const ids = records.map(() => uuidv7());
    const stepTexts = [foundStep(sourceName, 'x'), 'Status Current is synced here', 'Has an email or phone', 'No person here has this email → added'];
    const entries: AddedEntry[] = norms.map((n, i) => [n.externalId, ids[i], `${n.firstName} ${n.lastName}`, [1, 2, 3]]);
    const raws = records.map((r) => r.raw ?? {});

    const t0 = performance.now();
    db.sqlite.transaction(() => {
      const inserter = new PersonInserter(db.sqlite, siteId, at);
      for (let i = 0; i < norms.length; i++) inserter.add(ids[i], norms[i].type ?? 'resident', norms[i], connId, hashes[i]);
      inserter.flush();
      for (let from = 0; from < entries.length; from += ADDED_BATCH_SIZE) {
        const to = Math.min(entries.length, from + ADDED_BATCH_SIZE);
        insertAddedBatch(db.sqlite, {
          siteId,
          runId: null,
          at,
          sourceConnectionId: connId,
          sourceName,
          entries: entries.slice(from, to),
          records: raws.slice(from, to),
          stepTexts,
        });
      }
    })();
    return performance.now() - t0;
  } finally {
    await db.close();
  }
}
