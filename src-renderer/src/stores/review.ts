import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef } from 'vue';
import { api } from '../api';
import { ALERT_TYPES } from '../contract';
import type { AlertReviewRow, AlertType, DecideManyResult, DecideResult, DecisionOptions, Resolution } from '../contract';
import { errorMessage, withFullStop } from '../lib/format';
import { RESOLUTION_LABEL, isActionable, needsDecision } from '../lib/resolutions';
import { throttle } from '../lib/throttle';
import { useAppStore } from './app';
import { useSitesStore } from './sites';
import { newestLoad } from '../lib/newest-load';

export const PAGE_SIZE = 40;

export interface BulkOutcome {
  resolution: Resolution;
  result: DecideManyResult;
  /** Titles as they were when deciding: dismissed alerts leave the list. */
  titles: Record<string, string>;
}

const TYPE_RANK = new Map<AlertType, number>(ALERT_TYPES.map((t, i) => [t, i]));

function byReviewOrder(a: AlertReviewRow, b: AlertReviewRow): number {
  return (
    (TYPE_RANK.get(a.type) ?? 9) - (TYPE_RANK.get(b.type) ?? 9) ||
    a.openedAt.localeCompare(b.openedAt) ||
    a.title.localeCompare(b.title) ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

/**
 * The Alerts window's review list: open alerts (plus the decided ones still waiting to push, shown
 * in place), the filters, the multi-selection, the keyboard cursor and the decisions made from it.
 */
export const useReviewStore = defineStore('review', () => {
  const app = useAppStore();
  const sites = useSitesStore();

  const filters = reactive({ type: '' as AlertType | '', age: null as number | null, text: '' });
  const rows = shallowRef<AlertReviewRow[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const selected = shallowRef<ReadonlySet<string>>(new Set());
  /** Where the last plain click on a checkbox landed: shift-click selects from here. */
  const anchorId = ref<string | null>(null);
  const activeId = ref<string | null>(null);
  const detailId = ref<string | null>(null);
  const busyIds = shallowRef<ReadonlySet<string>>(new Set());
  const bulkBusy = ref(false);
  const bulk = shallowRef<BulkOutcome | null>(null);
  /**
   * The last decision that could not be recorded, in words, kept on screen until dismissed or the
   * next decision goes through: a toast fades while the manager is still looking at the list.
   */
  const decideError = ref<string | null>(null);
  /** Withdrawals in flight, by decision id: the button waits instead of sending a second one. */
  const withdrawing = shallowRef<ReadonlySet<string>>(new Set());
  /** Withdrawals that failed, by decision id: said next to the Withdraw button until one goes through. */
  const withdrawErrors = ref<Record<string, string>>({});
  const page = ref(0);
  /** Choices that apply to the buttons, the bulk bar and the keys alike. */
  const rememberDismiss = ref(true);
  const oldAccount = ref<'delete' | 'suspend'>('delete');
  const newest = newestLoad({ loading, error, loaded });

  const indexOf = computed(() => new Map(rows.value.map((r, i) => [r.id, i])));
  const openCount = computed(() => rows.value.reduce((n, r) => n + (r.status === 'open' ? 1 : 0), 0));
  const actionable = computed(() => rows.value.filter(isActionable));
  const pageCount = computed(() => Math.max(1, Math.ceil(rows.value.length / PAGE_SIZE)));
  const pageRows = computed(() => rows.value.slice(page.value * PAGE_SIZE, (page.value + 1) * PAGE_SIZE));
  const active = computed(() => (activeId.value ? (rows.value[indexOf.value.get(activeId.value) ?? -1] ?? null) : null));
  const detail = computed(() => (detailId.value ? (rows.value[indexOf.value.get(detailId.value) ?? -1] ?? null) : null));
  const filtered = computed(() => !!(filters.type || filters.age !== null || filters.text.trim()));
  /** Per type, how many alerts the filtered list holds (group headings show the whole count, not the page's). */
  const typeCounts = computed(() => {
    const out: Partial<Record<AlertType, number>> = {};
    for (const r of rows.value) out[r.type] = (out[r.type] ?? 0) + 1;
    return out;
  });

  /** `waiting`: only resolved alerts whose decision still waits to be pushed (found in SQL, however many resolved there are). */
  function query(status: 'open' | 'waiting') {
    const siteId = sites.currentId!;
    return api.invoke('alerts.query', {
      siteId,
      ...(status === 'waiting' ? { status: 'resolved' as const, pendingDecision: true as const } : { status }),
      ...(filters.type ? { type: filters.type } : {}),
      ...(filters.age !== null ? { olderThanDays: filters.age } : {}),
      ...(filters.text.trim() ? { text: filters.text.trim() } : {}),
    });
  }

  async function load() {
    if (!sites.currentId) return;
    // Decided alerts are closed in the core but their writes may not have gone out yet:
    // they stay in the list, in place, until pushed.
    await newest.run(
      () => Promise.all([query('open'), query('waiting')]),
      ([open, waiting]) => {
        rows.value = [...open, ...waiting].sort(byReviewOrder);
        prune();
      },
    );
  }
  const reloadNow = throttle(() => void load(), 300);
  /** Events re-read the list only once someone has opened it: other screens need just the count. */
  function reload() {
    if (loaded.value) reloadNow();
  }

  /** After a reload: forget selections of alerts that left, keep the cursor on a real row. */
  function prune() {
    const ids = indexOf.value;
    const keep = [...selected.value].filter((id) => {
      const i = ids.get(id);
      return i !== undefined && isActionable(rows.value[i]);
    });
    if (keep.length !== selected.value.size) selected.value = new Set(keep);
    if (activeId.value && !ids.has(activeId.value)) activeId.value = null;
    if (detailId.value && !ids.has(detailId.value)) detailId.value = null;
    if (page.value >= pageCount.value) page.value = pageCount.value - 1;
  }

  function setFilters(next: Partial<typeof filters>) {
    Object.assign(filters, next);
    page.value = 0;
    void load();
  }

  // ---- Cursor and pages ----

  function setActive(id: string | null) {
    activeId.value = id;
    const i = id ? indexOf.value.get(id) : undefined;
    if (i !== undefined) page.value = Math.floor(i / PAGE_SIZE);
  }

  /** The next (dir 1) or previous (-1) row from the cursor; with `onlyOpen`, only rows still needing a decision. */
  function step(dir: 1 | -1, onlyOpen = false): string | null {
    const list = rows.value;
    if (!list.length) return null;
    const from = activeId.value ? (indexOf.value.get(activeId.value) ?? -1) : dir === 1 ? -1 : list.length;
    for (let i = from + dir; i >= 0 && i < list.length; i += dir) {
      if (!onlyOpen || needsDecision(list[i])) return list[i].id;
    }
    return null;
  }

  function move(dir: 1 | -1) {
    const id = step(dir) ?? activeId.value ?? rows.value[0]?.id ?? null;
    setActive(id);
    if (detailId.value && id) detailId.value = id;
  }

  function setPage(p: number) {
    page.value = Math.max(0, Math.min(pageCount.value - 1, p));
    activeId.value = pageRows.value[0]?.id ?? null;
  }

  function openDetail(id: string | null) {
    detailId.value = id;
    if (id) setActive(id);
  }

  /** From a push summary: show this alert, clearing filters that hide it. */
  async function focus(alertId: string) {
    if (!indexOf.value.has(alertId) && filtered.value) {
      Object.assign(filters, { type: '', age: null, text: '' });
      await load();
    } else if (!indexOf.value.has(alertId)) {
      await load();
    }
    if (indexOf.value.has(alertId)) openDetail(alertId);
  }

  // ---- Selection ----

  function toggle(id: string, range = false) {
    const next = new Set(selected.value);
    const list = rows.value;
    const to = indexOf.value.get(id);
    const from = anchorId.value ? indexOf.value.get(anchorId.value) : undefined;
    if (range && from !== undefined && to !== undefined) {
      // Shift-click: the whole run between the anchor and here takes the anchor's state.
      const on = selected.value.has(anchorId.value!);
      for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
        if (!isActionable(list[i])) continue;
        if (on) next.add(list[i].id);
        else next.delete(list[i].id);
      }
    } else {
      if (next.has(id)) next.delete(id);
      else next.add(id);
      anchorId.value = id;
    }
    selected.value = next;
  }

  function selectAllFiltered(on: boolean) {
    selected.value = on ? new Set(actionable.value.map((r) => r.id)) : new Set();
  }

  // ---- Decisions ----

  /** The standing choices folded into a decision's options (the core ignores what does not apply). */
  function withPrefs(resolution: Resolution, options: DecisionOptions = {}): DecisionOptions {
    if (resolution === 'dismiss') return { remember: rememberDismiss.value, ...options };
    if (resolution === 'source-is-right') return { oldAccount: oldAccount.value, ...options };
    return options;
  }

  /** Shows the decision at once; the reload that follows brings the core's version of it. */
  function applyLocally(results: DecideResult[], resolution: Resolution) {
    const byId = new Map(results.map((r) => [r.alertId, r]));
    const at = new Date().toISOString();
    rows.value = rows.value.flatMap((row) => {
      const r = byId.get(row.id);
      if (!r || !r.ok) return [row];
      if (r.result === 'dismissed') return [];
      const base = { id: r.decisionId ?? 'local', resolution, actor: 'you', decidedAt: at, task: null, error: null };
      if (r.result === 'recorded') return [{ ...row, status: 'resolved' as const, decision: { ...base, status: 'pending' as const } }];
      if (r.result === 'task') return [{ ...row, decision: { ...base, status: 'awaiting_source' as const } }];
      return [row];
    });
    prune();
  }

  function setBusy(ids: string[], on: boolean) {
    const next = new Set(busyIds.value);
    for (const id of ids) {
      if (on) next.add(id);
      else next.delete(id);
    }
    busyIds.value = next;
  }

  async function decide(alertId: string, resolution: Resolution, options: DecisionOptions = {}): Promise<boolean> {
    if (busyIds.value.has(alertId)) return false;
    setBusy([alertId], true);
    try {
      const r = await api.invoke('decisions.decide', { alertId, resolution, options: withPrefs(resolution, options) });
      decideError.value = null;
      applyLocally([r], resolution);
      reload();
      return true;
    } catch (err) {
      const title = rows.value[indexOf.value.get(alertId) ?? -1]?.title ?? 'this alert';
      decideError.value = `Could not record “${RESOLUTION_LABEL[resolution]}” for ${title}: ${errorMessage(err)}`;
      return false;
    } finally {
      setBusy([alertId], false);
    }
  }

  async function decideMany(alertIds: string[], resolution: Resolution, options: DecisionOptions = {}) {
    if (!alertIds.length || bulkBusy.value) return;
    bulkBusy.value = true;
    const titles: Record<string, string> = {};
    for (const id of alertIds) titles[id] = rows.value[indexOf.value.get(id) ?? -1]?.title ?? id;
    try {
      const result = await api.invoke('decisions.decideMany', { alertIds, resolution, options: withPrefs(resolution, options) });
      decideError.value = null;
      applyLocally(result.results, resolution);
      // Whatever went through leaves the selection; what failed stays selected to try again.
      selected.value = new Set(result.results.filter((r) => !r.ok).map((r) => r.alertId));
      bulk.value = { resolution, result, titles };
      reload();
    } catch (err) {
      // Nothing was recorded: the selection stays as it was, to try again.
      decideError.value = `Could not record “${RESOLUTION_LABEL[resolution]}” for ${alertIds.length.toLocaleString()} alerts: ${errorMessage(err)}`;
    } finally {
      bulkBusy.value = false;
    }
  }

  function setWithdrawError(decisionId: string, text: string | null) {
    const next = { ...withdrawErrors.value };
    if (text) next[decisionId] = text;
    else delete next[decisionId];
    withdrawErrors.value = next;
  }

  async function cancel(decisionId: string) {
    if (withdrawing.value.has(decisionId)) return;
    withdrawing.value = new Set([...withdrawing.value, decisionId]);
    try {
      await api.invoke('decisions.cancel', { decisionId });
      setWithdrawError(decisionId, null);
      app.notify('The decision was withdrawn; the alert is open again.', 'success');
      await load();
    } catch (err) {
      setWithdrawError(decisionId, `Could not withdraw this decision: ${withFullStop(errorMessage(err))} It still stands.`);
    } finally {
      const next = new Set(withdrawing.value);
      next.delete(decisionId);
      withdrawing.value = next;
    }
  }

  function resetForSite() {
    const wasLoaded = loaded.value;
    rows.value = [];
    loaded.value = false;
    selected.value = new Set();
    activeId.value = null;
    detailId.value = null;
    bulk.value = null;
    withdrawErrors.value = {};
    page.value = 0;
    if (wasLoaded) void load();
  }

  return {
    filters,
    rows,
    loading,
    loaded,
    error,
    selected,
    activeId,
    detailId,
    busyIds,
    bulkBusy,
    bulk,
    decideError,
    withdrawing,
    withdrawErrors,
    page,
    rememberDismiss,
    oldAccount,
    indexOf,
    openCount,
    actionable,
    pageCount,
    pageRows,
    active,
    detail,
    filtered,
    typeCounts,
    load,
    reload,
    setFilters,
    setActive,
    step,
    move,
    setPage,
    openDetail,
    focus,
    toggle,
    selectAllFiltered,
    decide,
    decideMany,
    cancel,
    resetForSite,
  };
});
