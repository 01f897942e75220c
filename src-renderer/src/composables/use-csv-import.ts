import { computed, ref, shallowRef } from 'vue';
import { api } from '../api';
import { CSV_IMPORT_MAX_BYTES } from '../contract';
import type { CsvImportField, CsvImportResultDto, CsvInspectDto } from '../contract';
import { errorMessage } from '../lib/format';

/** A column's choice in the mapping table: a field, or left out. */
export type ColumnChoice = CsvImportField | 'ignore';

export interface ChosenFile {
  name: string;
  size: number;
  /** The bytes as base64: JSON (IPC and the WebSocket) carries text, not bytes. */
  content: string;
}

/** base64 in slices: one String.fromCharCode over megabytes would overflow the call stack. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const SLICE = 0x8000;
  for (let i = 0; i < bytes.length; i += SLICE) binary += String.fromCharCode(...bytes.subarray(i, i + SLICE));
  return btoa(binary);
}

/**
 * One CSV import in the console: the chosen file, how the core reads it (re-asked whenever a
 * column's field changes), and the last preview or import. Nothing is kept between dialogs.
 */
export function useCsvImport(siteId: () => string | null) {
  const file = shallowRef<ChosenFile | null>(null);
  const report = shallowRef<CsvInspectDto | null>(null);
  /** Only the columns the manager changed; the rest is the core's guess. */
  const explicit = ref<Record<string, ColumnChoice>>({});
  const inspecting = ref(false);
  const running = ref<'preview' | 'import' | null>(null);
  const error = ref<string | null>(null);
  const preview = shallowRef<CsvImportResultDto | null>(null);
  const imported = shallowRef<CsvImportResultDto | null>(null);
  const allowBadRows = ref(false);
  const enableIntegrations = ref(false);
  let asked = 0;

  function reset() {
    file.value = null;
    report.value = null;
    explicit.value = {};
    error.value = null;
    preview.value = null;
    imported.value = null;
    allowBadRows.value = false;
    enableIntegrations.value = false;
    inspecting.value = false;
    running.value = null;
    asked++;
  }

  async function choose(picked: File) {
    reset();
    if (picked.size > CSV_IMPORT_MAX_BYTES) {
      error.value = `${picked.name} is ${(picked.size / 1024 / 1024).toFixed(1)} MB; the limit is ${CSV_IMPORT_MAX_BYTES / 1024 / 1024} MB. Split it into smaller files (for example one per property).`;
      return;
    }
    inspecting.value = true;
    try {
      const bytes = new Uint8Array(await picked.arrayBuffer());
      file.value = { name: picked.name, size: picked.size, content: bytesToBase64(bytes) };
    } catch (err) {
      inspecting.value = false;
      error.value = `Could not read ${picked.name}: ${errorMessage(err)}`;
      return;
    }
    await inspect();
  }

  /** The mapping as the core takes it: only the columns changed here. */
  const mapping = computed(() => (Object.keys(explicit.value).length ? { ...explicit.value } : undefined));

  async function inspect() {
    const id = siteId();
    if (!file.value || !id) return;
    const mine = ++asked;
    inspecting.value = true;
    error.value = null;
    // A changed mapping makes an earlier preview describe another reading of the file.
    preview.value = null;
    try {
      const out = await api.invoke('csv.inspect', { siteId: id, fileName: file.value.name, content: file.value.content, mapping: mapping.value });
      if (mine !== asked) return;
      report.value = out;
    } catch (err) {
      if (mine !== asked) return;
      error.value = errorMessage(err);
    } finally {
      if (mine === asked) inspecting.value = false;
    }
  }

  /** Which field a column feeds now: the manager's choice, else the core's reading. */
  function choiceOf(header: string): ColumnChoice {
    const own = explicit.value[header];
    if (own) return own;
    const found = Object.entries(report.value?.mapping ?? {}).find(([, h]) => h === header);
    return found ? (found[0] as CsvImportField) : 'ignore';
  }

  function setChoice(header: string, choice: ColumnChoice) {
    const next: Record<string, ColumnChoice> = { ...explicit.value, [header]: choice };
    // One column per field: a field moved here leaves the column that had it by an earlier choice.
    if (choice !== 'ignore') {
      for (const [h, c] of Object.entries(next)) if (h !== header && c === choice) delete next[h];
    }
    explicit.value = next;
    void inspect();
  }

  const blockedByBadRows = computed(() => (report.value?.badRowCount ?? 0) > 0 && !allowBadRows.value);
  const canRun = computed(() => !!file.value && !!report.value && !error.value && !inspecting.value && !running.value && !blockedByBadRows.value);

  async function run(dryRun: boolean): Promise<CsvImportResultDto | null> {
    const id = siteId();
    if (!file.value || !id || !canRun.value) return null;
    running.value = dryRun ? 'preview' : 'import';
    error.value = null;
    try {
      const out = await api.invoke('csv.import', {
        siteId: id,
        fileName: file.value.name,
        content: file.value.content,
        mapping: mapping.value,
        allowBadRows: allowBadRows.value,
        dryRun,
        enableIntegrations: enableIntegrations.value,
      });
      if (dryRun) preview.value = out;
      else imported.value = out;
      return out;
    } catch (err) {
      error.value = errorMessage(err);
      return null;
    } finally {
      running.value = null;
    }
  }

  return {
    file,
    report,
    explicit,
    inspecting,
    running,
    error,
    preview,
    imported,
    allowBadRows,
    enableIntegrations,
    blockedByBadRows,
    canRun,
    reset,
    choose,
    inspect,
    choiceOf,
    setChoice,
    run,
  };
}
