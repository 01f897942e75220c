import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutcomeCounts, SyncRunDto, SyncTrigger } from '../contract/dto';
import { ApiError } from '../contract/errors';
import { createCsvSource } from './adapters/csv';
import type { ColumnMappingInput, CsvReport } from './adapters/csv';
import type { SourceConnection } from './db/entities';
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
  if (!view.settings.integrationsEnabled) {
    if (input.enableIntegrations && !input.dryRun) {
      sqlite.prepare(`UPDATE site SET settings = json_set(settings, '$.integrationsEnabled', json('true')) WHERE id = ?`).run(input.siteId);
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
  if (!conn) {
    conn = randomUUID();
    sqlite
      .prepare(`INSERT INTO source_connection (id, site_id, kind, block, name, enabled, config, created_at) VALUES (?, ?, 'csv', 'integrations', 'CSV import', 1, ?, ?)`)
      .run(conn, input.siteId, config, ctx.now().toISOString());
  } else {
    sqlite.prepare('UPDATE source_connection SET config = ?, enabled = 1 WHERE id = ?').run(config, conn);
  }
  const dir = importsDir(ctx);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${conn}.csv.tmp`);
  writeFileSync(tmp, input.bytes);
  renameSync(tmp, join(dir, `${conn}.csv`));
  // The file just stored must be read: a pass that started before it may have read the old one.
  const run = await ctx.engine.runSite(input.siteId, { trigger: input.trigger ?? 'cli', fresh: true });
  return { report, run, warnings, sourceConnectionId: conn, fileCounts: fileCounts(ctx, run, conn) };
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
