import type { Handlers } from '../../contract/rpc';
import { ApiError } from '../../contract/errors';
import { getRunRow } from '../sync/run-store';
import { requireSite } from './core-context';
import type { CoreContext } from './core-context';

export function syncHandlers(ctx: CoreContext): Pick<Handlers, 'sync.runNow' | 'sync.lastRun' | 'sync.approveHeld' | 'sync.discardHeld'> {
  return {
    'sync.runNow': async (input) => {
      if (input.siteId) {
        requireSite(ctx, input.siteId);
        return [await ctx.engine.runSite(input.siteId, { trigger: 'manual', dryRun: input.dryRun })];
      }
      return ctx.engine.runAll({ trigger: 'manual', dryRun: input.dryRun });
    },
    'sync.lastRun': (input) => {
      requireSite(ctx, input.siteId);
      return ctx.engine.lastRun(input.siteId);
    },
    'sync.approveHeld': (input) => {
      const row = getRunRow(ctx.db.sqlite, input.runId);
      if (!row) throw new ApiError('not_found', 'That sync run no longer exists.');
      return ctx.engine.runSite(row.site_id as string, { trigger: 'manual', approveHeldRunId: input.runId });
    },
    'sync.discardHeld': (input) => ctx.engine.discardHeld(input.runId),
  };
}
