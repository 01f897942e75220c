import type { CallContext, Handlers } from '../../contract/rpc';
import { ApiError } from '../../contract/errors';
import type { SyncRunDto } from '../../contract/dto';
import { countsText, recordChange } from '../audit/change-audit';
import { getRun, getRunRow } from '../sync/run-store';
import { callActor, requireSite } from './core-context';
import type { CoreContext } from './core-context';

export function syncHandlers(ctx: CoreContext): Pick<Handlers, 'sync.runNow' | 'sync.lastRun' | 'sync.approveHeld' | 'sync.discardHeld'> {
  /**
   * Approving or discarding a held pass is the manager's call on what the guard stopped. The engine
   * does the work across awaits, so the entry follows straight after it, only once it went through.
   */
  const heldAudit = (call: CallContext, run: SyncRunDto, what: 'approved' | 'discarded', message: string, reason: string | null) =>
    recordChange(ctx.db.sqlite, {
      siteId: run.siteId,
      at: ctx.now().toISOString(),
      actor: callActor(ctx, call),
      action: `held-pass-${what}`,
      target: 'Sync pass',
      result: run.status === 'complete' ? 'applied' : run.status,
      message,
      detail: { subject: 'held-pass', runId: run.id, heldBecause: reason, counts: run.counts },
    });

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
    'sync.approveHeld': async (input, call) => {
      const row = getRunRow(ctx.db.sqlite, input.runId);
      if (!row) throw new ApiError('not_found', 'That sync run no longer exists.');
      const reason = getRun(ctx.db.sqlite, input.runId)?.preview?.reason ?? null;
      // A refused approval (the pass is no longer held) throws before anything is written.
      const run = await ctx.engine.runSite(row.site_id as string, { trigger: 'manual', approveHeldRunId: input.runId });
      const outcome = run.status === 'complete' ? `: ${countsText(run.counts)}` : run.status === 'failed' ? `, but the pass failed: ${run.error ?? 'no reason given'}` : ` (the pass is ${run.status})`;
      heldAudit(call, run, 'approved', `Held sync pass approved${outcome}`, reason);
      return run;
    },
    'sync.discardHeld': async (input, call) => {
      const reason = getRun(ctx.db.sqlite, input.runId)?.preview?.reason ?? null;
      const run = await ctx.engine.discardHeld(input.runId);
      heldAudit(call, run, 'discarded', `Held sync pass discarded: nothing it would have done happened${reason ? ` (held because: ${reason})` : ''}`, reason);
      return run;
    },
  };
}
