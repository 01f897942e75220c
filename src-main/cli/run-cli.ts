/**
 * The headless CLI: the same core and database as the console, for admins and scripts.
 * Every command goes through the same validated API calls as the window, so the CLI can do
 * nothing the window could not, and exits non-zero with the error message on failure.
 */
import { readFileSync } from 'node:fs';
import { dispatch } from '../contract/dispatch';
import type { CallInput, CallName, CallOutput } from '../contract/api';
import type { Role } from '../contract/define';
import type { PersonRow } from '../contract/dto';
import { resolveDataDir } from '../core/app-paths';
import { createCore } from '../core/core';
import type { Core } from '../core/core';
import { flagString, parseArgs } from './cli-args';
import type { ParsedArgs } from './cli-args';
import { printTable } from './print-table';
import pkg from '../../package.json';

const HELP = `Rollcall CLI — the same core and database as the console.

Usage: npm run cli -- <command> [options]

Commands:
  sites [--json]                                  list sites
  add-site <name>                                 create a site (it syncs nothing until a source is on)
  sync --site <id|name> [--dry-run] [--json]      run a pass now (all sites when --site is left out)
  import-csv <file> --site <id|name> [--mapping "email=E-mail,externalId=ID"] [--allow-bad-rows] [--enable-integrations] [--dry-run] [--json]
                                                  import people from a CSV file and run a pass
  people --site <id|name> [--query text] [--json] list people
  activity --site <id|name> [--query text] [--limit n] [--json]
                                                  the sync activity log, newest first
  why --site <id|name> <external id>              why a record is (not) synced
  demo                                            create or reset the embedded demo

Data folder: --data-dir DIR or ROLLCALL_DATA_DIR (default: the app-data folder).`;

export class CliError extends Error {}

export interface CliIo {
  out(line: string): void;
  env: NodeJS.ProcessEnv;
}

/** Runs one CLI command; returns the exit code. Errors meant for the user are CliErrors. */
export async function runCli(argv: string[], io: CliIo = { out: (l) => console.log(l), env: process.env }): Promise<number> {
  const args = parseArgs(argv);
  if (!args.command || args.flags.has('help')) {
    io.out(HELP);
    return args.command ? 0 : 1;
  }
  const role = (flagString(args, 'role') ?? io.env.ROLLCALL_ROLE ?? 'manager') as Role;
  const core = await createCore({ dataDir: resolveDataDir(argv, io.env), host: 'cli', role, version: pkg.version, seedDemoWhenEmpty: false });
  const call = async <K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> => {
    const out = await dispatch(core.handlers, name, input, { role });
    if (!out.ok) throw new CliError(out.error.message);
    return out.result as CallOutput<K>;
  };
  try {
    return await run(args, core, call, io);
  } finally {
    await core.close();
  }
}

type Call = <K extends CallName>(name: K, input: CallInput<K>) => Promise<CallOutput<K>>;

async function resolveSite(call: Call, ref: string | undefined): Promise<string> {
  if (!ref) throw new CliError('Name the site with --site <id or name>.');
  const sites = await call('sites.list', {});
  const exact = sites.filter((s) => s.id === ref || s.name.toLowerCase() === ref.toLowerCase());
  const found = exact.length ? exact : sites.filter((s) => s.name.toLowerCase().includes(ref.toLowerCase()));
  if (found.length === 1) return found[0].id;
  const list = sites.map((s) => `  ${s.id}  ${s.name}`).join('\n') || '  (none)';
  throw new CliError(`${found.length ? 'Several sites match' : 'No site matches'} "${ref}". Sites:\n${list}`);
}

async function run(args: ParsedArgs, core: Core, call: Call, io: CliIo): Promise<number> {
  const json = args.flags.has('json');
  const out = (value: unknown, human: () => void) => (json ? io.out(JSON.stringify(value, null, 2)) : human());
  const table = (rows: readonly object[], columns: string[]) => printTable(rows, columns, io.out);

  switch (args.command) {
    case 'sites': {
      const sites = await call('sites.list', {});
      out(sites, () => table(sites, ['id', 'name', 'peopleCount', 'openAlerts', 'lastSyncAt']));
      return 0;
    }
    case 'add-site': {
      const site = await call('sites.create', { name: args.positionals.join(' ') });
      out(site, () => io.out(`Created ${site.name} (${site.id}).`));
      return 0;
    }
    case 'sync': {
      const ref = flagString(args, 'site');
      const siteId = ref ? await resolveSite(call, ref) : undefined;
      const runs = await call('sync.runNow', { siteId, dryRun: args.flags.has('dry-run') });
      out(runs, () => table(runs, ['siteId', 'status', 'total', 'counts', 'error']));
      return runs.some((r) => r.status === 'failed') ? 2 : 0;
    }
    case 'import-csv': {
      const file = args.positionals[0];
      if (!file) throw new CliError('Name the CSV file: npm run cli -- import-csv people.csv --site "My site"');
      const siteId = await resolveSite(call, flagString(args, 'site'));
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (err) {
        throw new CliError(`Cannot read ${file}: ${(err as Error).message}`);
      }
      const result = await core.importCsv({
        siteId,
        fileName: file,
        bytes,
        mapping: flagString(args, 'mapping'),
        allowBadRows: args.flags.has('allow-bad-rows'),
        dryRun: args.flags.has('dry-run'),
        enableIntegrations: args.flags.has('enable-integrations'),
      });
      out(result, () => {
        const r = result.report;
        io.out(`Read ${r.rows} rows (${r.encoding}, delimiter ${JSON.stringify(r.delimiter)}).`);
        if (r.ignoredColumns.length) io.out(`Ignored columns: ${r.ignoredColumns.join(', ')}`);
        for (const bad of r.badRows) io.out(`  line ${bad.line}: ${bad.reason}`);
        for (const w of result.warnings) io.out(`Note: ${w}`);
        table([result.run], ['status', 'total', 'counts', 'error']);
      });
      return result.run.status === 'failed' ? 2 : 0;
    }
    case 'people': {
      const siteId = await resolveSite(call, flagString(args, 'site'));
      const rows: PersonRow[] = [];
      for (let offset = 0; ; offset += 1000) {
        const page = await call('people.list', { siteId, query: flagString(args, 'query'), offset, limit: 1000 });
        rows.push(...page.rows);
        if (rows.length >= page.total || page.rows.length === 0) break;
      }
      out(rows, () => table(rows, ['externalId', 'firstName', 'lastName', 'type', 'email', 'phone', 'unit', 'status', 'accessEnabled']));
      return 0;
    }
    case 'activity': {
      const siteId = await resolveSite(call, flagString(args, 'site'));
      const limit = Number(flagString(args, 'limit') ?? 100);
      const page = await call('activity.list', { siteId, query: flagString(args, 'query'), limit });
      out(page.rows, () => table(page.rows, ['at', 'outcome', 'personName', 'externalId', 'reason']));
      return 0;
    }
    case 'why': {
      const siteId = await resolveSite(call, flagString(args, 'site'));
      const externalId = args.positionals[0];
      if (!externalId) throw new CliError('Name the external id: npm run cli -- why --site "My site" R-10023');
      const chain = await call('people.explain', { siteId, externalId });
      out(chain, () => {
        io.out(chain.headline);
        for (const step of chain.steps) io.out(`  • ${step}`);
      });
      return 0;
    }
    case 'demo': {
      const site = await call('demo.reset', {});
      out(site, () => io.out(`Demo ready: ${site.name} (${site.peopleCount} people, ${site.openAlerts} open alerts).`));
      return 0;
    }
    default:
      throw new CliError(`Unknown command "${args.command}".\n\n${HELP}`);
  }
}

