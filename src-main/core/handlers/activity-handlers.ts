import type { Handlers } from '../../contract/rpc';
import { getActivity, listActivity } from '../activity/activity-queries';
import { exportActivityCsv } from '../activity/activity-export';
import { requireSite } from './core-context';
import type { CoreContext } from './core-context';

export function activityHandlers(ctx: CoreContext): Pick<Handlers, 'activity.list' | 'activity.get' | 'activity.export'> {
  const { sqlite } = ctx.db;
  return {
    'activity.list': (input) => {
      requireSite(ctx, input.siteId);
      return listActivity(sqlite, input);
    },
    'activity.get': (input) => getActivity(sqlite, input.id),
    'activity.export': (input) => {
      requireSite(ctx, input.siteId);
      return exportActivityCsv(sqlite, input, ctx.now());
    },
  };
}
