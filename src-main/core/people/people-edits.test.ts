import { describe, expect, it } from 'vitest';
import { dispatch } from '../../contract/dispatch';
import { coresPerTest } from '../decisions/test-core';

/* Admin edits of a synced person: validated at the boundary, written whole, and never undone by a pass. */

const startCore = coresPerTest();

async function start() {
  const { core, call, siteId } = await startCore();
  const { rows } = await call('people.list', { siteId, type: 'resident', offset: 0, limit: 5 });
  const person = rows.find((r) => r.externalId && r.accessEnabled && !r.decoupled && !r.heldReason)!;
  return { core, call, siteId, person };
}

const HOSTILE = [
  `'); DROP TABLE person; --`,
  'Line one\r\nLine two\u2028three\u0000after a NUL',
  '<img src=x onerror=alert(1)>',
  '=HYPERLINK("http://127.0.0.1/x","click")',
  'Ünïcödé 北棟 👩‍👩‍👧 \u202Ereversed',
].join('\n');

describe('admin edits of a synced person', () => {
  it('a 1 MB note is refused with a typed error and changes nothing', async () => {
    const { core, person } = await start();
    const before = await dispatch(core.handlers, 'people.get', { id: person.id }, { role: 'manager' });
    const out = await dispatch(core.handlers, 'people.updateAdmin', { id: person.id, patch: { notes: 'x'.repeat(1024 * 1024), decoupled: true } }, { role: 'manager' });
    expect(out.ok).toBe(false);
    expect(!out.ok && out.error.code).toBe('invalid_input');
    const after = await dispatch(core.handlers, 'people.get', { id: person.id }, { role: 'manager' });
    expect(after).toEqual(before);
  });

  it('hostile notes are kept byte for byte, and passes leave notes, tags, grants, decoupling and an admin "off" alone', async () => {
    const { call, siteId, person } = await start();
    await call('people.updateAdmin', {
      id: person.id,
      patch: { notes: HOSTILE, customTags: ['night shift', 'night shift', 'VIP'], grants: ['gym'], accessEnabled: false },
    });
    await call('sync.runNow', { siteId });
    await call('sync.runNow', { siteId });
    const p = await call('people.get', { id: person.id });
    expect(p.notes).toBe(HOSTILE);
    expect(p.customTags).toEqual(['night shift', 'VIP']);
    expect(p.grants).toEqual(['gym']);
    expect(p.accessEnabled).toBe(false);
    expect(p.disabledBy).toBe('admin');
    expect((await call('sites.list', {}))[0].peopleCount).toBeGreaterThan(200);
  });

  it('a decoupled person keeps their details when the source changes them, and is not disabled when the source drops them', async () => {
    const { core, call, siteId, person } = await start();
    await call('people.updateAdmin', { id: person.id, patch: { decoupled: true } });
    const source = core.upstreams.demo!.source;
    const rec = source.people.get(person.externalId!)!;
    expect(rec).toBeTruthy();
    source.people.upsert({ ...rec, first_name: 'Renamed' } as typeof rec);
    await call('sync.runNow', { siteId });
    expect((await call('people.get', { id: person.id })).firstName).toBe(person.firstName);
    source.people.remove(person.externalId!);
    await call('sync.runNow', { siteId });
    const p = await call('people.get', { id: person.id });
    expect(p).toMatchObject({ decoupled: true, accessEnabled: true, firstName: person.firstName });
  });
});
