import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api';
import type { SiteDto } from '../contract';
import { useAppStore } from './app';

const SITE_KEY = 'rollcall.site';

function savedSite(): string | null {
  try {
    return localStorage.getItem(SITE_KEY);
  } catch {
    return null;
  }
}

export const useSitesStore = defineStore('sites', () => {
  const app = useAppStore();
  const sites = ref<SiteDto[]>([]);
  const currentId = ref<string | null>(savedSite());
  const loaded = ref(false);
  const loading = ref(false);
  const busy = ref<'reset' | 'remove' | null>(null);
  /** Bumped when a site's data was replaced wholesale (demo reset) even if its id stayed. */
  const epoch = ref(0);

  const current = computed(() => sites.value.find((s) => s.id === currentId.value) ?? null);

  function select(id: string | null) {
    currentId.value = id;
    try {
      if (id) localStorage.setItem(SITE_KEY, id);
    } catch {
      // Not remembering the choice is fine.
    }
  }

  async function load() {
    loading.value = true;
    try {
      sites.value = await api.invoke('sites.list', {});
      loaded.value = true;
      if (!sites.value.some((s) => s.id === currentId.value)) select(sites.value[0]?.id ?? null);
    } catch (err) {
      app.reportError(err);
    } finally {
      loading.value = false;
    }
  }

  /** Local patch from an event, so the header does not wait for a full reload. */
  function patch(id: string, fields: Partial<SiteDto>) {
    sites.value = sites.value.map((s) => (s.id === id ? { ...s, ...fields } : s));
  }

  async function resetDemo() {
    busy.value = 'reset';
    try {
      const site = await api.invoke('demo.reset', {});
      await load();
      select(site.id);
      epoch.value++;
      app.notify('The demo was reset.', 'success');
    } catch (err) {
      app.reportError(err);
    } finally {
      busy.value = null;
    }
  }

  async function removeDemo() {
    busy.value = 'remove';
    try {
      await api.invoke('demo.remove', {});
      await load();
      app.notify('The demo was removed.', 'success');
    } catch (err) {
      app.reportError(err);
    } finally {
      busy.value = null;
    }
  }

  return { sites, currentId, current, loaded, loading, busy, epoch, select, load, patch, resetDemo, removeDemo };
});
