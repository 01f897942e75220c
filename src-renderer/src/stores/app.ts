import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api';
import type { ConnectionStatus } from '../api';
import type { AppInfo } from '../contract';
import { errorMessage } from '../lib/format';

export interface Toast {
  id: number;
  tone: 'error' | 'info' | 'success';
  text: string;
}

const TOAST_MS = 6000;

/** Connection state, app info, a ticking clock for relative times, and toasts. */
export const useAppStore = defineStore('app', () => {
  const connection = ref<ConnectionStatus>(api.status());
  const info = ref<AppInfo | null>(null);
  /** Bumped every 15 s so "2 min ago" labels stay true without each one running a timer. */
  const now = ref(Date.now());
  const toasts = ref<Toast[]>([]);
  let nextToast = 1;

  setInterval(() => (now.value = Date.now()), 15_000);
  api.onStatus((s) => (connection.value = s));

  function dismiss(id: number) {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  function notify(text: string, tone: Toast['tone'] = 'info') {
    // The same failure repeated (e.g. every list refresh while offline) shows once.
    if (toasts.value.some((t) => t.text === text && t.tone === tone)) return;
    const id = nextToast++;
    toasts.value = [...toasts.value.slice(-3), { id, tone, text }];
    setTimeout(() => dismiss(id), TOAST_MS);
  }

  /** Every failed call ends here unless a view shows the error inline. */
  function reportError(err: unknown) {
    // While the socket is down, the banner already explains; no toast per call.
    if (connection.value === 'reconnecting' || connection.value === 'unreachable') return;
    notify(errorMessage(err), 'error');
  }

  async function loadInfo() {
    try {
      info.value = await api.invoke('app.info', {});
    } catch (err) {
      reportError(err);
    }
  }

  return { connection, info, now, toasts, notify, dismiss, reportError, loadInfo };
});
