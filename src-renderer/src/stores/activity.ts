import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { api } from '../api';
import type { ActivityEntryDto, Outcome } from '../contract';
import { exportCsvFile } from '../lib/export-csv';
import { errorMessage } from '../lib/format';
import { useAppStore } from './app';
import { useSitesStore } from './sites';
import { newestLoad } from '../lib/newest-load';

const PAGE = 100;

export const useActivityStore = defineStore('activity', () => {
  const app = useAppStore();
  const sites = useSitesStore();

  const entries = shallowRef<ActivityEntryDto[]>([]);
  const total = ref(0);
  const query = ref('');
  const outcome = ref<Outcome | ''>('');
  const loading = ref(false);
  const loadingMore = ref(false);
  /** Older entries that could not be read: said next to the button that asked for them. */
  const moreError = ref<string | null>(null);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const newest = newestLoad({ loading, error, loaded });

  const selected = shallowRef<ActivityEntryDto | null>(null);
  const selectedId = ref<number | null>(null);
  const detailLoading = ref(false);
  const detailError = ref<string | null>(null);

  const exporting = ref(false);
  /** The last export that failed, said next to its button until an export goes through. */
  const exportError = ref<string | null>(null);

  function filters() {
    return {
      query: query.value.trim() || undefined,
      outcome: outcome.value || undefined,
    };
  }

  /** First page for the current filters; old rows stay visible until the answer lands. */
  async function load() {
    const siteId = sites.currentId;
    if (!siteId) return;
    await newest.run(
      () => api.invoke('activity.list', { siteId, ...filters(), limit: PAGE }),
      (page) => {
        entries.value = page.rows;
        total.value = page.total;
      },
    );
  }

  async function loadMore() {
    const siteId = sites.currentId;
    const last = entries.value[entries.value.length - 1];
    if (!siteId || !last || loadingMore.value) return;
    const gen = newest.mark();
    loadingMore.value = true;
    moreError.value = null;
    try {
      const page = await api.invoke('activity.list', { siteId, ...filters(), beforeId: last.id, limit: PAGE });
      if (!newest.current(gen)) return;
      entries.value = [...entries.value, ...page.rows];
      total.value = Math.max(page.total, entries.value.length);
    } catch (err) {
      if (newest.current(gen)) moreError.value = `Could not load older entries: ${errorMessage(err)}`;
    } finally {
      loadingMore.value = false;
    }
  }

  /**
   * New entries were appended: fetch the newest page and put the unseen ones on top, keeping the
   * older pages the user already loaded. If more arrived than one page holds, start over.
   */
  async function refreshHead() {
    const siteId = sites.currentId;
    if (!siteId) return;
    if (!entries.value.length) return load();
    const gen = newest.mark();
    try {
      const page = await api.invoke('activity.list', { siteId, ...filters(), limit: PAGE });
      if (!newest.current(gen)) return;
      const newestId = entries.value[0].id;
      const fresh = page.rows.filter((e) => e.id > newestId);
      if (fresh.length >= page.rows.length && page.rows.length === PAGE) entries.value = page.rows;
      else if (fresh.length) entries.value = [...fresh, ...entries.value];
      total.value = page.total;
    } catch {
      // A missed refresh is harmless; the next event or a reload catches up.
    }
  }

  function setFilters(q: string, o: Outcome | '') {
    if (q === query.value && o === outcome.value) return;
    query.value = q;
    outcome.value = o;
    moreError.value = null;
    void load();
  }

  async function open(id: number) {
    selectedId.value = id;
    detailError.value = null;
    const cached = entries.value.find((e) => e.id === id) ?? null;
    // Show what the list already knows at once; the full record follows.
    selected.value = cached;
    detailLoading.value = true;
    try {
      const entry = await api.invoke('activity.get', { id });
      if (selectedId.value === id) selected.value = entry;
    } catch (err) {
      if (selectedId.value === id) detailError.value = err instanceof Error ? err.message : String(err);
    } finally {
      if (selectedId.value === id) detailLoading.value = false;
    }
  }

  function close() {
    selectedId.value = null;
    selected.value = null;
    detailError.value = null;
  }

  /** The log under the current filters, as a CSV file the browser saves. */
  async function exportCsv() {
    const siteId = sites.currentId;
    if (!siteId) return;
    await exportCsvFile(exporting, app, () => api.invoke('activity.export', { siteId, ...filters() }), 'entry', 'entries', {
      error: exportError,
      what: 'the activity log',
    });
  }

  function resetForSite() {
    entries.value = [];
    total.value = 0;
    loaded.value = false;
    exportError.value = null;
    close();
    void load();
  }

  return {
    entries,
    total,
    query,
    outcome,
    loading,
    loadingMore,
    moreError,
    loaded,
    error,
    selected,
    selectedId,
    detailLoading,
    detailError,
    exporting,
    exportError,
    load,
    loadMore,
    refreshHead,
    setFilters,
    open,
    close,
    exportCsv,
    resetForSite,
  };
});
