import { join } from 'node:path';
import type { CallContext, Handlers } from '../../contract/rpc';
import { ApiError } from '../../contract/errors';
import { listSites } from '../sites/site-queries';
import { createDemoSite, deleteDemoSites, findDemoSiteId } from '../sites/demo-site';
import { resetDemoState, startDemoUpstreams } from '../demo/demo-upstreams';
import { alarmPanelDemoFor, attachAlarmPanelDemo, resetAlarmPanelDemoState, startAlarmPanelDemo } from '../adapters/alarm-panel';
import { recordChange } from '../audit/change-audit';
import { callActor } from './core-context';
import type { CoreContext } from './core-context';

/** The embedded demo: its fake upstreams run inside the core while a demo site exists. */
export class DemoControl {
  /** Reset and remove, one at a time: two at once would start two sets of demo servers. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: CoreContext) {}

  private oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private get stateDir() {
    return join(this.ctx.dataDir, 'demo');
  }

  async startIfPresent(): Promise<void> {
    if (findDemoSiteId(this.ctx.db)) await this.startUpstreams();
  }

  private async startUpstreams(): Promise<void> {
    if (!this.ctx.upstreams.demo) this.ctx.upstreams.demo = await startDemoUpstreams({ stateDir: this.stateDir });
    if (!alarmPanelDemoFor(this.ctx.upstreams)) attachAlarmPanelDemo(this.ctx.upstreams, await startAlarmPanelDemo(this.stateDir));
  }

  private async stopUpstreams(): Promise<void> {
    await this.ctx.upstreams.demo?.close();
    this.ctx.upstreams.demo = null;
    await alarmPanelDemoFor(this.ctx.upstreams)?.close();
    attachAlarmPanelDemo(this.ctx.upstreams, null);
  }

  /** Creates the demo site and runs its first pass, so a newcomer sees people, alerts and activity. */
  async seed(): Promise<string> {
    await this.startUpstreams();
    const siteId = createDemoSite(this.ctx.db, this.ctx.upstreams.demo!, this.ctx.now());
    this.ctx.events.emit('sites.changed', {});
    await this.ctx.engine.runSite(siteId, { trigger: 'demo' });
    return siteId;
  }

  /** `call`: the caller who asked, for the audit entry written with the delete (none for a reset's first half). */
  async remove(call?: CallContext): Promise<boolean> {
    const { sqlite } = this.ctx.db;
    const removed = sqlite.transaction(() => {
      const name = sqlite.prepare('SELECT name FROM site WHERE is_demo = 1 LIMIT 1').pluck().get() as string | undefined;
      const gone = deleteDemoSites(this.ctx.db) > 0;
      if (gone && call) {
        // The site is gone, so the entry belongs to no site: every site's trail shows it.
        recordChange(sqlite, {
          siteId: null,
          at: this.ctx.now().toISOString(),
          actor: callActor(this.ctx, call),
          action: 'demo-removed',
          target: name ?? 'Demo site',
          result: 'done',
          message: `Demo site '${name ?? 'demo'}' removed`,
          detail: { subject: 'demo' },
        });
      }
      return gone;
    })();
    await this.stopUpstreams();
    resetDemoState(this.stateDir);
    resetAlarmPanelDemoState(this.stateDir);
    this.ctx.events.emit('sites.changed', {});
    return removed;
  }

  handlers(): Pick<Handlers, 'demo.reset' | 'demo.remove' | 'demo.editAccessAccount'> {
    return {
      'demo.reset': (_input, call) =>
        this.oneAtATime(async () => {
          await this.remove();
          const siteId = await this.seed();
          const site = listSites(this.ctx.db.sqlite).find((s) => s.id === siteId);
          if (!site) throw new ApiError('internal', 'The demo site was not created.');
          // Written once the new demo site exists (its first pass runs across awaits), on its trail.
          recordChange(this.ctx.db.sqlite, {
            siteId,
            at: this.ctx.now().toISOString(),
            actor: callActor(this.ctx, call),
            action: 'demo-reset',
            target: site.name,
            result: 'done',
            message: `Demo site '${site.name}' reset: its people, alerts and history started over`,
            detail: { subject: 'demo' },
          });
          return site;
        }),
      'demo.remove': (_input, call) => this.oneAtATime(async () => ({ removed: await this.remove(call) })),
      'demo.editAccessAccount': ({ remoteId, patch }) => {
        const access = this.ctx.upstreams.demo?.access;
        if (!access || !access.users.get(remoteId)) throw new ApiError('not_found', 'The demo access system has no such account.');
        const u = access.users.update(remoteId, {
          ...(patch.firstName !== undefined ? { first_name: patch.firstName } : {}),
          ...(patch.lastName !== undefined ? { last_name: patch.lastName } : {}),
          ...(patch.email !== undefined ? { email: patch.email } : {}),
          ...(patch.phone !== undefined ? { phone: patch.phone } : {}),
        });
        return { remoteId: u.id, version: String(u.version) };
      },
    };
  }
}
