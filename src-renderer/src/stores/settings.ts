import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api';
import type { SiteSettings, SourceConnectionDto, SyncSettingsView } from '../contract';
import { errorMessage } from '../lib/format';
import { useSitesStore } from './sites';
import { newestLoad } from '../lib/newest-load';

export type SaveState = 'idle' | 'saving' | 'saved' | 'error';

/**
 * A site's sync settings: the two source blocks, the integrations, and the rules. Every change
 * is saved as it is made (switches at once, fields when they are left), one request at a time,
 * so the page always shows what the core has stored.
 */
export const useSettingsStore = defineStore('settings', () => {
  const sites = useSitesStore();
  const view = shallowRef<SyncSettingsView | null>(null);
  const loading = ref(false);
  const loaded = ref(false);
  const loadError = ref<string | null>(null);
  const newest = newestLoad({ loading, error: loadError, loaded });

  const saveState = ref<SaveState>('idle');
  const saveError = ref<string | null>(null);
  const savedAt = ref<number | null>(null);
  /** What the current or last save touches, so the page can say what was saved. */
  const savedWhat = ref<string | null>(null);
  /** Source ids whose switch is being flipped. */
  const pendingSources = ref<Set<string>>(new Set());
  let queue: Promise<unknown> = Promise.resolve();

  const sourceById = computed(() => new Map<string, SourceConnectionDto>((view.value?.sources ?? []).map((s) => [s.id, s])));

  async function load() {
    const siteId = sites.currentId;
    if (!siteId) return;
    await newest.run(
      () => api.invoke('settings.get', { siteId }),
      (v) => {
        view.value = v;
      },
    );
  }


  /** Runs one change after the previous one, and keeps the answer if it is still this site's. */
  function enqueue(what: string, run: (siteId: string) => Promise<SyncSettingsView>): Promise<boolean> {
    const siteId = sites.currentId;
    if (!siteId) return Promise.resolve(false);
    const job = queue.then(async () => {
      saveState.value = 'saving';
      saveError.value = null;
      savedWhat.value = what;
      try {
        const v = await run(siteId);
        if (sites.currentId !== siteId) return false;
        // An older load must not overwrite what was just saved.
        newest.stale();
        loading.value = false;
        view.value = v;
        saveState.value = 'saved';
        savedAt.value = Date.now();
        savedWhat.value = what;
        return true;
      } catch (err) {
        if (sites.currentId === siteId) {
          saveState.value = 'error';
          saveError.value = errorMessage(err);
          savedWhat.value = what;
        }
        return false;
      }
    });
    queue = job.catch(() => undefined);
    return job;
  }

  function save(patch: Partial<SiteSettings>, what = 'Settings'): Promise<boolean> {
    return enqueue(what, (siteId) => api.invoke('settings.update', { siteId, patch }));
  }

  async function setSourceEnabled(source: SourceConnectionDto, enabled: boolean): Promise<boolean> {
    pendingSources.value = new Set([...pendingSources.value, source.id]);
    try {
      return await enqueue(source.name, () => api.invoke('sources.setEnabled', { id: source.id, enabled }));
    } finally {
      const next = new Set(pendingSources.value);
      next.delete(source.id);
      pendingSources.value = next;
    }
  }

  function resetForSite() {
    newest.stale();
    view.value = null;
    loaded.value = false;
    loadError.value = null;
    saveState.value = 'idle';
    saveError.value = null;
    savedWhat.value = null;
    void load();
  }

  return {
    view,
    loading,
    loaded,
    loadError,
    saveState,
    saveError,
    savedAt,
    savedWhat,
    pendingSources,
    sourceById,
    load,
    save,
    setSourceEnabled,
    resetForSite,
  };
});
