import type { Ref } from 'vue';
import { downloadText } from './download';
import { plural } from './format';

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

/**
 * Runs one export at a time behind `busy`, saves the answer as a file and says how many rows went
 * into it. The stores that export differ only in the call and in what a row is called.
 */
export async function exportCsvFile(
  busy: Ref<boolean>,
  app: Notifier,
  run: () => Promise<CsvExport>,
  one: string,
  many: string,
): Promise<void> {
  if (busy.value) return;
  busy.value = true;
  try {
    const out = await run();
    downloadText(out.fileName, out.csv);
    app.notify(`Exported ${plural(out.rows, one, many)} to ${out.fileName}.`, 'success');
  } catch (err) {
    app.reportError(err);
  } finally {
    busy.value = false;
  }
}
