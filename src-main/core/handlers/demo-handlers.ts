import { join } from 'node:path';
import type { Handlers } from '../../contract/rpc';
import { ApiError } from '../../contract/errors';
import { listSites } from '../sites/site-queries';
import { createDemoSite, deleteDemoSites, findDemoSiteId } from '../sites/demo-site';
import { resetDemoState, startDemoUpstreams } from '../demo/demo-upstreams';
import { alarmPanelDemoFor, attachAlarmPanelDemo, resetAlarmPanelDemoState, startAlarmPanelDemo } from '../adapters/alarm-panel';
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

  async remove(): Promise<boolean> {
    const removed = deleteDemoSites(this.ctx.db) > 0;
    await this.stopUpstreams();
    resetDemoState(this.stateDir);
    resetAlarmPanelDemoState(this.stateDir);
    this.ctx.events.emit('sites.changed', {});
    return removed;
  }

  handlers(): Pick<Handlers, 'demo.reset' | 'demo.remove' | 'demo.editAccessAccount'> {
    return {
      'demo.reset': () =>
        this.oneAtATime(async () => {
          await this.remove();
          const siteId = await this.seed();
          const site = listSites(this.ctx.db.sqlite).find((s) => s.id === siteId);
          if (!site) throw new ApiError('internal', 'The demo site was not created.');
          return site;
        }),
      'demo.remove': () => this.oneAtATime(async () => ({ removed: await this.remove() })),
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
