import { defineStore } from 'pinia';
import { computed, shallowRef, watch } from 'vue';
import { api } from '../api';
import type { CallOutput } from '../contract';
import { relativeTime } from '../lib/format';
import { throttle } from '../lib/throttle';
import { useAppStore } from './app';

type BackupStatus = CallOutput<'app.backupStatus'>;

/** Backups are written daily; two days without one, while Rollcall was running, is worth a look. */
export const BACKUP_OVERDUE_MS = 2 * 24 * 60 * 60_000;

export interface BackupProblem {
  kind: 'failed' | 'overdue';
  /** A few words for the header. */
  label: string;
  /** The whole sentence, for its tooltip and screen readers. */
  detail: string;
}

/**
 * Whether the database backups need a manager's look, for the header: the last attempt failed
 * (disk full, folder not writable), or no backup has been written for two days while this window
 * was open. Only managers read it; the core refuses app.backupStatus to front desk. Re-read when
 * the core says it tried a backup (app.backupChanged) and after events may have been missed.
 */
export const useBackupStore = defineStore('backup', () => {
  const app = useAppStore();
  const status = shallowRef<BackupStatus | null>(null);
  /**
   * "While Rollcall was running": a backup that is old only because the app was closed is not
   * overdue (a core that starts backs up at once). The window counts from when it opened.
   */
  const watchingSince = Date.now();
  let generation = 0;

  const isManager = computed(() => !!app.info && app.info.role !== 'frontDesk');

  async function load() {
    const gen = ++generation;
    if (!isManager.value) {
      status.value = null;
      return;
    }
    try {
      const s = await api.invoke('app.backupStatus', {});
      if (gen === generation) status.value = s;
    } catch {
      // Kept quiet here: the header is no place for it, and Settings → Backups says why it cannot read the status.
    }
  }

  const reload = throttle(() => void load(), 300);
  api.on('app.backupChanged', () => reload());
  // Attempts made while the connection was down, or by a restarted core, were not heard.
  let dropped = false;
  api.onStatus((s) => {
    if (s === 'reconnecting' || s === 'unreachable') dropped = true;
    else if (s === 'open' && dropped) {
      dropped = false;
      reload();
    }
  });
  api.on('core.status', (s) => s.state === 'ready' && reload());
  // The role arrives with app.info, after the store is made.
  watch(isManager, () => void load(), { immediate: true });

  const problem = computed<BackupProblem | null>(() => {
    const s = status.value;
    if (!s) return null;
    if (s.lastFailure) {
      return {
        kind: 'failed',
        label: 'Backup failed',
        detail: `The last backup failed ${relativeTime(s.lastFailure.at, app.now)}: ${s.lastFailure.message}`,
      };
    }
    const lastAt = s.last ? Date.parse(s.last.at) : Number.NEGATIVE_INFINITY;
    if (app.now - Math.max(lastAt, watchingSince) <= BACKUP_OVERDUE_MS) return null;
    return {
      kind: 'overdue',
      label: 'Backup overdue',
      detail: s.last
        ? `The last backup was written on ${relativeTime(s.last.at, app.now)}, although Rollcall writes one every day.`
        : 'No backup has been written yet, although Rollcall writes one every day.',
    };
  });

  return { status, problem, load };
});
