import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api';
import type { EventMap, SyncRunDto } from '../contract';
import { errorMessage, withFullStop } from '../lib/format';
import { useAppStore } from './app';
import { useSitesStore } from './sites';

export type SyncPhase = 'idle' | 'running' | 'complete' | 'failed' | 'held';

/** How long "Sync complete" / "Sync failed" stays in the header. "Held for review" stays until decided. */
const RESULT_MS = 5000;

export const useSyncStore = defineStore('sync', () => {
  const app = useAppStore();
  const sites = useSitesStore();
  const phase = ref<SyncPhase>('idle');
  const done = ref(0);
  const total = ref(0);
  const error = ref<string | null>(null);
  /** The last real (not dry-run) pass per site. */
  const lastRuns = ref<Record<string, SyncRunDto | null>>({});
  /** The pass the progress bar is following, so a dry run's end does not end a real pass's bar. */
  let followingRunId: string | null = null;
  let resultTimer: ReturnType<typeof setTimeout> | undefined;

  /** A dry run started from this window: its answer is the preview, not a sync. */
  const dryRunning = ref(false);
  const dryRunResult = shallowRef<SyncRunDto | null>(null);
  const dryRunError = ref<string | null>(null);

  /** Approve / discard of a held pass in flight. */
  const deciding = ref<'approve' | 'discard' | null>(null);
  /** Why the last approve/discard failed, said inside the review dialog (a toast sits under its backdrop). */
  const heldError = ref<string | null>(null);
  const reviewOpen = ref(false);
  /**
   * Why the last Sync now (or All sites) did not go through, kept under the header until a pass
   * goes through or someone closes it: the header's own "Sync failed" and a toast both fade, and
   * on a shared front desk nobody may be looking at that moment. `siteId` null: all sites.
   */
  const failure = ref<{ siteId: string | null; text: string; retry: 'site' | 'all' } | null>(null);

  const lastRun = computed(() => (sites.currentId ? (lastRuns.value[sites.currentId] ?? null) : null));
  /** The site's last pass, when the mass-change guard stopped it and a manager has to decide. */
  const heldRun = computed(() => (lastRun.value?.status === 'held' ? lastRun.value : null));

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
  /** The failure that concerns the site on screen (one about another site waits for its own). */
  const shownFailure = computed(() => {
    const f = failure.value;
    return f && (f.siteId === null || f.siteId === sites.currentId) ? f : null;
  });

  /** What the header shows when no pass is running: a held pass keeps saying so. */
  function restingPhase(): SyncPhase {
    return heldRun.value ? 'held' : 'idle';
  }

  function resetForSite() {
    clearTimeout(resultTimer);
    phase.value = 'idle';
    done.value = 0;
    total.value = 0;
    error.value = null;
    followingRunId = null;
    dryRunResult.value = null;
    dryRunError.value = null;
    reviewOpen.value = false;
  }

  function finish(run: SyncRunDto) {
    if (run.dryRun) {
      // A preview changes nothing; it only ends the progress bar if that bar was following it.
      if (run.siteId === sites.currentId && phase.value === 'running' && followingRunId === run.id) phase.value = restingPhase();
      return;
    }
    // A "running" snapshot can arrive after the finished event for the same pass; keep the newer.
    const known = lastRuns.value[run.siteId];
    if (run.status === 'running' && known?.id === run.id && known.status !== 'running') return;
    lastRuns.value = { ...lastRuns.value, [run.siteId]: run };
    if (run.siteId !== sites.currentId) return;
    if (run.status === 'running') return;
    clearTimeout(resultTimer);
    if (run.status === 'discarded') {
      phase.value = 'idle';
      reviewOpen.value = false;
      return;
    }
    if (run.status === 'failed' && run.trigger === 'manual') {
      // A pass someone asked for: said under the header until one goes through (no toast too).
      // A failed pass rolled back, so "nothing was changed" is what the engine guarantees.
      failure.value = { siteId: run.siteId, text: `The sync failed: ${withFullStop(run.error ?? 'no reason was given.')} Nothing was changed.`, retry: 'site' };
    } else if (run.status === 'failed' && (phase.value !== 'failed' || error.value !== run.error)) {
      // Only announce a change of state: the same run can be reported twice (reply and event).
      app.notify(`Sync failed${run.error ? `: ${run.error}` : ''}`, 'error');
    }
    // A pass that went through (or was held for review: it ran) settles this site's failure.
    if ((run.status === 'complete' || run.status === 'held') && failure.value?.siteId === run.siteId) failure.value = null;
    phase.value = run.status === 'failed' ? 'failed' : run.status === 'held' ? 'held' : 'complete';
    error.value = run.error;
    done.value = run.done;
    total.value = run.total;
    if (run.status === 'complete' && run.finishedAt) sites.patch(run.siteId, { lastSyncAt: run.finishedAt, lastSyncStatus: run.status });
    if (run.status === 'held') return;
    if (reviewOpen.value) reviewOpen.value = false;
    resultTimer = setTimeout(() => {
      if (phase.value !== 'running') phase.value = restingPhase();
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
      // The call itself failed. Whether a pass ran is not known here (a dropped connection can
      // lose the answer of one that did), so it claims nothing; a pass that ends clears it. Kept
      // for this site even if the user switched away meanwhile: it shows again when they are back.
      failure.value = { siteId, text: `Could not start the sync: ${withFullStop(errorMessage(err))}`, retry: 'site' };
      if (sites.currentId !== siteId) return;
      phase.value = 'failed';
      error.value = errorMessage(err);
      resultTimer = setTimeout(() => (phase.value = restingPhase()), RESULT_MS);
    }
  }

  /** One pass per site, one after another; the header shows how the current site's went. */
  async function runAll() {
    if (phase.value === 'running') return;
    const siteId = sites.currentId;
    clearTimeout(resultTimer);
    phase.value = 'running';
    done.value = 0;
    total.value = 0;
    error.value = null;
    try {
      const runs = await api.invoke('sync.runNow', {});
      const failed = runs.filter((r) => r.status === 'failed');
      const run = runs.find((r) => r.siteId === siteId);
      if (run) finish(run);
      if (failed.length) {
        const which = failed.map((r) => `${sites.sites.find((s) => s.id === r.siteId)?.name ?? 'a removed site'}: ${withFullStop(r.error ?? 'no reason was given.')}`);
        failure.value = {
          siteId: null,
          text: `${failed.length} of ${runs.length} sites failed to sync, and nothing was changed at ${failed.length === 1 ? 'it' : 'those'}. ${which.join(' ')}`,
          retry: 'all',
        };
      } else if (failure.value) {
        failure.value = null;
      }
    } catch (err) {
      failure.value = { siteId: null, text: `Could not start the sync of all sites: ${withFullStop(errorMessage(err))}`, retry: 'all' };
      phase.value = 'failed';
      error.value = errorMessage(err);
      resultTimer = setTimeout(() => (phase.value = restingPhase()), RESULT_MS);
    }
  }

  /** Runs the whole pass without applying it and keeps what it would have done. */
  async function dryRun() {
    const siteId = sites.currentId;
    if (!siteId || dryRunning.value) return;
    dryRunning.value = true;
    dryRunError.value = null;
    try {
      const runs = await api.invoke('sync.runNow', { siteId, dryRun: true });
      if (sites.currentId !== siteId) return;
      const run = runs.find((r) => r.siteId === siteId) ?? null;
      if (run && !run.dryRun) {
        // A real pass was already running and the request joined it: that is not a preview.
        finish(run);
        dryRunError.value = 'A sync was already running, so nothing was previewed. Try again now that it has finished.';
      } else if (run?.status === 'failed') {
        dryRunError.value = run.error ?? 'The preview failed.';
      } else {
        dryRunResult.value = run;
      }
    } catch (err) {
      if (sites.currentId === siteId) dryRunError.value = errorMessage(err);
    } finally {
      dryRunning.value = false;
    }
  }

  /** Runs again whatever failed: this site's Sync now, or the pass over all sites. */
  function retryFailed() {
    if (failure.value?.retry === 'all') void runAll();
    else void runNow();
  }

  function clearDryRun() {
    dryRunResult.value = null;
    dryRunError.value = null;
  }

  /**
   * Approve and discard differ only in the call and in what is said afterwards. On failure the
   * last run is read again, so the banner shows what the core now holds.
   */
  async function decideHeld(
    kind: 'approve' | 'discard',
    call: (runId: string) => Promise<SyncRunDto>,
    say: (result: SyncRunDto) => void,
  ): Promise<boolean> {
    const run = heldRun.value;
    if (!run || deciding.value) return false;
    deciding.value = kind;
    heldError.value = null;
    try {
      const result = await call(run.id);
      finish(result);
      say(result);
      return true;
    } catch (err) {
      heldError.value = `Could not ${kind} the held pass: ${errorMessage(err)} Nothing was changed.`;
      void loadLastRun();
      return false;
    } finally {
      deciding.value = null;
    }
  }

  function approveHeld(): Promise<boolean> {
    return decideHeld(
      'approve',
      (runId) => api.invoke('sync.approveHeld', { runId }),
      (result) => {
        if (result.status === 'complete') app.notify('Approved: the held pass was applied.', 'success');
        else if (result.status === 'held') app.notify('Held again: the sources changed since the preview. Review it once more.', 'info');
      },
    );
  }

  function discardHeld(): Promise<boolean> {
    return decideHeld(
      'discard',
      (runId) => api.invoke('sync.discardHeld', { runId }),
      () => app.notify('Discarded: nothing from the held pass was applied.', 'success'),
    );
  }

  async function loadLastRun() {
    const siteId = sites.currentId;
    if (!siteId) return;
    try {
      const run = await api.invoke('sync.lastRun', { siteId });
      lastRuns.value = { ...lastRuns.value, [siteId]: run };
      if (sites.currentId !== siteId) return;
      // A pass started elsewhere (schedule, CLI, another window) shows as running here too.
      if (run?.status === 'running') {
        phase.value = 'running';
        followingRunId = run.id;
        done.value = run.done;
        total.value = run.total;
      } else if (run?.status === 'held' && phase.value !== 'running') {
        phase.value = 'held';
      } else if (phase.value === 'held') {
        phase.value = 'idle';
      }
    } catch {
      // The header falls back to the site's own last-sync time; nothing worth a toast.
    }
  }

  function onProgress(p: EventMap['sync.progress']) {
    if (p.siteId !== sites.currentId) return;
    // Our own preview reports progress too; it is not a sync, so the header stays as it is.
    if (dryRunning.value && phase.value !== 'running') return;
    clearTimeout(resultTimer);
    phase.value = 'running';
    followingRunId = p.runId;
    done.value = p.done;
    total.value = p.total;
  }

  function onFinished(p: EventMap['sync.finished']) {
    finish(p.run);
  }

  return {
    runAll,
    phase,
    done,
    total,
    percent,
    error,
    lastRun,
    heldRun,
    lastSyncAt,
    dryRunning,
    dryRunResult,
    dryRunError,
    deciding,
    heldError,
    reviewOpen,
    failure,
    shownFailure,
    retryFailed,
    runNow,
    dryRun,
    clearDryRun,
    approveHeld,
    discardHeld,
    loadLastRun,
    resetForSite,
    onProgress,
    onFinished,
  };
});
