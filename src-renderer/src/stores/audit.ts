import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api';
import type { AuditEntryDto } from '../contract';
import { exportCsvFile } from '../lib/export-csv';
import { useAppStore } from './app';
import { useSitesStore } from './sites';
import { newestLoad } from '../lib/newest-load';
import { throttle } from '../lib/throttle';

const PAGE = 100;

/**
 * The audit trail: every decision, upstream write and change made by hand (settings, connections,
 * people, imports), newest first, optionally for one person.
 */
export const useAuditStore = defineStore('audit', () => {
  const app = useAppStore();
  const sites = useSitesStore();
  const entries = shallowRef<AuditEntryDto[]>([]);
  const total = ref(0);
  const nextBefore = ref<number | null>(null);
  const loading = ref(false);
  const loadingMore = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const exporting = ref(false);
  /** The person filter, with the name to show for it (the entries may not be loaded yet). */
  const person = ref<{ id: string; name: string } | null>(null);
  const newest = newestLoad({ loading, error, loaded });
  /** The trail is only read once someone opens it; after that it follows events. */
  let loadedOnce = false;

  const hasMore = computed(() => nextBefore.value !== null && entries.value.length < total.value);

  function params() {
    return { siteId: sites.currentId ?? undefined, ...(person.value ? { personId: person.value.id } : {}) };
  }

  async function load() {
    if (!sites.currentId) return;
    await newest.run(
      () => api.invoke('audit.list', { ...params(), limit: PAGE }),
      (page) => {
        entries.value = page.rows;
        total.value = page.total;
        nextBefore.value = page.nextBefore;
      },
    );
  }

  /** New entries arrived: re-read the first page unless the user paged back (then just the total). */
  async function refreshHead() {
    if (!loaded.value) return;
    if (entries.value.length <= PAGE) return load();
    try {
      const page = await api.invoke('audit.list', { ...params(), limit: 1 });
      total.value = page.total;
    } catch {
      // The next full load catches up.
    }
  }

  // Changes by hand arrive with the events their screens already send (decisions and pushes are
  // followed from wire-events): re-read the head, at most ~2x a second, once the trail is open.
  const onChange = throttle(() => void refreshHead(), 400);
  api.on('sites.changed', onChange);
  api.on('people.changed', onChange);
  api.on('sync.finished', onChange);
  api.on('locations.changed', onChange);

  async function loadMore() {
    if (!hasMore.value || loadingMore.value) return;
    const gen = newest.mark();
    loadingMore.value = true;
    try {
      const page = await api.invoke('audit.list', { ...params(), before: nextBefore.value!, limit: PAGE });
      if (!newest.current(gen)) return;
      entries.value = [...entries.value, ...page.rows];
      total.value = page.total;
      nextBefore.value = page.nextBefore;
    } catch (err) {
      app.reportError(err);
    } finally {
      loadingMore.value = false;
    }
  }

  function setPerson(p: { id: string; name: string } | null) {
    person.value = p;
    loadedOnce = true;
    void load();
  }

  async function exportCsv() {
    await exportCsvFile(exporting, app, () => api.invoke('audit.export', params()), 'audit entry', 'audit entries');
  }

  function resetForSite() {
    entries.value = [];
    total.value = 0;
    loaded.value = false;
    person.value = null;
    if (loadedOnce) void load();
  }

  /** Opening the screen: the first load, or catch up with whatever was recorded meanwhile. */
  function ensureLoaded() {
    if (!loadedOnce) {
      loadedOnce = true;
      void load();
    } else void refreshHead();
  }

  return {
    entries,
    total,
    loading,
    loadingMore,
    loaded,
    error,
    exporting,
    person,
    hasMore,
    load,
    refreshHead,
    loadMore,
    setPerson,
    exportCsv,
    resetForSite,
    ensureLoaded,
  };
});
