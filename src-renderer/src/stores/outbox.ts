import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api';
import type { OutboxStatus, PushSummary } from '../contract';
import { plural } from '../lib/format';
import { useAppStore } from './app';
import { useSitesStore } from './sites';

/**
 * The outbox as the header shows it: online / offline, how many decisions wait to push, and the
 * summary of the last "Push now".
 */
export const useOutboxStore = defineStore('outbox', () => {
  const app = useAppStore();
  const sites = useSitesStore();
  const status = shallowRef<OutboxStatus | null>(null);
  const switching = ref(false);
  const pushing = ref(false);
  const summary = shallowRef<PushSummary | null>(null);
  const summaryOpen = ref(false);
  /** Pending decisions per person id, for the people list and the person panel. */
  const byPerson = shallowRef<Record<string, number>>({});
  let generation = 0;

  const mode = computed(() => status.value?.mode ?? 'online');
  const offline = computed(() => mode.value !== 'online');
  const pendingDecisions = computed(() => status.value?.pendingDecisions ?? 0);

  async function load() {
    const siteId = sites.currentId ?? undefined;
    const gen = ++generation;
    try {
      const [s, counts] = await Promise.all([
        api.invoke('outbox.status', { siteId }),
        api.invoke('decisions.pendingCount', { siteId }),
      ]);
      if (gen !== generation) return;
      status.value = s;
      byPerson.value = counts.byPerson;
    } catch (err) {
      if (gen === generation) app.reportError(err);
    }
  }

  async function setOffline(value: boolean) {
    if (switching.value) return;
    switching.value = true;
    try {
      await api.invoke('outbox.setOffline', { offline: value });
      await load();
    } catch (err) {
      app.reportError(err);
    } finally {
      switching.value = false;
    }
  }

  async function pushNow() {
    if (pushing.value) return;
    pushing.value = true;
    try {
      summary.value = await api.invoke('outbox.pushNow', { siteId: sites.currentId ?? undefined });
      summaryOpen.value = true;
    } catch (err) {
      app.reportError(err);
    } finally {
      pushing.value = false;
      void load();
    }
  }

  /** "3 decisions waiting to push", for the header and its tooltip. */
  const pendingLabel = computed(() => `${plural(pendingDecisions.value, 'decision')} waiting to push`);

  function resetForSite() {
    status.value = null;
    byPerson.value = {};
    summary.value = null;
    summaryOpen.value = false;
    void load();
  }

  return {
    status,
    mode,
    offline,
    pendingDecisions,
    pendingLabel,
    byPerson,
    switching,
    pushing,
    summary,
    summaryOpen,
    load,
    setOffline,
    pushNow,
    resetForSite,
  };
});
