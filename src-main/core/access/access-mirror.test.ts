import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError, type AccessPanel, type RemoteAccount } from '../adapters/types';
import type { AccessSystem } from '../db/entities';
import { createSiteDb, type TestDb } from '../alerts/test-fixtures';
import { mirrorAccessAccounts } from './access-mirror';

/**
 * A stand-in access system that lists fixed pages, optionally failing on one of them. Only
 * list() matters to the mirror; writes are outside this test.
 */
function panelWith(pages: RemoteAccount[][], failOnPage?: number): AccessPanel {
  const unused = () => Promise.reject(new Error('not used by the mirror'));
  return {
    kind: 'test',
    test: async () => ({ ok: true, message: 'ok' }),
    async *list() {
      for (let i = 0; i < pages.length; i++) {
        if (i === failOnPage) throw new UpstreamError('503 from access system', 503, true);
        yield pages[i];
      }
    },
    get: unused,
    create: unused,
    update: unused,
    suspend: unused,
    resume: unused,
    remove: unused,
  };
}

function remote(remoteId: string, over: Partial<RemoteAccount> = {}): RemoteAccount {
  return {
    remoteId,
    firstName: 'First',
    lastName: remoteId,
    email: `${remoteId}@x.com`,
    phone: null,
    suspended: false,
    version: 'v1',
    externalRef: null,
    ...over,
  };
}

const SYSTEM: AccessSystem = {
  id: 'as-1',
  siteId: 'site-1',
  kind: 'demo',
  name: 'Demo Access',
  enabled: true,
  config: {},
  secretRef: null,
  createdAt: '2025-01-01T00:00:00.000Z',
};
const NOW = new Date('2025-03-01T10:00:00.000Z');

interface MirrorRow {
  remote_id: string;
  person_id: string | null;
  first_name: string;
  email: string | null;
  suspended: number;
  version: string | null;
  last_seen_at: string;
}

let t: TestDb;
afterEach(async () => {
  await t?.close();
});

const rows = () =>
  t.db.sqlite
    .prepare<[], MirrorRow>(
      `SELECT remote_id, person_id, first_name, email, suspended, version, last_seen_at FROM access_account ORDER BY remote_id`,
    )
    .all();

describe('mirrorAccessAccounts', () => {
  it('stores every listed account and links those that name one of our people', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', externalId: 'R-1' });
    t.person({ id: 'p2', externalId: 'R-2' });
    const panel = panelWith([
      [remote('u1', { externalRef: 'p1' }), remote('u2', { externalRef: 'R-2' })],
      [remote('u3', { externalRef: 'someone-else' }), remote('u4', { suspended: true, version: 'etag-4' })],
    ]);

    expect(await mirrorAccessAccounts(t.db, SYSTEM, panel, NOW)).toEqual({ seen: 4, linked: 2 });
    expect(rows()).toEqual([
      { remote_id: 'u1', person_id: 'p1', first_name: 'First', email: 'u1@x.com', suspended: 0, version: 'v1', last_seen_at: NOW.toISOString() },
      { remote_id: 'u2', person_id: 'p2', first_name: 'First', email: 'u2@x.com', suspended: 0, version: 'v1', last_seen_at: NOW.toISOString() },
      { remote_id: 'u3', person_id: null, first_name: 'First', email: 'u3@x.com', suspended: 0, version: 'v1', last_seen_at: NOW.toISOString() },
      { remote_id: 'u4', person_id: null, first_name: 'First', email: 'u4@x.com', suspended: 1, version: 'etag-4', last_seen_at: NOW.toISOString() },
    ]);
  });

  it('updates accounts in place, keeps links it cannot re-derive, and drops accounts no longer listed', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', externalId: 'R-1' });
    t.person({ id: 'p2', externalId: 'R-2' });
    // u1 was linked by hand (a merge); the access system stores no reference for it.
    t.account({ id: 'keep-id', accessSystemId: 'as-1', remoteId: 'u1', personId: 'p1', firstName: 'Old' });
    t.account({ accessSystemId: 'as-1', remoteId: 'gone', personId: 'p2' });

    const later = new Date('2025-03-02T10:00:00.000Z');
    const result = await mirrorAccessAccounts(
      t.db,
      SYSTEM,
      panelWith([[remote('u1', { firstName: 'New', version: 'v2' }), remote('u5', { externalRef: 'R-2' })]]),
      later,
    );
    expect(result).toEqual({ seen: 2, linked: 2 });
    expect(rows().map((r) => [r.remote_id, r.person_id, r.first_name, r.version])).toEqual([
      ['u1', 'p1', 'New', 'v2'],
      ['u5', 'p2', 'First', 'v1'],
    ]);
    // Same row, updated: its id is what alerts and decisions refer to.
    expect(t.db.sqlite.prepare(`SELECT id FROM access_account WHERE remote_id = 'u1'`).pluck().get()).toBe('keep-id');
    // The person whose account vanished is still ours.
    expect(t.db.sqlite.prepare(`SELECT count(*) FROM person`).pluck().get()).toBe(2);
  });

  it('only links to people of the same site, and leaves other access systems alone', async () => {
    t = await createSiteDb();
    t.site('site-2', 'Other');
    t.source('site-2', 'src-2');
    t.accessSystem('site-2', 'as-2');
    t.person({ id: 'far', siteId: 'site-2', sourceConnectionId: 'src-2', externalId: 'R-9' });
    t.account({ siteId: 'site-2', accessSystemId: 'as-2', remoteId: 'x1' });

    await mirrorAccessAccounts(t.db, SYSTEM, panelWith([[remote('u1', { externalRef: 'far' }), remote('u2', { externalRef: 'R-9' })]]), NOW);
    expect(rows().map((r) => [r.remote_id, r.person_id])).toEqual([
      ['u1', null],
      ['u2', null],
      ['x1', null],
    ]);
  });

  it('changes nothing when a page fails to read', async () => {
    t = await createSiteDb();
    t.person({ id: 'p1', externalId: 'R-1' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u1', personId: 'p1', firstName: 'Old' });
    t.account({ accessSystemId: 'as-1', remoteId: 'u2' });
    const before = rows();

    const failing = panelWith([[remote('u1', { firstName: 'New' })], [remote('u3')]], 1);
    await expect(mirrorAccessAccounts(t.db, SYSTEM, failing, NOW)).rejects.toThrow(/503/);
    expect(rows()).toEqual(before);
  });

  it('refuses a listing with an account that has no id', async () => {
    t = await createSiteDb();
    t.account({ accessSystemId: 'as-1', remoteId: 'u1' });
    const before = rows();
    await expect(mirrorAccessAccounts(t.db, SYSTEM, panelWith([[remote('u2'), remote('')]]), NOW)).rejects.toThrow(/without an id/);
    expect(rows()).toEqual(before);
  });

  it('mirrors thousands of accounts in one go', async () => {
    t = await createSiteDb();
    const pages: RemoteAccount[][] = [];
    for (let p = 0; p < 50; p++) pages.push(Array.from({ length: 100 }, (_, i) => remote(`u${p * 100 + i}`)));
    expect(await mirrorAccessAccounts(t.db, SYSTEM, panelWith(pages), NOW)).toEqual({ seen: 5000, linked: 0 });
    expect(await mirrorAccessAccounts(t.db, SYSTEM, panelWith(pages.slice(0, 10)), NOW)).toEqual({ seen: 1000, linked: 0 });
    expect(rows()).toHaveLength(1000);
  });
});
