import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../contract/dispatch';
import { api } from '../../contract/api';
import type { CallName } from '../../contract/api';
import { emptyCoresPerTest } from '../test-empty-core';

const start = emptyCoresPerTest();

/*
 * The core process has no handler for stray promise rejections, so on Node 24 one ends the
 * process (and every call in flight). Count them here instead of letting vitest report them late.
 */
const stray: unknown[] = [];
const onStray = (reason: unknown) => void stray.push(reason);
beforeEach(() => {
  stray.length = 0;
  process.on('unhandledRejection', onStray);
});
afterEach(() => void process.off('unhandledRejection', onStray));
const settle = () => new Promise((r) => setTimeout(r, 20));
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const NOPE = 'does-not-exist-0000';

/**
 * Well-formed input that names things that are not there (or never were), for every call:
 * the kind of thing a stale window, a second window or a hand-made request sends.
 */
function staleInputs(siteId: string): Record<CallName, unknown[]> {
  return {
    'app.info': [{}],
    'app.backupNow': [{}],
    'app.backupStatus': [{}],
    'sites.list': [{}],
    'sites.create': [{ name: '  Second  ' }],
    'people.list': [{ siteId: NOPE }, { siteId, query: '%_\\\'"; --', offset: 10_000_000 }],
    'people.get': [{ id: NOPE }],
    'people.explain': [{ personId: NOPE }, { siteId: NOPE, externalId: 'x' }, { siteId, externalId: '   ' }],
    'people.updateAdmin': [{ id: NOPE, patch: {} }, { id: NOPE, patch: { notes: 'x' } }],
    'people.resync': [{ personId: NOPE, accessSystemId: NOPE }],
    'people.bulkDeletePreview': [{ siteId: NOPE, sourceConnectionId: null }, { siteId, sourceConnectionId: NOPE }],
    'people.bulkDelete': [
      { siteId: NOPE, sourceConnectionId: null, token: 'x', turnOffSync: true, confirm: true },
      { siteId, sourceConnectionId: NOPE, token: 'x', turnOffSync: false, confirm: true },
      { siteId, sourceConnectionId: null, token: '0:nope', turnOffSync: false, confirm: true },
    ],
    'people.deliveries': [{ personId: NOPE }],
    'sync.runNow': [{ siteId: NOPE }, { siteId, dryRun: true }],
    'sync.approveHeld': [{ runId: NOPE }],
    'sync.discardHeld': [{ runId: NOPE }],
    'sync.lastRun': [{ siteId: NOPE }, { siteId }],
    'activity.list': [{ siteId: NOPE }, { siteId, query: '%', beforeId: 1 }],
    'activity.export': [{ siteId: NOPE }, { siteId }],
    'activity.get': [{ id: 2 ** 40 }],
    'alerts.list': [{ siteId: NOPE }],
    'alerts.query': [{ siteId: NOPE }, { siteId, text: '%_', olderThanDays: 36500 }],
    'demo.reset': [],
    'demo.remove': [],
    'demo.editAccessAccount': [{ remoteId: NOPE, patch: { firstName: 'x' } }],
    'settings.get': [{ siteId: NOPE }],
    'settings.update': [{ siteId: NOPE, patch: {} }],
    'sources.setEnabled': [{ id: NOPE, enabled: true }],
    'connections.kinds': [{}],
    'connections.list': [{ siteId: NOPE }],
    'connections.add': [
      { siteId: NOPE, role: 'access', kind: 'seam', name: 'x' },
      { siteId, role: 'source', kind: 'no-such-kind', name: 'x' },
      { siteId, role: 'source', kind: 'csv', name: 'x' },
      { siteId, role: 'access', kind: 'seam', name: 'x', config: { constructor: 'x' } },
      { siteId, role: 'access', kind: 'seam', name: 'x', secrets: { toString: 'x', hasOwnProperty: 'y' } },
    ],
    'connections.update': [{ id: NOPE }, { id: NOPE, clearSecrets: ['__proto__'] }],
    'connections.test': [{ id: NOPE }, { siteId: NOPE, role: 'access', kind: 'seam', config: {} }, { siteId, role: 'source', kind: 'nope', config: {} }],
    'connections.remove': [{ id: NOPE }],
    'locations.list': [{ siteId: NOPE }, { siteId }],
    'locations.syncUsers': [{ locationId: NOPE }, { siteId: NOPE, all: true }, { siteId, all: true }],
    'locations.syncPanel': [{ locationId: NOPE }, { siteId: NOPE, all: true }],
    'locations.refresh': [{ locationId: NOPE }, { siteId: NOPE, all: true }],
    'locations.events': [{ locationId: NOPE }],
    'locations.differences': [{ locationId: NOPE }],
    'locations.resolveDifference': [{ locationId: NOPE, differenceId: 'slot-1', resolution: 'push' }],
    'locations.connect': [{ siteId: NOPE, name: 'x', baseUrl: 'http://127.0.0.1:9/', apiKey: 'k' }],
    'decisions.decide': [{ alertId: NOPE, resolution: 'dismiss' }],
    'decisions.decideMany': [{ alertIds: [NOPE, NOPE], resolution: 'dismiss' }],
    'decisions.cancel': [{ decisionId: NOPE }],
    'decisions.list': [{ siteId: NOPE }, { before: 2 ** 40 }],
    'decisions.get': [{ decisionId: NOPE }],
    'decisions.pendingCount': [{ siteId: NOPE }, { personId: NOPE }],
    'outbox.status': [{ siteId: NOPE }],
    'outbox.setOffline': [{ offline: false }],
    'outbox.pushNow': [{ siteId: NOPE }],
    'outbox.list': [{ siteId: NOPE }],
    'audit.list': [{ siteId: NOPE }],
    'audit.export': [{ siteId: NOPE }],
    'csv.inspect': [
      { siteId: NOPE, fileName: 'a.csv', content: b64('id\n1\n') },
      { siteId, fileName: 'a.csv', content: '' },
      { siteId, fileName: 'a.csv', content: b64('\uFEFF') },
      { siteId, fileName: 'a.csv', content: b64('__proto__,constructor,toString\n1,2,3\n') },
      { siteId, fileName: 'a.csv', content: b64('id,email\n1,a@b.c\n'), mapping: { __proto__: 'email', constructor: 'externalId' } },
      { siteId, fileName: 'a.csv', content: b64('id\n1\n'), mapping: { 'no such column': 'email' } },
    ],
    'csv.import': [
      { siteId: NOPE, fileName: 'a.csv', content: b64('id\n1\n'), dryRun: true },
      { siteId, fileName: 'a.csv', content: '', dryRun: true },
      { siteId, fileName: 'a.csv', content: b64('__proto__,constructor\n1,2\n'), dryRun: true },
    ],
  };
}

describe('every call, given ids that do not exist or edge input, answers with a typed error or a result, never an internal error', () => {
  it('holds for the whole contract on a real core', async () => {
    const { core, siteId } = await start('Boundary House');
    const inputs = staleInputs(siteId);
    expect(Object.keys(inputs).sort()).toEqual(Object.keys(api).sort());
    const internal: string[] = [];
    for (const [name, list] of Object.entries(inputs)) {
      for (const input of list) {
        const out = await dispatch(core.handlers, name, input, { role: 'manager' });
        if (!out.ok && out.error.code === 'internal') internal.push(`${name} ${JSON.stringify(input).slice(0, 120)} → ${out.error.message}`);
        await settle();
        if (stray.length) internal.push(`${name} ${JSON.stringify(input).slice(0, 120)} left a stray rejection: ${String(stray.splice(0))}`);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(internal).toEqual([]);
  }, 60_000);
});

describe('people.resync refusals', () => {
  it('answers a re-sync to another site\'s access system, or of a removed person, with a typed error and leaves no stray rejection', async () => {
    const { call, siteId } = await start('Maple Court');
    await call('csv.import', {
      siteId,
      fileName: 'people.csv',
      content: b64('Resident ID,First Name,Last Name,Email\nR-1,Grace,Okafor,grace@example.com\n'),
      enableIntegrations: true,
    });
    const [person] = (await call('people.list', { siteId })).rows;
    const other = await call('sites.create', { name: 'Elm House' });
    const elsewhere = await call('connections.add', {
      siteId: other.id,
      role: 'access',
      kind: 'demo',
      name: 'Elm Doors',
      config: { url: 'http://127.0.0.1:9/' },
      secrets: { token: 'tok_elm_0123456789' },
    });

    // Front desk may re-sync, so front desk can send these; they must not take the core down.
    await expect(call('people.resync', { personId: person.id, accessSystemId: elsewhere.id }, 'frontDesk')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call('people.resync', { personId: 'gone-person', accessSystemId: elsewhere.id }, 'frontDesk')).rejects.toMatchObject({ code: 'not_found' });
    await expect(call('people.resync', { personId: person.id, accessSystemId: 'gone-system' }, 'frontDesk')).rejects.toMatchObject({ code: 'not_found' });
    await settle();
    expect(stray).toEqual([]);
  }, 60_000);
});
