import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutcomeCounts, SyncRunDto, SyncTrigger } from '../contract/dto';
import { ApiError } from '../contract/errors';
import { createCsvSource } from './adapters/csv';
import type { ColumnMappingInput, CsvReport } from './adapters/csv';
import type { SourceConnection } from './db/entities';
import { cap, countsText, recordChange } from './audit/change-audit';
import { hostActor } from './handlers/core-context';
import type { CoreContext } from './handlers/core-context';
import { settingsView } from './handlers/settings-handlers';
import { parseJson } from './sql-helpers';

export interface CsvImportInput {
  siteId: string;
  fileName: string;
  bytes: Uint8Array;
  /** The CLI's "field=Header" string, or the console's { header: field } object. */
  mapping?: ColumnMappingInput;
  allowBadRows?: boolean;
  dryRun?: boolean;
  /** Turn the site's integrations block on if it is off (an explicit admin choice). */
  enableIntegrations?: boolean;
  /** How the pass shows in the activity log: 'cli' (the default) or 'manual' from the console. */
  trigger?: SyncTrigger;
  /**
   * Who is importing, for the audit trail: the caller's host sets it (the console's call context,
   * the CLI's "cli:<user>" or --actor). Left out, the core's own host stands in, as for a call.
   */
  actor?: string;
}

export interface CsvImportResult {
  report: CsvReport;
  run: SyncRunDto;
  warnings: string[];
  /** The source connection the file was read through (for a dry run without an earlier import, a stand-in gone again). */
  sourceConnectionId: string;
  /** What the pass did with the file's own records; `run.counts` covers every source of the site. */
  fileCounts: OutcomeCounts;
}

function importsDir(ctx: CoreContext) {
  return join(ctx.dataDir, 'imports');
}


/**
 * A CSV source is "the last file imported for this site": the file is copied into the data
 * folder, so later scheduled passes see the same list and the original can be moved or deleted.
 */
export function csvSourceFor(dataDir: string, conn: SourceConnection) {
  const stored = join(dataDir, 'imports', `${conn.id}.csv`);
  const cfg = conn.config as { fileName?: string; mapping?: ColumnMappingInput; allowBadRows?: boolean };
  return createCsvSource({
    bytes: async () => readFileSync(stored),
    fileName: cfg.fileName ?? 'import.csv',
    mapping: cfg.mapping,
    allowBadRows: cfg.allowBadRows === true,
  });
}

export async function importCsv(ctx: CoreContext, input: CsvImportInput): Promise<CsvImportResult> {
  const { sqlite } = ctx.db;
  const warnings: string[] = [];
  // Read and report before anything is stored: a file that cannot be read changes nothing.
  const preview = createCsvSource({ bytes: input.bytes, fileName: input.fileName, mapping: input.mapping, allowBadRows: input.allowBadRows });
  let report: CsvReport;
  try {
    report = await preview.inspect();
  } catch (err) {
    throw new ApiError('invalid_input', (err as Error).message);
  }

  const view = settingsView(ctx, input.siteId);
  // Turned on together with the stored file below, never for an import that does not get stored.
  const integrationsTurnedOn = !view.settings.integrationsEnabled && !!input.enableIntegrations && !input.dryRun;
  if (!view.settings.integrationsEnabled) {
    if (integrationsTurnedOn) {
      warnings.push('Integrations were off for this site; they are on now.');
    } else {
      warnings.push('Integrations are off for this site, so nothing from the file will sync. Turn them on in Sync settings or pass --enable-integrations.');
    }
  }

  let conn = sqlite.prepare(`SELECT id FROM source_connection WHERE site_id = ? AND kind = 'csv'`).pluck().get(input.siteId) as string | undefined;
  const config = JSON.stringify({ fileName: input.fileName.split(/[\\/]/).pop(), mapping: input.mapping ?? null, allowBadRows: !!input.allowBadRows });
  if (input.dryRun) {
    // A dry run previews this file without storing it or replacing the last import. The file is
    // read through a stand-in handed to this pass alone (and, before any import, through a
    // connection that exists only in this pass), so a pass running alongside never reads it.
    const id = conn ?? `dry-${randomUUID()}`;
    const extraConnections: SourceConnection[] = conn
      ? []
      : [
          {
            id,
            siteId: input.siteId,
            kind: 'csv',
            block: 'integrations',
            name: 'CSV import',
            enabled: true,
            config: parseJson(config, {}),
            secretRef: null,
            lastRunAt: null,
            lastCounts: null,
            deltaToken: null,
            createdAt: ctx.now().toISOString(),
          },
        ];
    const run = await ctx.engine.runSite(input.siteId, {
      trigger: input.trigger ?? 'cli',
      dryRun: true,
      dryRunSources: { connectors: new Map([[id, preview]]), extraConnections },
    });
    return { report, run, warnings, sourceConnectionId: id, fileCounts: fileCounts(ctx, run, id) };
  }
  // The file is written first, under a temporary name: one that cannot be stored (a full disk, a
  // folder it may not write) changes no setting. It takes its place once the settings are saved.
  const isNew = !conn;
  conn = conn ?? randomUUID();
  const dir = importsDir(ctx);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${conn}.csv.tmp`);
  try {
    writeFileSync(tmp, input.bytes);
    const id = conn;
    sqlite.transaction(() => {
      if (integrationsTurnedOn) {
        sqlite.prepare(`UPDATE site SET settings = json_set(settings, '$.integrationsEnabled', json('true')) WHERE id = ?`).run(input.siteId);
      }
      if (isNew) {
        sqlite
          .prepare(`INSERT INTO source_connection (id, site_id, kind, block, name, enabled, config, created_at) VALUES (?, ?, 'csv', 'integrations', 'CSV import', 1, ?, ?)`)
          .run(id, input.siteId, config, ctx.now().toISOString());
      } else {
        sqlite.prepare('UPDATE source_connection SET config = ?, enabled = 1 WHERE id = ?').run(config, id);
      }
    })();
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The reason the import failed is the one to report.
    }
    throw err;
  }
  renameSync(tmp, join(dir, `${conn}.csv`));
  // The file just stored must be read: a pass that started before it may have read the old one.
  const run = await ctx.engine.runSite(input.siteId, { trigger: input.trigger ?? 'cli', fresh: true });
  const result: CsvImportResult = { report, run, warnings, sourceConnectionId: conn, fileCounts: fileCounts(ctx, run, conn) };
  // Audited here, not by each caller, so the console and the CLI record an import alike, once.
  recordImport(ctx, input, result, integrationsTurnedOn);
  // Turning the integrations block on is a settings change other windows should see.
  if (integrationsTurnedOn) ctx.events.emit('sites.changed', {});
  return result;
}

/**
 * The change entry of an applied import, whatever its pass did (applied, held, failed). The import
 * stores the file and runs a pass across awaits, so it cannot share one transaction with this
 * entry; it is written as soon as the pass has settled. A dry run changes nothing and a file that
 * cannot be read never gets this far: neither is audited.
 */
function recordImport(ctx: CoreContext, input: CsvImportInput, result: CsvImportResult, integrationsTurnedOn: boolean): void {
  const fileName = cap(input.fileName.split(/[\\/]/).pop() ?? input.fileName);
  const records = result.report.records;
  const recordWords = `${records.toLocaleString('en-US')} ${records === 1 ? 'record' : 'records'}`;
  const run = result.run;
  let message: string;
  if (run.status === 'held') message = `CSV file '${fileName}' stored: ${recordWords}; the pass was held for approval${run.preview?.reason ? ` (${run.preview.reason})` : ''}`;
  else if (run.status === 'failed') message = `CSV file '${fileName}' stored, but the pass failed: ${run.error ?? 'no reason given'}`;
  else message = `CSV file '${fileName}' imported: ${recordWords}; ${countsText(result.fileCounts)}`;
  if (integrationsTurnedOn) message += '; integrations were turned on for this site';
  recordChange(ctx.db.sqlite, {
    siteId: input.siteId,
    at: ctx.now().toISOString(),
    actor: input.actor ?? hostActor(ctx.host, ctx.role),
    action: 'csv-imported',
    target: fileName,
    result: run.status === 'complete' ? 'applied' : run.status,
    message,
    detail: {
      subject: 'csv-import',
      fileName,
      records,
      badRows: result.report.badRowCount,
      counts: result.fileCounts,
      runId: run.id,
      sourceConnectionId: result.sourceConnectionId,
      integrationsTurnedOn,
    },
  });
}

/**
 * The outcomes of the file's own records: a dry run's preview counts them source by source; an
 * applied pass leaves them on the connection (last_counts), as it does for every source.
 */
function fileCounts(ctx: CoreContext, run: SyncRunDto, connId: string): OutcomeCounts {
  const preview = run.preview as { sources?: Array<{ sourceConnectionId: string; counts: OutcomeCounts }> } | null;
  if (preview?.sources) return preview.sources.find((s) => s.sourceConnectionId === connId)?.counts ?? {};
  if (run.status !== 'complete') return {};
  const stored = ctx.db.sqlite.prepare('SELECT last_counts FROM source_connection WHERE id = ?').pluck().get(connId) as string | null | undefined;
  return parseJson<OutcomeCounts>(stored ?? null, {});
}
