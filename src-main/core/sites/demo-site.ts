import { randomUUID } from 'node:crypto';
import type { OpenDatabase } from '../db/open-database';
import type { DemoUpstreams } from '../demo/demo-upstreams';
import { defaultSiteSettings } from '../sync/site-defaults';

export const DEMO_SITE_NAME = 'Harbor View Apartments (demo)';

export function findDemoSiteId(db: OpenDatabase): string | null {
  return (db.sqlite.prepare('SELECT id FROM site WHERE is_demo = 1 LIMIT 1').pluck().get() as string | undefined) ?? null;
}

/**
 * Creates the demo site wired to the running demo upstreams: one property-management source
 * and one access system, both enabled, so the first pass has something to do.
 *
 * There is only ever one demo site: when one exists already (two resets at once, or the CLI's
 * `demo` next to the app's Reset), its id is returned and nothing is created. The check and the
 * insert hold the write lock together (BEGIN IMMEDIATE), so another process cannot slip between.
 */
export function createDemoSite(db: OpenDatabase, demo: DemoUpstreams, now: Date): string {
  const at = now.toISOString();
  const settings = { ...defaultSiteSettings(), integrationsEnabled: true };
  return db.sqlite.transaction(() => {
    const existing = findDemoSiteId(db);
    if (existing) return existing;
    const siteId = randomUUID();
    db.sqlite
      .prepare(`INSERT INTO site (id, name, is_demo, timezone, settings, created_at) VALUES (?, ?, 1, 'America/Los_Angeles', ?, ?)`)
      .run(siteId, DEMO_SITE_NAME, JSON.stringify(settings), at);
    db.sqlite
      .prepare(
        `INSERT INTO source_connection (id, site_id, kind, block, name, enabled, config, created_at)
         VALUES (?, ?, 'demo', 'integrations', 'Demo PMS', 1, ?, ?)`,
      )
      .run(randomUUID(), siteId, JSON.stringify({ propertyCodes: [demo.propertyCode] }), at);
    db.sqlite
      .prepare(
        `INSERT INTO access_system (id, site_id, kind, name, enabled, config, created_at)
         VALUES (?, ?, 'demo', 'Demo Access', 1, '{}', ?)`,
      )
      .run(randomUUID(), siteId, at);
    db.sqlite
      .prepare(
        `INSERT INTO access_system (id, site_id, kind, name, enabled, config, created_at)
         VALUES (?, ?, 'alarm-panel', 'Demo Alarm Service', 1, '{"demo":true,"people":"staff"}', ?)`,
      )
      .run(randomUUID(), siteId, at);
    return siteId;
  }).immediate();
}

export function deleteDemoSites(db: OpenDatabase): number {
  return db.sqlite.prepare('DELETE FROM site WHERE is_demo = 1').run().changes;
}
