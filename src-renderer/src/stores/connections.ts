import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import { api } from '../api';
import type { CallInput, ConnectionDto, ConnectionKinds, ConnectionTestResult, ConnectionsList, DeliveryDto } from '../contract';
import { errorMessage } from '../lib/format';
import { useAppStore } from './app';
import { useSitesStore } from './sites';

/**
 * The site's sources and access systems (the connections page and the Sync menus), the adapter
 * kinds the forms are built from, and per-person delivery state. Secrets only ever travel
 * from here to the core, never back: the core answers with which secret fields are set.
 */
export const useConnectionsStore = defineStore('connections', () => {
  const app = useAppStore();
  const sites = useSitesStore();

  const kinds = shallowRef<ConnectionKinds | null>(null);
  const list = shallowRef<ConnectionsList | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  /** Live test results by connection id ('new' for a form not saved yet). */
  const tests = ref<Record<string, ConnectionTestResult & { running?: boolean }>>({});
  const testing = ref<Set<string>>(new Set());

  /** Delivery state of the open person, by person id. */
  const deliveries = ref<Record<string, DeliveryDto[]>>({});
  /** "personId|accessSystemId" of re-syncs under way. */
  const resyncing = ref<Set<string>>(new Set());

  async function loadKinds() {
    if (kinds.value) return;
    try {
      kinds.value = await api.invoke('connections.kinds', {});
    } catch (err) {
      app.reportError(err);
    }
  }

  async function load() {
    const siteId = sites.currentId;
    if (!siteId) return;
    loading.value = true;
    loadError.value = null;
    try {
      const out = await api.invoke('connections.list', { siteId });
      if (siteId === sites.currentId) list.value = out;
    } catch (err) {
      loadError.value = errorMessage(err);
    } finally {
      loading.value = false;
    }
  }

  function resetForSite() {
    list.value = null;
    tests.value = {};
    deliveries.value = {};
  }
  // Another site: its connections are different ones (the views re-ask when they show).
  watch(
    () => [sites.currentId, sites.epoch],
    () => resetForSite(),
  );

  async function add(input: CallInput<'connections.add'>): Promise<ConnectionDto> {
    const out = await api.invoke('connections.add', input);
    await load();
    return out;
  }

  async function update(input: CallInput<'connections.update'>): Promise<ConnectionDto> {
    const out = await api.invoke('connections.update', input);
    await load();
    return out;
  }

  async function remove(id: string) {
    const out = await api.invoke('connections.remove', { id });
    delete tests.value[id];
    await load();
    return out;
  }

  /** Tests a saved connection (`{ id }`) or a form's draft; the result is kept under `key`. */
  async function test(key: string, input: CallInput<'connections.test'>) {
    testing.value = new Set([...testing.value, key]);
    try {
      const result = await api.invoke('connections.test', input);
      tests.value = { ...tests.value, [key]: result };
    } catch (err) {
      tests.value = { ...tests.value, [key]: { ok: false, message: errorMessage(err), at: new Date().toISOString() } };
    } finally {
      const next = new Set(testing.value);
      next.delete(key);
      testing.value = next;
    }
  }

  function clearTest(key: string) {
    const next = { ...tests.value };
    delete next[key];
    tests.value = next;
  }

  async function loadDeliveries(personId: string) {
    try {
      const out = await api.invoke('people.deliveries', { personId });
      deliveries.value = { ...deliveries.value, [personId]: out };
    } catch (err) {
      app.reportError(err);
    }
  }

  /** Pushes one person to one access system and says how it went, in a toast. */
  async function resync(personId: string, accessSystemId: string) {
    const key = `${personId}|${accessSystemId}`;
    if (resyncing.value.has(key)) return;
    resyncing.value = new Set([...resyncing.value, key]);
    try {
      const out = await api.invoke('people.resync', { personId, accessSystemId });
      app.notify(out.message, out.ok ? 'success' : 'error');
      const current = deliveries.value[personId];
      if (current) {
        deliveries.value = {
          ...deliveries.value,
          [personId]: current.map((d) => (d.accessSystemId === accessSystemId ? out.delivery : d)),
        };
      }
      void loadDeliveries(personId);
    } catch (err) {
      app.reportError(err);
    } finally {
      const next = new Set(resyncing.value);
      next.delete(key);
      resyncing.value = next;
    }
  }

  return {
    kinds,
    list,
    loading,
    loadError,
    tests,
    testing,
    deliveries,
    resyncing,
    loadKinds,
    load,
    resetForSite,
    add,
    update,
    remove,
    test,
    clearTest,
    loadDeliveries,
    resync,
  };
});
