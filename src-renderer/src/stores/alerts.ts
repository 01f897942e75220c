import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api';
import { ALERT_TYPES } from '../contract';
import type { AlertDto, AlertType, EventMap } from '../contract';
import { useSitesStore } from './sites';
import { newestLoad } from '../lib/newest-load';

/** The order a manager should work through them: each fix can clear alerts further down. */
export const ALERT_TYPE_LABEL: Record<AlertType, string> = {
  duplicate_accounts: 'Duplicate accounts',
  name_mismatch: 'Name mismatch',
  email_mismatch: 'Email mismatch',
  duplicate_emails: 'Duplicate emails',
};

export const useAlertsStore = defineStore('alerts', () => {
  const sites = useSitesStore();
  const alerts = shallowRef<AlertDto[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  /** From the last list or alerts.changed event, whichever is newer. */
  const openCount = ref(0);
  const newest = newestLoad({ loading, error, loaded });

  const open = computed(() => alerts.value.filter((a) => a.status === 'open'));
  const groups = computed(() =>
    ALERT_TYPES.map((type) => ({ type, label: ALERT_TYPE_LABEL[type], alerts: open.value.filter((a) => a.type === type) })).filter(
      (g) => g.alerts.length > 0,
    ),
  );

  async function load() {
    const siteId = sites.currentId;
    if (!siteId) return;
    await newest.run(
      () => api.invoke('alerts.list', { siteId }),
      (list) => {
        alerts.value = list;
        openCount.value = list.filter((a) => a.status === 'open').length;
      },
    );
  }


  function onChanged(p: EventMap['alerts.changed']) {
    if (p.siteId !== sites.currentId) return;
    openCount.value = p.open;
    // The event carries the count. The Alerts window reads its own filtered list (stores/review.ts),
    // so a burst of decisions does not re-read every alert here as well.
  }

  function resetForSite() {
    alerts.value = [];
    loaded.value = false;
    openCount.value = sites.current?.openAlerts ?? 0;
    void load();
  }

  return { alerts, open, groups, loading, loaded, error, openCount, load, onChanged, resetForSite };
});
