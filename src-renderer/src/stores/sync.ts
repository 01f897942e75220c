import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api';
import type { EventMap, SyncRunDto } from '../contract';
import { errorMessage } from '../lib/format';
import { useAppStore } from './app';
import { useSitesStore } from './sites';

export type SyncPhase = 'idle' | 'running' | 'complete' | 'failed' | 'held';

/** How long "Sync complete" / "Sync failed" stays in the header. */
const RESULT_MS = 5000;

export const useSyncStore = defineStore('sync', () => {
  const app = useAppStore();
  const sites = useSitesStore();
  const phase = ref<SyncPhase>('idle');
  const done = ref(0);
  const total = ref(0);
  const error = ref<string | null>(null);
  const lastRuns = ref<Record<string, SyncRunDto | null>>({});
  let resultTimer: ReturnType<typeof setTimeout> | undefined;

  const lastRun = computed(() => (sites.currentId ? (lastRuns.value[sites.currentId] ?? null) : null));

  /** The newer of the site's stored time and the last finished run we heard about. */
  const lastSyncAt = computed<string | null>(() => {
    const fromSite = sites.current?.lastSyncAt ?? null;
    const run = lastRun.value;
    const fromRun = run && run.status === 'complete' ? run.finishedAt : null;
    if (!fromSite) return fromRun;
    if (!fromRun) return fromSite;
    return Date.parse(fromRun) > Date.parse(fromSite) ? fromRun : fromSite;
  });

  const percent = computed(() => (total.value > 0 ? Math.min(100, (done.value / total.value) * 100) : 0));

  function resetForSite() {
    clearTimeout(resultTimer);
    phase.value = 'idle';
    done.value = 0;
    total.value = 0;
    error.value = null;
  }

  function finish(run: SyncRunDto) {
    // A "running" snapshot can arrive after the finished event for the same pass; keep the newer.
    const known = lastRuns.value[run.siteId];
    if (run.status === 'running' && known?.id === run.id && known.status !== 'running') return;
    lastRuns.value = { ...lastRuns.value, [run.siteId]: run };
    if (run.siteId !== sites.currentId) return;
    if (run.status === 'running') return;
    clearTimeout(resultTimer);
    if (run.status === 'discarded') {
      phase.value = 'idle';
      return;
    }
    // Only announce a change of state: the same run can be reported twice (reply and event).
    if (run.status === 'failed' && (phase.value !== 'failed' || error.value !== run.error)) {
      app.notify(`Sync failed${run.error ? `: ${run.error}` : ''}`, 'error');
    }
    phase.value = run.status === 'failed' ? 'failed' : run.status === 'held' ? 'held' : 'complete';
    error.value = run.error;
    done.value = run.done;
    total.value = run.total;
    if (run.status === 'complete' && run.finishedAt) sites.patch(run.siteId, { lastSyncAt: run.finishedAt, lastSyncStatus: run.status });
    resultTimer = setTimeout(() => {
      if (phase.value !== 'running') phase.value = 'idle';
    }, RESULT_MS);
  }

  async function runNow() {
    const siteId = sites.currentId;
    if (!siteId || phase.value === 'running') return;
    clearTimeout(resultTimer);
    phase.value = 'running';
    done.value = 0;
    total.value = 0;
    error.value = null;
    try {
      const runs = await api.invoke('sync.runNow', { siteId });
      // The call may return when the pass ends or as soon as it starts; sync.finished covers the latter.
      const run = runs.find((r) => r.siteId === siteId);
      if (run) finish(run);
    } catch (err) {
      if (sites.currentId !== siteId) return;
      phase.value = 'failed';
      error.value = errorMessage(err);
      app.reportError(err);
      resultTimer = setTimeout(() => (phase.value = 'idle'), RESULT_MS);
    }
  }

  async function loadLastRun() {
    const siteId = sites.currentId;
    if (!siteId) return;
    try {
      const run = await api.invoke('sync.lastRun', { siteId });
      lastRuns.value = { ...lastRuns.value, [siteId]: run };
      // A pass started elsewhere (schedule, CLI, another window) shows as running here too.
      if (run?.status === 'running' && sites.currentId === siteId) {
        phase.value = 'running';
        done.value = run.done;
        total.value = run.total;
      }
    } catch {
      // The header falls back to the site's own last-sync time; nothing worth a toast.
    }
  }

  function onProgress(p: EventMap['sync.progress']) {
    if (p.siteId !== sites.currentId) return;
    clearTimeout(resultTimer);
    phase.value = 'running';
    done.value = p.done;
    total.value = p.total;
  }

  function onFinished(p: EventMap['sync.finished']) {
    finish(p.run);
  }

  return {
    phase,
    done,
    total,
    percent,
    error,
    lastRun,
    lastSyncAt,
    runNow,
    loadLastRun,
    resetForSite,
    onProgress,
    onFinished,
  };
});
