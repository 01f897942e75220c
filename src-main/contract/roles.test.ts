import { describe, expect, it } from 'vitest';
import { api } from './api';
import type { CallName } from './api';
import { dispatch } from './dispatch';
import { parseRole } from './define';
import type { Role } from './define';
import type { Handlers } from './rpc';

const reached: string[] = [];
const handlers = Object.fromEntries(
  Object.keys(api).map((k) => [k, () => (reached.push(k), { ran: k })]),
) as unknown as Handlers;

/**
 * The calls front desk may make. Everything else changes configuration, decides, imports or
 * touches secrets and must stay manager-only; a new call lands in the manager list unless it is
 * added here on purpose (reads, a manual sync pass, a per-person re-sync, a status refresh).
 */
const FRONT_DESK_CALLS = new Set<CallName>([
  'app.info',
  'sites.list',
  'people.list',
  'people.get',
  'people.explain',
  'people.resync',
  'people.deliveries',
  'sync.runNow',
  'sync.lastRun',
  'activity.list',
  'activity.get',
  'activity.export',
  'alerts.list',
  'alerts.query',
  'settings.get',
  'connections.kinds',
  'connections.list',
  'locations.list',
  'locations.refresh',
  'locations.events',
  'locations.differences',
  'decisions.list',
  'decisions.get',
  'decisions.pendingCount',
  'outbox.status',
  'outbox.list',
  'audit.list',
  'audit.export',
]);

describe('roles are checked in the core', () => {
  it('keeps every call that changes configuration, decides, imports or holds secrets manager-only', () => {
    const frontDesk = Object.entries(api)
      .filter(([, spec]) => spec.role === 'frontDesk')
      .map(([name]) => name)
      .sort();
    expect(frontDesk).toEqual([...FRONT_DESK_CALLS].sort());
  });

  it('refuses every manager call to front desk before the handler runs, whatever the input', async () => {
    reached.length = 0;
    for (const [name, spec] of Object.entries(api)) {
      if (spec.role !== 'manager') continue;
      const out = await dispatch(handlers, name, {}, { role: 'frontDesk' });
      expect(out, name).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(reached).toEqual([]);
  });

  it('cannot be raised by the caller: a role in the input is just an unknown field', async () => {
    const out = await dispatch(handlers, 'demo.remove', { role: 'manager' }, { role: 'frontDesk' });
    expect(out).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('fails closed for a role the core does not know (a typo in --role or ROLLCALL_ROLE)', async () => {
    reached.length = 0;
    for (const role of ['frontdesk', 'front-desk', 'admin', '', 'constructor', '__proto__', 'toString']) {
      const manager = await dispatch(handlers, 'demo.remove', {}, { role: role as Role });
      expect(manager, role).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const read = await dispatch(handlers, 'sites.list', {}, { role: role as Role });
      expect(read, role).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(reached).toEqual([]);
  });

  it('parses a role from a flag or the environment, and says what is wrong with a bad one', () => {
    expect(parseRole(undefined)).toBe('manager');
    expect(parseRole('')).toBe('manager');
    expect(parseRole('frontDesk')).toBe('frontDesk');
    expect(parseRole('manager')).toBe('manager');
    expect(() => parseRole('frontdesk')).toThrow(/frontDesk or manager/);
    expect(() => parseRole('constructor')).toThrow(/frontDesk or manager/);
  });
});
