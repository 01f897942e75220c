import type { Ref } from 'vue';
import { downloadText } from './download';
import { errorMessage, plural, withFullStop } from './format';

/** What an `*.export` call answers: the file to save and how many rows are in it. */
export interface CsvExport {
  fileName: string;
  csv: string;
  rows: number;
}

interface Notifier {
  notify(text: string, tone: 'success'): void;
  reportError(err: unknown): void;
}

/** Where a failed export is said next to its button, and in what words ("the activity log"). */
export interface ExportFailure {
  error: Ref<string | null>;
  what: string;
}

/**
 * Runs one export at a time behind `busy`, saves the answer as a file and says how many rows went
 * into it. The stores that export differ only in the call and in what a row is called. With
 * `failure`, a failed export is kept in words next to the button (a toast fades before a busy
 * desk looks back) until an export goes through; without it, it is a toast.
 */
export async function exportCsvFile(
  busy: Ref<boolean>,
  app: Notifier,
  run: () => Promise<CsvExport>,
  one: string,
  many: string,
  failure?: ExportFailure,
): Promise<void> {
  if (busy.value) return;
  busy.value = true;
  try {
    const out = await run();
    downloadText(out.fileName, out.csv);
    if (failure) failure.error.value = null;
    app.notify(`Exported ${plural(out.rows, one, many)} to ${out.fileName}.`, 'success');
  } catch (err) {
    if (failure) failure.error.value = `Could not export ${failure.what}: ${withFullStop(errorMessage(err))} No file was saved.`;
    else app.reportError(err);
  } finally {
    busy.value = false;
  }
}
