import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { api } from '../api';
import type {
  EventMap,
  LocationAction,
  LocationActionResult,
  LocationDifferenceDto,
  LocationDto,
  LocationEventDto,
  LocationEventsPage,
} from '../contract';
import { useAppStore } from './app';
import { useSitesStore } from './sites';
import { newestLoad } from '../lib/newest-load';
import { errorMessage } from '../lib/format';

const SELECTED_KEY = 'rollcall.location';
const EVENTS_PAGE = 50;

export type ProgressRow = EventMap['locations.progress'];

export interface RunView {
  runId: string | null;
  action: LocationAction;
  all: boolean;
  /** Per location, in the order the core works through them. */
  rows: Map<string, ProgressRow>;
  finished: boolean;
  results: LocationActionResult[];
}

function remembered(siteId: string | null): string | null {
  try {
    return siteId ? localStorage.getItem(`${SELECTED_KEY}.${siteId}`) : null;
  } catch {
    return null;
  }
}

/**
 * Alarm-panel locations of the current site, the SELECTED location (the Events tab always
 * shows that one and says so), per-location progress of a running action, the selected
 * location's differences and its event log.
 */
export const useLocationsStore = defineStore('locations', () => {
  const app = useAppStore();
  const sites = useSitesStore();

  const locations = shallowRef<LocationDto[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const selectedId = ref<string | null>(null);
  const selected = computed(() => locations.value.find((l) => l.id === selectedId.value) ?? null);

  const run = shallowRef<RunView | null>(null);
  /** Actions this window started and is waiting on, per location id ('*' for all). */
  const pending = ref<Record<string, LocationAction>>({});

  const events = shallowRef<LocationEventDto[]>([]);
  const eventsFor = ref<LocationEventsPage['location'] | null>(null);
  const eventsHasMore = ref(false);
  const eventsLoading = ref(false);
  const eventsError = ref<string | null>(null);

  const differences = shallowRef<LocationDifferenceDto[]>([]);
  const panelReportedAt = ref<string | null>(null);
  const differencesFor = ref<string | null>(null);
  const resolving = ref<string | null>(null);
  /**
   * Said in the differences panel and kept there until the next read goes through: without it an
   * unread list looks exactly like "the panel and the service agree".
   */
  const differencesError = ref<{ locationId: string; text: string } | null>(null);
  /**
   * A fix that failed, per `locationId|differenceId`, with the service's or core's words: said on
   * its row until a fix of that difference goes through.
   */
  const resolveErrors = ref<Record<string, { resolution: 'push' | 'accept-panel'; message: string }>>({});

  const newest = newestLoad({ loading, error, loaded });

  function select(id: string | null) {
    selectedId.value = id;
    try {
      if (id && sites.currentId) localStorage.setItem(`${SELECTED_KEY}.${sites.currentId}`, id);
    } catch {
      // Not remembering the choice is fine.
    }
  }

  async function load() {
    const siteId = sites.currentId;
    if (!siteId) return;
    await newest.run(
      () => api.invoke('locations.list', { siteId }),
      (list) => {
        locations.value = list;
        if (!list.some((l) => l.id === selectedId.value)) {
          const saved = remembered(siteId);
          select(list.find((l) => l.id === saved)?.id ?? list[0]?.id ?? null);
        }
      },
    );
  }

  async function loadEvents(more = false) {
    const locationId = selectedId.value;
    if (!locationId) {
      events.value = [];
      eventsFor.value = null;
      return;
    }
    const before = more ? events.value[events.value.length - 1]?.id : undefined;
    eventsLoading.value = true;
    try {
      const page = await api.invoke('locations.events', { locationId, limit: EVENTS_PAGE, before });
      // The answer is for the location it names; drop it if the selection moved on meanwhile.
      if (page.location.id !== selectedId.value) return;
      eventsFor.value = page.location;
      events.value = more ? [...events.value, ...page.rows] : page.rows;
      eventsHasMore.value = page.hasMore;
      eventsError.value = null;
    } catch (err) {
      eventsError.value = err instanceof Error ? err.message : String(err);
    } finally {
      eventsLoading.value = false;
    }
  }

  async function loadDifferences() {
    const locationId = selectedId.value;
    if (!locationId) return;
    try {
      const out = await api.invoke('locations.differences', { locationId });
      if (out.locationId !== selectedId.value) return;
      differences.value = out.rows;
      panelReportedAt.value = out.panelReportedAt;
      differencesFor.value = out.locationId;
      if (differencesError.value?.locationId === locationId) differencesError.value = null;
    } catch (err) {
      if (locationId !== selectedId.value) return;
      const name = locations.value.find((l) => l.id === locationId)?.name ?? 'this location';
      differencesError.value = { locationId, text: `Could not read the differences for ${name}: ${errorMessage(err)}` };
    }
  }

  const ACTION_CALL = { syncUsers: 'locations.syncUsers', syncPanel: 'locations.syncPanel', refresh: 'locations.refresh' } as const;
  const DONE_WORD: Record<LocationAction, string> = { syncUsers: 'User sync', syncPanel: 'Panel sync', refresh: 'Refresh', resolve: 'Resolve' };

  /** One location, or all of them (locationId null): per-location progress arrives as events. */
  async function act(action: 'syncUsers' | 'syncPanel' | 'refresh', locationId: string | null) {
    const siteId = sites.currentId;
    if (!siteId) return;
    const key = locationId ?? '*';
    if (pending.value[key]) return;
    pending.value = { ...pending.value, [key]: action };
    const targets = locationId ? locations.value.filter((l) => l.id === locationId) : locations.value;
    run.value = {
      runId: null,
      action,
      all: !locationId,
      rows: new Map(targets.map((l, i) => [l.id, { siteId, runId: '', action, locationId: l.id, locationName: l.name, state: 'running', done: i, total: targets.length, message: 'Waiting…' }])),
      finished: false,
      results: [],
    };
    try {
      const args = locationId ? { locationId } : { siteId, all: true as const };
      const out = await api.invoke(ACTION_CALL[action], args);
      const current = run.value;
      if (current && current.action === action) {
        const rows = new Map(current.rows);
        for (const r of out.results) {
          rows.set(r.locationId, { ...(rows.get(r.locationId) as ProgressRow), state: r.ok ? 'done' : 'failed', message: r.summary });
        }
        run.value = { ...current, runId: out.runId, rows, finished: true, results: out.results };
      }
      const failed = out.results.filter((r) => !r.ok).length;
      const partial = out.results.filter((r) => r.result === 'partial').length;
      const where = locationId ? out.results[0]?.locationName ?? 'the location' : `${out.results.length} locations`;
      if (failed) app.notify(`${DONE_WORD[action]} at ${where}: ${failed} failed. See the event log.`, 'error');
      else if (partial) app.notify(`${DONE_WORD[action]} at ${where} finished with problems. See the event log.`, 'info');
      else app.notify(`${DONE_WORD[action]} at ${where} finished. Check the event log to confirm.`, 'success');
    } catch (err) {
      app.reportError(err);
      if (run.value) run.value = { ...run.value, finished: true };
    } finally {
      const next = { ...pending.value };
      delete next[key];
      pending.value = next;
      void load();
      void loadEvents();
      void loadDifferences();
    }
  }

  function setResolveError(key: string, value: { resolution: 'push' | 'accept-panel'; message: string } | null) {
    const next = { ...resolveErrors.value };
    if (value) next[key] = value;
    else delete next[key];
    resolveErrors.value = next;
  }

  async function resolve(differenceId: string, resolution: 'push' | 'accept-panel') {
    const locationId = selectedId.value;
    if (!locationId || resolving.value) return;
    resolving.value = differenceId;
    const key = `${locationId}|${differenceId}`;
    try {
      const out = await api.invoke('locations.resolveDifference', { locationId, differenceId, resolution });
      if (out.ok) {
        setResolveError(key, null);
        app.notify(out.summary, 'success');
      } else {
        // The service answered but the fix did not take: its own words, on the row.
        setResolveError(key, { resolution, message: out.summary });
      }
    } catch (err) {
      setResolveError(key, { resolution, message: errorMessage(err) });
    } finally {
      resolving.value = null;
      void load();
      void loadDifferences();
      void loadEvents();
    }
  }

  function onProgress(p: ProgressRow) {
    if (p.siteId !== sites.currentId) return;
    const current = run.value;
    if (current && !current.finished && current.action === p.action && current.rows.has(p.locationId)) {
      const rows = new Map(current.rows);
      rows.set(p.locationId, p);
      run.value = { ...current, runId: p.runId, rows };
    }
    // Show the busy state on the card at once, whoever started the action.
    locations.value = locations.value.map((l) => (l.id === p.locationId ? { ...l, busy: p.state === 'running' ? p.action : null } : l));
  }

  let reloadTimer: ReturnType<typeof setTimeout> | null = null;
  function onChanged(p: EventMap['locations.changed']) {
    if (p.siteId !== sites.currentId) return;
    if (reloadTimer) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      void load();
      if (!p.locationId || p.locationId === selectedId.value) {
        void loadEvents();
        void loadDifferences();
      }
    }, 300);
  }

  api.on('locations.progress', onProgress);
  api.on('locations.changed', onChanged);

  function resetForSite() {
    newest.stale();
    locations.value = [];
    loaded.value = false;
    error.value = null;
    selectedId.value = null;
    run.value = null;
    events.value = [];
    eventsFor.value = null;
    differences.value = [];
    differencesFor.value = null;
    differencesError.value = null;
    resolveErrors.value = {};
    void load();
  }

  watch(selectedId, () => {
    events.value = [];
    eventsFor.value = null;
    differences.value = [];
    differencesFor.value = null;
    differencesError.value = null;
    void loadEvents();
    void loadDifferences();
  });

  return {
    locations,
    loaded,
    loading,
    error,
    selectedId,
    selected,
    run,
    pending,
    events,
    eventsFor,
    eventsHasMore,
    eventsLoading,
    eventsError,
    differences,
    panelReportedAt,
    differencesFor,
    resolving,
    differencesError,
    resolveErrors,
    select,
    load,
    loadEvents,
    loadDifferences,
    act,
    resolve,
    resetForSite,
  };
});
