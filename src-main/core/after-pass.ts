import type { CoreEvents } from './core-events';
import type { OpenDatabase } from './db/open-database';
import type { Upstreams } from './upstreams';
import { mirrorAccessAccounts } from './access/access-mirror';
import { detectAlerts } from './alerts/detect-alerts';
import { toAccessSystem } from './db/row-mappers';

/**
 * What follows every applied pass: re-read each access system's accounts, then look for the
 * four kinds of disagreement. An access system that cannot be read keeps its old mirror and the
 * failure is written to the activity log, so alerts never flap because of a network blip.
 */
export function afterPassSteps(deps: { db: OpenDatabase; events: CoreEvents; upstreams: Upstreams; now(): Date }) {
  const { db, events, upstreams, now } = deps;
  return async (siteId: string, runId: string) => {
    const systems = db.sqlite.prepare('SELECT * FROM access_system WHERE site_id = ? AND enabled = 1').all(siteId) as Record<string, unknown>[];
    for (const row of systems) {
      const system = toAccessSystem(row);
      try {
        await mirrorAccessAccounts(db, system, upstreams.panelFor(system), now());
      } catch (err) {
        db.sqlite
          .prepare(
            `INSERT INTO activity_entry (site_id, run_id, at, outcome, person_name, reason_code, reason, detail)
             VALUES (?, ?, ?, 'error', ?, 'access_read_failed', ?, ?)`,
          )
          .run(siteId, runId, now().toISOString(), system.name, `Could not read ${system.name}: ${(err as Error).message}`, JSON.stringify({ accessSystemId: system.id }));
        events.emit('activity.appended', { siteId, count: 1 });
      }
    }
    const result = detectAlerts(db, siteId, now());
    events.emit('alerts.changed', { siteId, open: result.open });
    events.emit('people.changed', { siteId });
  };
}

