import { watch } from 'vue';
import { api } from '../api';
import { throttle } from '../lib/throttle';
import { useActivityStore } from './activity';
import { useAlertsStore } from './alerts';
import { useAppStore } from './app';
import { useAuditStore } from './audit';
import { useOutboxStore } from './outbox';
import { usePeopleStore } from './people';
import { useReviewStore } from './review';
import { useSettingsStore } from './settings';
import { useSitesStore } from './sites';
import { useSyncStore } from './sync';

/**
 * Called once at start-up (after Pinia is installed): loads the first data, subscribes every
 * store to the core's events, reloads per-site data when the site changes, and catches up
 * after a dropped connection comes back or the core has been restarted.
 */
export async function wireEvents(): Promise<void> {
  const app = useAppStore();
  const sites = useSitesStore();
  const sync = useSyncStore();
  const people = usePeopleStore();
  const activity = useActivityStore();
  const alerts = useAlertsStore();
  const settings = useSettingsStore();
  const review = useReviewStore();
  const outbox = useOutboxStore();
  const audit = useAuditStore();

  const isCurrent = (siteId: string) => siteId === sites.currentId;
  const refreshPeople = throttle(() => people.refresh(), 400);
  const refreshActivity = throttle(() => void activity.refreshHead(), 400);
  const reloadSites = throttle(() => void sites.load(), 400);
  // Block last-run times and counts change with every pass; switches can change in another window.
  const reloadSettings = throttle(() => void settings.load(), 400);
  // A pass can skip the open person without writing to them (decoupled, held): re-ask why anyway.
  const reExplain = throttle(() => people.selectedId && void people.explain(people.selectedId), 400);

  api.on('sync.progress', (p) => sync.onProgress(p));
  api.on('sync.finished', (p) => {
    sync.onFinished(p);
    // The site row carries last-sync time and counts; re-read it even if no sites.changed follows.
    if (isCurrent(p.siteId)) {
      reloadSites();
      if (!p.run.dryRun) {
        reloadSettings();
        reExplain();
      }
    }
  });
  api.on('activity.appended', (p) => isCurrent(p.siteId) && refreshActivity());
  // Decisions and pushes move alerts, the outbox and the audit together; each re-asks at most ~3x a second.
  const reloadOutbox = throttle(() => void outbox.load(), 300);
  const reloadAudit = throttle(() => void audit.refreshHead(), 400);
  api.on('alerts.changed', (p) => {
    alerts.onChanged(p);
    if (isCurrent(p.siteId)) {
      sites.patch(p.siteId, { openAlerts: p.open });
      review.reload();
      reloadAudit();
    }
  });
  api.on('outbox.changed', () => {
    reloadOutbox();
    reloadAudit();
  });
  api.on('people.changed', (p) => isCurrent(p.siteId) && refreshPeople());
  api.on('sites.changed', () => {
    reloadSites();
    reloadSettings();
  });

  /** Events were missed: re-read everything on screen. */
  const catchUp = () => {
    void sites.load();
    void sync.loadLastRun();
    people.refresh();
    void activity.load();
    void alerts.load();
    void settings.load();
    void review.load();
    void outbox.load();
    void audit.refreshHead();
  };

  let dropped = false;
  api.onStatus((s) => {
    if (s === 'reconnecting' || s === 'unreachable') dropped = true;
    if (s === 'open' && dropped) {
      dropped = false;
      catchUp();
    }
  });

  // The host restarted a core that stopped. The socket stayed open, but nothing was heard while the
  // core was down, and what changed meanwhile (a pass cut short, the CLI on the same data folder)
  // is only in the database: re-read once the new core says it is ready.
  let coreWasDown = false;
  api.on('core.status', (s) => {
    if (s.state === 'restarting') coreWasDown = true;
    else if (s.state === 'ready' && coreWasDown) {
      coreWasDown = false;
      catchUp();
    }
  });

  void app.loadInfo();
  await sites.load();

  watch(
    () => [sites.currentId, sites.epoch],
    () => {
      sync.resetForSite();
      void sync.loadLastRun();
      people.resetForSite();
      activity.resetForSite();
      alerts.resetForSite();
      settings.resetForSite();
      review.resetForSite();
      outbox.resetForSite();
      audit.resetForSite();
    },
    { immediate: true },
  );
}
