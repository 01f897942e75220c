import { describe, expect, it } from 'vitest';
import { coresPerTest } from '../decisions/test-core';
import { auditCount, callAs, changeEntries } from '../audit/change-audit-harness';

/*
 * "Who turned off the PMS sync?": sync settings, a source's own switch and new sites are audited
 * with the host's actor and the values before and after.
 */

const start = coresPerTest();
const ACTOR = 'ben (manager, browser)';

describe('audit of sync settings, sources and sites', () => {
  it('records which settings changed, old → new, and who changed them', async () => {
    const t = await start({ actor: ACTOR });
    await t.call('settings.update', { siteId: t.siteId, patch: { scheduleMinutes: 15, integrationsEnabled: false, phoneRegion: 'US', includedStatuses: ['current'] } });

    const [entry] = await changeEntries(t.call);
    expect(entry).toMatchObject({ actor: ACTOR, kind: 'change', action: 'settings-updated', siteId: t.siteId, result: 'saved', target: 'Sync settings' });
    // phoneRegion was already US: not a change.
    // In the order the Sync settings page shows them.
    expect(entry.detail!.changes).toEqual([
      { key: 'includedStatuses', label: 'Included statuses', from: 'future, current, notice, active', to: 'current' },
      { key: 'integrationsEnabled', label: 'Integrations', from: 'on', to: 'off' },
      { key: 'scheduleMinutes', label: 'Schedule (minutes)', from: '60', to: '15' },
    ]);
    expect(entry.message).toBe('Sync settings changed: included statuses future, current, notice, active → current; integrations on → off; schedule (minutes) 60 → 15');
  });

  it('records a source switched off by name, and a new site', async () => {
    const t = await start({ actor: ACTOR });
    const { sources } = await t.call('connections.list', { siteId: t.siteId });
    const pms = sources.find((s) => s.kind === 'demo')!;
    await t.call('sources.setEnabled', { id: pms.id, enabled: false });
    const site = await t.call('sites.create', { name: 'Maple Court', timezone: 'America/Chicago' });

    const entries = await changeEntries(t.call);
    expect(entries.map((e) => [e.action, e.actor, e.target, e.siteId, e.message])).toEqual([
      ['source-turned-off', ACTOR, pms.name, t.siteId, `Source '${pms.name}' turned off: it is no longer synced (the people it brought in stay)`],
      ['site-created', ACTOR, 'Maple Court', site.id, "Site 'Maple Court' created (time zone America/Chicago)"],
    ]);
    // The site's own trail shows its creation.
    const trail = await t.call('audit.list', { siteId: site.id });
    expect(trail.rows.map((r) => r.action)).toContain('site-created');
  });

  it('writes nothing for a refused, invalid or unchanged setting', async () => {
    const t = await start({ actor: ACTOR });
    const call = callAs(t.core, ACTOR);
    const { sources } = await t.call('connections.list', { siteId: t.siteId });
    const pms = sources.find((s) => s.kind === 'demo')!;
    const before = auditCount(t.core);

    await expect(call('settings.update', { siteId: t.siteId, patch: { scheduleMinutes: 5 } }, 'frontDesk')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call('settings.update', { siteId: t.siteId, patch: { guardPercent: 500 } })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call('settings.update', { siteId: '00000000-0000-4000-8000-000000000000', patch: { scheduleMinutes: 5 } })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call('sources.setEnabled', { id: '00000000-0000-4000-8000-000000000000', enabled: false })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call('sites.create', { name: 'harbor view apartments (DEMO)' })).rejects.toMatchObject({ code: 'conflict' });
    // Saving what is already there is not a change.
    await call('settings.update', { siteId: t.siteId, patch: { scheduleMinutes: 60, integrationsEnabled: true } });
    await call('sources.setEnabled', { id: pms.id, enabled: pms.enabled });

    expect(auditCount(t.core)).toBe(before);
  });
});
