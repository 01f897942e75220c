import { describe, expect, it } from 'vitest';
import { coresPerTest } from '../decisions/test-core';
import { auditCount, callAs } from '../audit/change-audit-harness';
import { MAX_VALUE_CHARS } from '../audit/change-audit';

/*
 * "Who switched off Ana's access?": an admin edit of a person leaves an entry on that person's
 * trail with each changed field, before and after (long notes cut short).
 */

const start = coresPerTest();
const ACTOR = 'carla (manager)';

async function someone(t: Awaited<ReturnType<typeof start>>) {
  const page = await t.call('people.list', { siteId: t.siteId, limit: 5 });
  const row = page.rows.find((p) => p.accessEnabled)!;
  return t.call('people.get', { id: row.id });
}

describe('audit of admin edits of a person', () => {
  it('records each changed field, old → new, on the person, with the caller as actor', async () => {
    const t = await start({ actor: ACTOR });
    const p = await someone(t);
    const longNotes = `Key returned at the desk. ${'x'.repeat(600)}`;
    await t.call('people.updateAdmin', {
      id: p.id,
      patch: { accessEnabled: false, decoupled: true, notes: longNotes, customTags: ['VIP', 'Gym'], grants: ['Lobby'], appMessage: p.appMessage },
    });

    const trail = await t.call('audit.list', { siteId: t.siteId, personId: p.id });
    const [entry] = trail.rows;
    const name = `${p.firstName} ${p.lastName}`.trim();
    expect(entry).toMatchObject({ kind: 'change', action: 'person-updated', actor: ACTOR, personId: p.id, personName: name, target: name, result: 'saved' });
    const changes = entry.detail!.changes as Array<{ key: string; from: string | null; to: string | null }>;
    // The app message was sent unchanged: not a change.
    expect(changes.map((c) => c.key)).toEqual(['accessEnabled', 'decoupled', 'notes', 'customTags', 'grants']);
    expect(changes[0]).toMatchObject({ label: 'Access', from: 'on', to: 'off' });
    expect(changes[1]).toMatchObject({ label: 'Track source updates', from: 'on', to: 'off' });
    expect(changes[2].to!.length).toBe(MAX_VALUE_CHARS);
    expect(changes[2].to).toMatch(/^Key returned at the desk\. x+…$/);
    expect(changes[3]).toMatchObject({ from: p.customTags.length ? p.customTags.join(', ') : null, to: 'VIP, Gym' });
    expect(entry.message).toMatch(new RegExp(`^${name}: access on → off; track source updates on → off; notes changed; custom tags .* → VIP, Gym; grants .* → Lobby$`));
    // Nothing in the whole row is longer than what was allowed per value, plus the sentence.
    expect(JSON.stringify(entry.detail).length).toBeLessThan(1000);
  });

  it('writes nothing for a refused, invalid or unchanged edit', async () => {
    const t = await start({ actor: ACTOR });
    const call = callAs(t.core, ACTOR);
    const p = await someone(t);
    const before = auditCount(t.core);

    await expect(call('people.updateAdmin', { id: p.id, patch: { accessEnabled: false } }, 'frontDesk')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call('people.updateAdmin', { id: p.id, patch: { notes: 'x'.repeat(10_001) } })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call('people.updateAdmin', { id: '00000000-0000-4000-8000-000000000000', patch: { notes: 'hi' } })).rejects.toMatchObject({ code: 'not_found' });
    await call('people.updateAdmin', { id: p.id, patch: { accessEnabled: p.accessEnabled, notes: p.notes, customTags: p.customTags, grants: p.grants } });

    expect(auditCount(t.core)).toBe(before);
  });
});
