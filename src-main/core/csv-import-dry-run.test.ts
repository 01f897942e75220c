import { describe, expect, it } from 'vitest';
import { emptyCoresPerTest } from './test-empty-core';
import { ArraySource, rec } from './sync/test-helpers';

/* A CSV preview (dry run) next to a real pass of the same site: the preview never reaches it. */

const start = emptyCoresPerTest();
const csv = (rows: string[]) => Buffer.from(['Resident ID,First Name,Last Name,Email,Lease Status', ...rows].join('\n'), 'utf8');

describe('CSV dry run while a pass runs', () => {
  it('the previewed file is not read by the real pass, which keeps using the last import', async () => {
    const { core, siteId } = await start('Maple Court');
    const first = await core.importCsv({
      siteId,
      fileName: 'a.csv',
      bytes: csv(['R-1,Ana,Lopez,ana@example.com,Current', 'R-2,Bo,Kim,bo@example.com,Current']),
      enableIntegrations: true,
    });
    expect(first.run.status).toBe('complete');
    // A slow source read before the CSV one holds the real pass open.
    const slowId = 'slow-pms';
    core.db.sqlite
      .prepare(`INSERT INTO source_connection (id, site_id, kind, block, name, enabled, config, created_at) VALUES (?, ?, 'demo', 'integrations', 'Slow PMS', 1, '{}', '2000-01-01T00:00:00.000Z')`)
      .run(slowId, siteId);
    const slow = new ArraySource([rec('S-1')]);
    let release!: () => void;
    slow.gate = new Promise((r) => (release = r));
    core.upstreams.overrides.set(slowId, slow);

    const real = core.engine.runSite(siteId, { trigger: 'schedule' });
    const dry = core.importCsv({ siteId, fileName: 'b.csv', bytes: csv(['R-1,Ana,Lopez,ana@example.com,Current', 'R-3,Cy,Ng,cy@example.com,Current']), dryRun: true });
    await new Promise((r) => setTimeout(r, 50));
    release();
    const [r, d] = await Promise.all([real, dry]);
    expect(r.status).toBe('complete');
    expect(d.run.dryRun).toBe(true);
    expect(d.fileCounts).toMatchObject({ added: 1, disabled: 1 });
    const people = core.db.sqlite.prepare('SELECT external_id, access_enabled FROM person ORDER BY external_id').all();
    expect(people).toEqual([
      { external_id: 'R-1', access_enabled: 1 },
      { external_id: 'R-2', access_enabled: 1 },
      { external_id: 'S-1', access_enabled: 1 },
    ]);
  });
});
