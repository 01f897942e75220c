import type { SourceConnector, SourceRecord, UpstreamError } from '../types';

/**
 * How source tests read a connector, in one place so every adapter's tests (and the shared
 * contract) drain `list()` the same way the sync engine does: page by page, to the end.
 */

/** Every page `list()` yields, in order (an empty page stays in as `[]`). */
export async function readPages(source: SourceConnector): Promise<SourceRecord[][]> {
  const out: SourceRecord[][] = [];
  for await (const page of source.list()) out.push(page);
  return out;
}

/** Every record of a complete read. */
export async function readAll(source: SourceConnector): Promise<SourceRecord[]> {
  return (await readPages(source)).flat();
}

/** The error a promise rejects with, or null when it resolves: for asserting on failed reads. */
export function failure(p: Promise<unknown>): Promise<UpstreamError | null> {
  return p.then(
    () => null,
    (e: unknown) => e as UpstreamError,
  );
}
