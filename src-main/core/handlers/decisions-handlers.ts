import type { CallContext, Handlers } from '../../contract/rpc';
import type { decisionsCalls } from '../../contract/calls/decisions';
import { ApiError } from '../../contract/errors';
import type { CoreContext } from './core-context';
import { callActor, requireSite } from './core-context';
import { countOpenAlerts } from '../alerts/alert-queries';
import { recordDecisions } from '../decisions/record-decisions';
import { getDecision, listDecisions, listOps, pendingCount, queryAlerts, settleTasks } from '../decisions/decision-queries';
import { cancelDecision } from '../decisions/cancel-decision';
import { OutboxPusher } from '../outbox/pusher';
import { exportAuditCsv, listAudit } from '../audit/audit-log';

export function decisionsHandlers(ctx: CoreContext): Pick<Handlers, keyof typeof decisionsCalls> {
  const { sqlite } = ctx.db;
  const pusher = new OutboxPusher({ db: ctx.db, events: ctx.events, upstreams: ctx.upstreams, now: ctx.now });
  // Anything that was mid-send when the app last stopped goes back in the queue, same key.
  pusher.recover();
  // The window hosts push in the background while online; the CLI and tests push when told to.
  if (ctx.backgroundPush) pusher.startBackground();

  const afterDecisions = (siteIds: Iterable<string>) => {
    for (const siteId of siteIds) ctx.events.emit('alerts.changed', { siteId, open: countOpenAlerts(ctx.db, siteId) });
    pusher.emitChanged();
  };

  const decide = (alertIds: string[], input: { resolution: Parameters<typeof recordDecisions>[1]['resolution']; options: Parameters<typeof recordDecisions>[1]['options'] }, call: CallContext) => {
    settleTasks(sqlite, ctx.now().toISOString());
    // Who decided comes from the call context the host made, never from the input (the contract refuses one).
    const { result, siteIds } = recordDecisions(ctx.db, { alertIds, resolution: input.resolution, options: input.options, actor: callActor(ctx, call) }, ctx.now());
    afterDecisions(siteIds);
    return result;
  };

  return {
    'alerts.query': (input) => {
      requireSite(ctx, input.siteId);
      settleTasks(sqlite, ctx.now().toISOString());
      return queryAlerts(sqlite, input, ctx.now());
    },
    'decisions.decide': (input, call) => {
      const result = decide([input.alertId], input, call);
      const one = result.results[0];
      if (!one.ok) throw new ApiError(one.error?.startsWith('There is no such alert') ? 'not_found' : 'conflict', one.error ?? 'The decision was not recorded.');
      return one;
    },
    'decisions.decideMany': (input, call) => decide(input.alertIds, input, call),
    'decisions.cancel': (input, call) => {
      const { decision, siteId } = cancelDecision(ctx.db, input.decisionId, callActor(ctx, call), ctx.now());
      afterDecisions([siteId]);
      return decision;
    },
    'decisions.list': (input) => {
      settleTasks(sqlite, ctx.now().toISOString());
      return listDecisions(sqlite, input);
    },
    'decisions.get': (input) => {
      settleTasks(sqlite, ctx.now().toISOString());
      const d = getDecision(sqlite, input.decisionId);
      if (!d) throw new ApiError('not_found', 'There is no such decision.');
      return d;
    },
    'decisions.pendingCount': (input) => {
      settleTasks(sqlite, ctx.now().toISOString());
      return pendingCount(sqlite, input);
    },
    'outbox.status': (input) => pusher.status(input.siteId),
    'outbox.setOffline': (input, call) => pusher.setOffline(input.offline, callActor(ctx, call)),
    'outbox.pushNow': (input, call) => pusher.pushNow({ siteId: input.siteId, actor: callActor(ctx, call) }),
    'outbox.list': (input) => listOps(sqlite, input),
    'audit.list': (input) => listAudit(sqlite, input),
    'audit.export': (input) => exportAuditCsv(sqlite, input, ctx.now()),
  };
}
