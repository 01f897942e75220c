import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api';
import { PERSON_TYPES } from '../contract';
import type { CallInput, PersonDetail, PersonExplanation, PersonRow, PersonType } from '../contract';
import { errorMessage } from '../lib/format';
import { useAppStore } from './app';
import { useSitesStore } from './sites';

export type PeopleTab = PersonType | 'all';

/** Rows fetched per request. Small enough to answer fast, big enough that a screen needs one or two. */
export const PAGE_SIZE = 100;
/** Pages kept in memory; far-away ones are dropped so 100k people never sit in the heap at once. */
const MAX_PAGES = 40;
/**
 * Page requests in flight at once while scrolling. A fast fling passes hundreds of pages; with a
 * cap, only the pages under the viewport when a slot frees up are asked for, not every one passed.
 */
const MAX_INFLIGHT = 2;

const zeroCounts = (): Record<PersonType, number> => ({ resident: 0, staff: 0, visitor: 0, member: 0 });

/**
 * The people list is a sparse window over the core's rows: pages are fetched on demand as the
 * list scrolls. Every filter change starts a new generation; answers from an older generation
 * are dropped, and the old rows stay on screen until the new ones arrive (no flash of empty).
 */
export const usePeopleStore = defineStore('people', () => {
  const app = useAppStore();
  const sites = useSitesStore();

  const tab = ref<PeopleTab>('all');
  const query = ref('');
  const total = ref(0);
  const counts = ref<Record<PersonType, number>>(zeroCounts());
  /** Bumped whenever `pages` changes, so computed rows re-read the plain Map. */
  const version = ref(0);
  const pages = new Map<number, PersonRow[]>();
  const inflight = new Set<string>();
  let generation = 0;
  let shownGeneration = -1;
  /** True until the current generation's first answer arrives. */
  const loading = ref(false);
  const loaded = ref(false);
  /** The current filter's rows could not be read; the list says so in place (a toast alone fades). */
  const loadError = ref<string | null>(null);

  const selectedId = ref<string | null>(null);
  const detail = shallowRef<PersonDetail | null>(null);
  const detailLoading = ref(false);
  const detailError = ref<string | null>(null);

  /** "Why this status?" for the open person, from the last pass. */
  const explanation = shallowRef<PersonExplanation | null>(null);
  const explainLoading = ref(false);
  const explainError = ref<string | null>(null);
  let explainGen = 0;

  /** Admin-owned field saves for the open person. */
  const adminSaving = ref<string | null>(null);
  const adminError = ref<string | null>(null);
  const adminSaved = ref<{ what: string; at: number } | null>(null);

  const countAll = computed(() => PERSON_TYPES.reduce((n, t) => n + counts.value[t], 0));

  function rowAt(index: number): PersonRow | undefined {
    void version.value;
    return pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  async function fetchPage(page: number, gen: number) {
    const siteId = sites.currentId;
    if (!siteId) return;
    const key = `${gen}:${page}`;
    if (inflight.has(key)) return;
    inflight.add(key);
    try {
      const res = await api.invoke('people.list', {
        siteId,
        type: tab.value === 'all' ? undefined : tab.value,
        query: query.value.trim() || undefined,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      if (gen < shownGeneration || gen !== generation) return;
      if (gen > shownGeneration) {
        pages.clear();
        shownGeneration = gen;
      }
      pages.set(page, res.rows);
      evict(page);
      total.value = res.total;
      counts.value = { ...zeroCounts(), ...res.countsByType };
      loading.value = false;
      loaded.value = true;
      loadError.value = null;
      version.value++;
    } catch (err) {
      if (gen === generation) {
        loading.value = false;
        loadError.value = errorMessage(err);
        app.reportError(err);
      }
    } finally {
      inflight.delete(key);
      // A slot is free: fetch whatever is on screen now (the list may have moved on meanwhile).
      if (gen === generation) ensureRange(visible.start, visible.end);
    }
  }

  function evict(near: number) {
    if (pages.size <= MAX_PAGES) return;
    const far = [...pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const p of far.slice(0, pages.size - MAX_PAGES)) pages.delete(p);
  }

  /** The rows the list last showed, so a data refresh re-fetches what is on screen. */
  let visible = { start: 0, end: PAGE_SIZE };

  /** Makes sure rows [start, end) are loaded or on their way. */
  function ensureRange(start: number, end: number) {
    visible = { start, end };
    // A reload in flight already asked for what is on screen; wait for it.
    if (shownGeneration !== generation) return;
    const first = Math.max(0, Math.floor(start / PAGE_SIZE));
    const last = Math.floor(Math.max(start, end - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      if (inflight.size >= MAX_INFLIGHT) break;
      if (p * PAGE_SIZE >= total.value) break;
      if (!pages.has(p) && !inflight.has(`${generation}:${p}`)) void fetchPage(p, generation);
    }
  }

  /** New filter: start a generation and fetch the rows from `start` (0 after a filter change). */
  function reload(start = 0, end = PAGE_SIZE) {
    generation++;
    loading.value = true;
    const first = Math.floor(start / PAGE_SIZE);
    const last = Math.floor(Math.max(start, end - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) void fetchPage(p, generation);
  }

  /** The data changed underneath (a pass, another window): re-read what is on screen and the open person. */
  function refresh() {
    reload(visible.start, visible.end);
    if (selectedId.value) void openPerson(selectedId.value);
  }

  function setTab(t: PeopleTab) {
    if (tab.value === t) return;
    tab.value = t;
    reload();
  }

  function setQuery(q: string) {
    if (query.value === q) return;
    query.value = q;
    reload();
  }

  /** Site switched: forget everything. */
  function resetForSite() {
    pages.clear();
    shownGeneration = -1;
    total.value = 0;
    counts.value = zeroCounts();
    loaded.value = false;
    version.value++;
    closePerson();
    reload();
  }

  async function openPerson(id: string) {
    if (selectedId.value !== id) {
      adminSaved.value = null;
      adminError.value = null;
    }
    selectedId.value = id;
    detailError.value = null;
    if (detail.value?.id !== id) detailLoading.value = true;
    try {
      const p = await api.invoke('people.get', { id });
      if (selectedId.value !== id) return;
      const changed = detail.value?.id !== id || detail.value.updatedAt !== p.updatedAt || detail.value.lastSyncedAt !== p.lastSyncedAt;
      detail.value = p;
      // A new person, or the same one after a pass or an edit: the reasons may have changed too.
      if (changed || !explanation.value) void explain(id);
    } catch (err) {
      if (selectedId.value === id) {
        detail.value = null;
        detailError.value = err instanceof Error ? err.message : String(err);
      }
    } finally {
      if (selectedId.value === id) detailLoading.value = false;
    }
  }

  function closePerson() {
    selectedId.value = null;
    detail.value = null;
    detailError.value = null;
    explanation.value = null;
    explainError.value = null;
    adminError.value = null;
    adminSaved.value = null;
    explainGen++;
  }

  async function explain(id: string) {
    const gen = ++explainGen;
    if (explanation.value?.personId !== id) explanation.value = null;
    explainLoading.value = true;
    explainError.value = null;
    try {
      const e = await api.invoke('people.explain', { personId: id });
      if (gen === explainGen) explanation.value = e;
    } catch (err) {
      if (gen === explainGen) explainError.value = errorMessage(err);
    } finally {
      if (gen === explainGen) explainLoading.value = false;
    }
  }

  type AdminPatch = CallInput<'people.updateAdmin'>['patch'];

  /** Saves admin-owned fields of the open person; `what` names the change for the "Saved" line. */
  async function updateAdmin(patch: AdminPatch, what: string): Promise<boolean> {
    const id = selectedId.value;
    if (!id) return false;
    adminSaving.value = what;
    adminError.value = null;
    try {
      const p = await api.invoke('people.updateAdmin', { id, patch });
      if (selectedId.value === id) {
        detail.value = p;
        adminSaved.value = { what, at: Date.now() };
        void explain(id);
      }
      return true;
    } catch (err) {
      if (selectedId.value === id) adminError.value = errorMessage(err);
      return false;
    } finally {
      adminSaving.value = null;
    }
  }

  return {
    tab,
    query,
    total,
    counts,
    countAll,
    version,
    loading,
    loaded,
    loadError,
    selectedId,
    detail,
    detailLoading,
    detailError,
    explanation,
    explainLoading,
    explainError,
    adminSaving,
    adminError,
    adminSaved,
    rowAt,
    ensureRange,
    reload,
    refresh,
    setTab,
    setQuery,
    resetForSite,
    openPerson,
    closePerson,
    explain,
    updateAdmin,
  };
});
