import type { Handlers } from '../../contract/rpc';
import type { PersonExplanation } from '../../contract/calls/people';
import type { PersonDetail } from '../../contract/dto';
import { ApiError } from '../../contract/errors';
import { getPerson, listPeople } from '../people/people-queries';
import { bulkDelete, previewBulkDelete } from '../people/bulk-delete';
import { auditWriter } from '../audit/audit-log';
import { auditValue, inSentence, recordChange, sameValue, valueList } from '../audit/change-audit';
import type { ChangeRow } from '../audit/change-audit';
import { detectAlerts } from '../alerts/detect-alerts';
import { explainExternalId, explainPerson } from '../sync/explain';
import type { Explanation } from '../sync/explain';
import { REASON_TEXT } from '../sync/reasons';
import type { ReasonCode } from '../sync/reasons';
import { callActor, requireSite } from './core-context';
import type { CoreContext } from './core-context';

const OUTCOME_WORDS: Record<string, string> = {
  added: 'was added',
  updated: 'was updated',
  skipped: 'was skipped',
  disabled: 'was disabled',
  processed: 'is in sync (nothing changed)',
  error: 'could not be processed',
};

/** The admin-owned fields as the audit names them, in the person panel's order. */
const ADMIN_FIELDS = [
  { key: 'accessEnabled', label: 'Access' },
  // Stored as "decoupled"; the panel's switch is "Track source updates", its inverse.
  { key: 'decoupled', label: 'Track source updates' },
  { key: 'notes', label: 'Notes' },
  { key: 'appMessage', label: 'App message' },
  { key: 'customTags', label: 'Custom tags' },
  { key: 'grants', label: 'Grants' },
] as const;

/** Free text can run long: the sentence only says it changed, the detail has it (cut short). */
const LONG_TEXT = new Set<string>(['notes', 'appMessage']);

function adminChanges(before: PersonDetail, patch: Partial<Pick<PersonDetail, (typeof ADMIN_FIELDS)[number]['key']>>): ChangeRow[] {
  const rows: ChangeRow[] = [];
  for (const { key, label } of ADMIN_FIELDS) {
    const next = patch[key];
    if (next === undefined) continue;
    const old = before[key];
    const shown = (v: unknown) => (Array.isArray(v) ? [...new Set(v)] : v);
    if (sameValue(shown(old), shown(next))) continue;
    const value = (v: unknown) => auditValue(key === 'decoupled' ? !v : shown(v));
    rows.push({ key, label, from: value(old), to: value(next) });
  }
  return rows;
}

function withHeadline(e: Explanation): PersonExplanation {
  const who = e.name || e.externalId || 'This record';
  let headline: string;
  if (!e.outcome) headline = `${who} has not been through a sync pass yet.`;
  else {
    const reason = e.reasonCode && e.reasonCode in REASON_TEXT ? REASON_TEXT[e.reasonCode as ReasonCode] : null;
    const why = (e.outcome === 'skipped' || e.outcome === 'disabled') && reason ? `: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}.` : '.';
    headline = `${who} ${OUTCOME_WORDS[e.outcome] ?? e.outcome}${why}`;
  }
  return { headline, ...e };
}

export function peopleHandlers(
  ctx: CoreContext,
): Pick<Handlers, 'people.list' | 'people.get' | 'people.explain' | 'people.updateAdmin' | 'people.bulkDeletePreview' | 'people.bulkDelete'> {
  const { sqlite } = ctx.db;
  return {
    'people.list': (input) => {
      requireSite(ctx, input.siteId);
      return listPeople(sqlite, input);
    },
    'people.get': (input) => getPerson(sqlite, input.id),
    'people.explain': (input) => {
      if ('personId' in input) return withHeadline(explainPerson(ctx.db, input.personId));
      requireSite(ctx, input.siteId);
      return withHeadline(explainExternalId(ctx.db, input.siteId, input.externalId.trim()));
    },
    'people.updateAdmin': (input, call) => {
      const before = getPerson(sqlite, input.id);
      const p = input.patch;
      const at = ctx.now().toISOString();
      const provenance = { ...before.provenance };
      for (const key of Object.keys(p)) provenance[key] = { by: 'admin', at };
      sqlite.transaction(() => {
        const sets: string[] = ['updated_at = ?', 'provenance = ?'];
        const args: unknown[] = [at, JSON.stringify(provenance)];
        if (p.accessEnabled !== undefined && p.accessEnabled !== before.accessEnabled) {
          // An admin's choice: sync will not turn this back on when the person returns at the source.
          sets.push('access_enabled = ?', 'disabled_by = ?', 'disabled_at = ?');
          args.push(p.accessEnabled ? 1 : 0, p.accessEnabled ? null : 'admin', p.accessEnabled ? null : at);
        }
        const plain: Array<[keyof typeof p, string, unknown]> = [
          ['decoupled', 'decoupled', p.decoupled === undefined ? undefined : p.decoupled ? 1 : 0],
          ['notes', 'notes', p.notes],
          ['appMessage', 'app_message', p.appMessage],
          ['customTags', 'custom_tags', p.customTags && JSON.stringify([...new Set(p.customTags)])],
          ['grants', 'grants', p.grants && JSON.stringify([...new Set(p.grants)])],
        ];
        for (const [key, column, value] of plain) {
          if (p[key] === undefined) continue;
          sets.push(`${column} = ?`);
          args.push(value);
        }
        const changed = sqlite.prepare(`UPDATE person SET ${sets.join(', ')} WHERE id = ?`).run(...args, input.id).changes;
        if (changed !== 1) throw new ApiError('not_found', 'That person no longer exists.');
        const changes = adminChanges(before, p);
        if (!changes.length) return;
        const name = `${before.firstName} ${before.lastName}`.trim() || before.externalId || 'This person';
        const words = changes.map((c) => (LONG_TEXT.has(c.key) ? `${inSentence(c.label)} changed` : valueList([c])));
        recordChange(sqlite, {
          siteId: before.siteId,
          at,
          actor: callActor(ctx, call),
          action: 'person-updated',
          personId: input.id,
          personName: name,
          target: name,
          message: `${name}: ${words.join('; ')}`,
          detail: { subject: 'person', changes },
        });
      })();
      ctx.events.emit('people.changed', { siteId: before.siteId });
      return getPerson(sqlite, input.id);
    },
    'people.bulkDeletePreview': (input) => previewBulkDelete(sqlite, input),
    'people.bulkDelete': (input, call) => {
      // A pass that has already read its sources would add the deleted people straight back.
      if (ctx.engine.isBusy(input.siteId)) {
        throw new ApiError('conflict', 'A sync pass is running for this site. Nothing was deleted: try again when it has finished.');
      }
      const result = bulkDelete(sqlite, auditWriter(sqlite), {
        siteId: input.siteId,
        sourceConnectionId: input.sourceConnectionId,
        token: input.token,
        turnOffSync: input.turnOffSync,
        actor: callActor(ctx, call),
        at: ctx.now().toISOString(),
      });
      ctx.events.emit('people.changed', { siteId: input.siteId });
      if (result.sourcesTurnedOff.length) ctx.events.emit('sites.changed', {});
      // Alerts about people who are gone close now, not at the next pass.
      const alerts = detectAlerts(ctx.db, input.siteId, ctx.now());
      ctx.events.emit('alerts.changed', { siteId: input.siteId, open: alerts.open });
      return result;
    },
  };
}
