import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../contract/dispatch';
import { hostActor } from '../handlers/core-context';
import { coresPerTest } from './test-core';

const start = coresPerTest();

/*
 * Who did something comes from the host that let the caller in, never from what the caller sent:
 * any window or page holding the token could otherwise write "manager Alice" into the audit trail.
 */

describe('the actor of decisions and audit entries', () => {
  it('refuses an actor in the input of decide, decideMany and cancel as invalid input, and records nothing', async () => {
    const t = await start();
    const [alert] = await t.alerts('name_mismatch');
    const asManager = { role: 'manager' as const, actor: 'ana (manager)' };

    const decide = await dispatch(t.core.handlers, 'decisions.decide', { alertId: alert.id, resolution: 'source-is-right', actor: 'manager Alice' }, asManager);
    expect(decide).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const many = await dispatch(t.core.handlers, 'decisions.decideMany', { alertIds: [alert.id], resolution: 'dismiss', actor: 'manager Alice' }, asManager);
    expect(many).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect((await t.call('decisions.pendingCount', { siteId: t.siteId })).pending).toBe(0);
    expect((await t.call('audit.list', { siteId: t.siteId })).rows).toEqual([]);

    const res = await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    const cancel = await dispatch(t.core.handlers, 'decisions.cancel', { decisionId: res.decisionId!, actor: 'manager Alice' }, asManager);
    expect(cancel).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect((await t.call('decisions.get', { decisionId: res.decisionId! })).status).toBe('pending');
    expect((await t.call('audit.list', { siteId: t.siteId })).rows.map((r) => r.actor)).not.toContain('manager Alice');
  });

  it("writes the call context's actor on the decision and on every audit entry it causes", async () => {
    const t = await start({ actor: 'ana (manager, browser)' });
    const [name, other] = await t.alerts('name_mismatch');
    const res = await t.call('decisions.decide', { alertId: name.id, resolution: 'source-is-right' });
    expect((await t.call('decisions.get', { decisionId: res.decisionId! })).actor).toBe('ana (manager, browser)');
    await t.call('outbox.pushNow', {});
    const second = await t.call('decisions.decide', { alertId: other.id, resolution: 'source-is-right' });
    await t.call('decisions.cancel', { decisionId: second.decisionId! });
    await t.call('outbox.setOffline', { offline: true });

    const audit = (await t.call('audit.list', {})).rows;
    expect(new Set(audit.map((r) => r.kind))).toEqual(new Set(['decision', 'write', 'outbox']));
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['withdraw', 'work-offline']));
    expect(new Set(audit.map((r) => r.actor))).toEqual(new Set(['ana (manager, browser)']));
  });

  it('falls back to the core\'s own host and the caller\'s role when a host leaves the actor out', async () => {
    const t = await start();
    const [alert] = await t.alerts('duplicate_emails');
    const out = await dispatch(t.core.handlers, 'decisions.decide', { alertId: alert.id, resolution: 'fix-at-source' }, { role: 'manager' });
    expect(out.ok).toBe(true);
    const [entry] = (await t.call('audit.list', { siteId: t.siteId })).rows;
    expect(entry.actor).toBe(`${userInfo().username} (manager, test)`);
  });
});

describe('hostActor', () => {
  it('names the OS user with the role, and the host where it is not the desktop app', () => {
    expect(hostActor('electron', 'manager', 'ana')).toBe('ana (manager)');
    expect(hostActor('electron', 'frontDesk', 'ana')).toBe('ana (front desk)');
    expect(hostActor('browser', 'frontDesk', 'ana')).toBe('ana (front desk, browser)');
    expect(hostActor('cli', 'manager', 'ops')).toBe('cli:ops');
    expect(hostActor('test', 'manager', 'ci')).toBe('ci (manager, test)');
    expect(hostActor('electron', 'manager')).toBe(`${userInfo().username} (manager)`);
  });
});
