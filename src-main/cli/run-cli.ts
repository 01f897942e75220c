/**
 * The headless CLI: the same core and database as the console, for admins and scripts.
 * Every command goes through the same validated API calls as the window, so the CLI can do
 * nothing the window could not, and exits non-zero with the error message on failure.
 */
import { readFileSync } from 'node:fs';
import { dispatch } from '../contract/dispatch';
import type { CallInput, CallName, CallOutput } from '../contract/api';
import { parseRole } from '../contract/define';
import type { Role } from '../contract/define';
import type { PersonRow } from '../contract/dto';
import { resolveDataDir } from '../core/app-paths';
import { createCore } from '../core/core';
import { hostActor } from '../core/handlers/core-context';
import type { Core } from '../core/core';
import { flagString, parseArgs } from './cli-args';
import type { ParsedArgs } from './cli-args';
import { printTable } from './print-table';
import { ALERT_TYPES } from '../contract/dto';
import type { AlertType } from '../contract/dto';
import { MERGE_FIELDS, RESOLUTIONS } from '../contract/calls/decisions';
import type { AlertReviewRow, DecisionOptions, Resolution } from '../contract/calls/decisions';
import pkg from '../../package.json';

const HELP = `Rollcall CLI — the same core and database as the console.

Usage: npm run cli -- <command> [options]

Commands:
  sites [--json]                                  list sites
  add-site <name>                                 create a site (it syncs nothing until a source is on)
  sync --site <id|name> [--dry-run] [--json]      run a pass now (all sites when --site is left out)
  import-csv <file> --site <id|name> [--mapping "email=E-mail,externalId=ID"] [--allow-bad-rows] [--enable-integrations] [--dry-run] [--json]
                                                  import people from a CSV file and run a pass
  people [--site <id|name>] [--query text] [--json]
                                                  list people (every site when --site is left out)
  activity --site <id|name> [--query text] [--limit n] [--json]
                                                  the sync activity log, newest first
  why --site <id|name> <external id>              why a record is (not) synced
  demo                                            create or reset the embedded demo
  alerts --site <id|name> [--type t] [--query text] [--json]
                                                  open alerts: type, fingerprint, involved records and ids
  decide --alert <id|fingerprint> --resolution <r> [--option k=v ...] [--json]
  decide --all --site <id|name> --type <t> --resolution <r> [--option k=v ...] [--json]
                                                  record a decision (works offline; writes wait in the outbox)
                                                  options: remember=true, oldAccount=delete|suspend, recreate=false,
                                                  keep=<remote id>, firstName|lastName|email|phone=source|access
  push [--site <id|name>] [--json]                send waiting decisions upstream; exits 3 on conflicts/failures
  outbox [--offline|--online] [--json]            show (or switch) the online/offline mode and the queue
  bulk-delete --site <id|name> [--source <id|name>] [--json]
                                                  preview deleting the people synced from a source (every source when left out)
  bulk-delete ... --yes [--token t] [--keep-sync]  delete them (only if the set is still the one previewed with --token);
                                                  their sources are turned off unless --keep-sync
  backup [--json]                                 write a backup of the database now to <data folder>/backups and print its path
                                                  (to restore: quit Rollcall, copy a backup over rollcall.db and
                                                  delete rollcall.db-wal and rollcall.db-shm beside it if present)

Data folder: --data-dir DIR or ROLLCALL_DATA_DIR (default: the app-data folder).
Who is acting: --actor NAME names you in the audit trail for any command (default: cli:<your user name>).`;

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
    return args.flags.has('help') ? 0 : 1;
  }
  checkValueFlags(args);
  const role = cliRole(flagString(args, 'role') ?? io.env.ROLLCALL_ROLE);
  const actor = cliActor(flagString(args, 'actor'), role, io.env);
  const core = await createCore({ dataDir: resolveDataDir(argv, io.env), host: 'cli', role, version: pkg.version, seedDemoWhenEmpty: false });
  const call = async <K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> => {
    // The CLI is the host here: it sets who is acting in the call context, as the window hosts do.
    const out = await dispatch(core.handlers, name, input, { role, actor });
    if (!out.ok) throw new CliError(out.error.message);
    return out.result as CallOutput<K>;
  };
  try {
    return await run(args, core, call, io, argv, actor);
  } finally {
    await core.close();
  }
}

/** --role or ROLLCALL_ROLE, checked before the core opens: a misspelt role is refused by name. */
function cliRole(value: string | undefined): Role {
  try {
    return parseRole(value);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** --actor, or cli:<user>. Checked like the input it used to be: trimmed, at most 120 characters. */
function cliActor(flag: string | undefined, role: Role, env: NodeJS.ProcessEnv): string {
  const given = flag?.trim();
  if (!given) return hostActor('cli', role, env.USER || env.USERNAME || undefined);
  if (given.length > 120) throw new CliError('--actor takes at most 120 characters.');
  return given;
}

/** Options that take a value; `--site` alone must not fall back to "every site". */
const VALUE_FLAGS = ['site', 'query', 'limit', 'mapping', 'alert', 'type', 'resolution', 'actor', 'role', 'data-dir', 'source', 'token'];

function checkValueFlags(args: ParsedArgs): void {
  for (const name of VALUE_FLAGS) {
    if (!args.flags.has(name)) continue;
    const v = args.flags.get(name);
    if (v === true || (name !== 'query' && v !== undefined && v.trim() === '')) {
      throw new CliError(`--${name} needs a value${name === 'site' ? ' (a site id or name); leave --site out to mean every site where the command allows it' : ''}.`);
    }
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

async function run(args: ParsedArgs, core: Core, call: Call, io: CliIo, argv: string[], actor: string): Promise<number> {
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
      // Not an API call (the file is read here, not sent as base64), so the actor the call context
      // would carry is handed over directly: the import is audited as the console's is.
      const result = await core.importCsv({
        actor,
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
        if (r.headerLine > 1) io.out(`Header row on line ${r.headerLine}; the lines above it were skipped.`);
        if (r.ignoredColumns.length) io.out(`Ignored columns: ${r.ignoredColumns.join(', ')}`);
        for (const bad of r.badRows) io.out(`  line ${bad.line}: ${bad.reason}`);
        if (r.skippedRowCount) io.out(`Skipped ${r.skippedRowCount} line(s) that name nobody:`);
        for (const skipped of r.skippedRows) io.out(`  line ${skipped.line}: ${skipped.reason}`);
        for (const w of result.warnings) io.out(`Note: ${w}`);
        const fromFile = Object.entries(result.fileCounts).map(([outcome, n]) => `${n} ${outcome}`);
        io.out(`From this file: ${fromFile.length ? fromFile.join(', ') : 'nothing'}. The pass, all sources of the site:`);
        table([result.run], ['status', 'total', 'counts', 'error']);
      });
      return result.run.status === 'failed' ? 2 : 0;
    }
    case 'people': {
      // `people --json` with no --site lists everyone, site by site.
      const ref = flagString(args, 'site');
      const siteIds = ref ? [await resolveSite(call, ref)] : (await call('sites.list', {})).map((s) => s.id);
      const rows: PersonRow[] = [];
      for (const siteId of siteIds) {
        const fromSite: PersonRow[] = [];
        for (let offset = 0; ; offset += 1000) {
          const page = await call('people.list', { siteId, query: flagString(args, 'query'), offset, limit: 1000 });
          fromSite.push(...page.rows);
          if (fromSite.length >= page.total || page.rows.length === 0) break;
        }
        rows.push(...fromSite);
      }
      out(rows, () => table(rows, ['externalId', 'firstName', 'lastName', 'type', 'email', 'phone', 'unit', 'status', 'accessEnabled']));
      return 0;
    }
    case 'activity': {
      const siteId = await resolveSite(call, flagString(args, 'site'));
      const limitText = flagString(args, 'limit') ?? '100';
      const limit = Number(limitText);
      if (!/^\s*\d+\s*$/.test(limitText) || limit < 1 || limit > 1000) throw new CliError(`--limit wants a whole number from 1 to 1000, got "${limitText}".`);
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
    case 'alerts': {
      const siteId = await resolveSite(call, flagString(args, 'site'));
      const type = flagString(args, 'type');
      if (type && !(ALERT_TYPES as readonly string[]).includes(type)) throw new CliError(`Unknown alert type "${type}". Types: ${ALERT_TYPES.join(', ')}`);
      const rows = await call('alerts.query', { siteId, type: type as AlertType | undefined, text: flagString(args, 'query') });
      const listed = rows.map(alertForCli);
      out(listed, () => table(listed, ['type', 'fingerprint', 'title', 'decision']));
      return 0;
    }
    case 'decide': {
      const resolution = flagString(args, 'resolution');
      if (!resolution || !(RESOLUTIONS as readonly string[]).includes(resolution)) {
        throw new CliError(`Name the resolution with --resolution: one of ${RESOLUTIONS.join(', ')}.`);
      }
      const options = decisionOptionsFromArgv(argv);
      let alertIds: string[];
      if (args.flags.has('all')) {
        const siteId = await resolveSite(call, flagString(args, 'site'));
        const type = flagString(args, 'type');
        if (!type || !(ALERT_TYPES as readonly string[]).includes(type)) throw new CliError(`With --all, name the alert type with --type: one of ${ALERT_TYPES.join(', ')}.`);
        const rows = await call('alerts.query', { siteId, type: type as AlertType, text: flagString(args, 'query') });
        alertIds = rows.map((r) => r.id);
        if (alertIds.length === 0) {
          out({ recorded: 0, tasks: 0, dismissed: 0, skipped: 0, errors: 0, results: [] }, () => io.out(`No open ${type} alerts.`));
          return 0;
        }
      } else {
        const ref = flagString(args, 'alert');
        if (!ref) throw new CliError('Name the alert with --alert <id or fingerprint>, or use --all --type <type>.');
        alertIds = [await resolveAlert(call, ref, flagString(args, 'site'))];
      }
      const result = await call('decisions.decideMany', { alertIds, resolution: resolution as Resolution, options });
      out(result, () => {
        io.out(`Recorded ${result.recorded}, fix-at-source tasks ${result.tasks}, dismissed ${result.dismissed}, skipped ${result.skipped}, errors ${result.errors}.`);
        for (const r of result.results.filter((x) => !x.ok)) io.out(`  ${r.alertId}: ${r.error}`);
      });
      return result.errors > 0 ? 2 : 0;
    }
    case 'push': {
      const ref = flagString(args, 'site');
      const siteId = ref ? await resolveSite(call, ref) : undefined;
      const summary = await call('outbox.pushNow', { siteId });
      out(summary, () => {
        io.out(`Applied ${summary.applied}, conflicts ${summary.conflicts}, failed ${summary.failed}, still waiting ${summary.waiting}.`);
        for (const i of summary.items.filter((x) => x.result !== 'applied')) io.out(`  ${i.result}: ${i.personName}: ${i.description}: ${i.error ?? ''}`);
      });
      return summary.conflicts > 0 || summary.failed > 0 ? 3 : 0;
    }
    case 'outbox': {
      const status =
        args.flags.has('offline') || args.flags.has('online')
          ? await call('outbox.setOffline', { offline: args.flags.has('offline') })
          : await call('outbox.status', {});
      out(status, () => {
        io.out(`Mode: ${status.mode}${status.reason ? ` (${status.reason})` : ''}`);
        io.out(`${status.pendingDecisions} decision(s) waiting to push (${status.pending} write(s)); ${status.conflicts} conflict(s), ${status.failed} failed.`);
      });
      return 0;
    }
    case 'bulk-delete': {
      const siteId = await resolveSite(call, flagString(args, 'site'));
      const sourceRef = flagString(args, 'source');
      let sourceConnectionId: string | null = null;
      if (sourceRef) {
        const { sources } = await call('connections.list', { siteId });
        const found = sources.filter((c) => c.id === sourceRef || c.name.toLowerCase() === sourceRef.toLowerCase());
        if (found.length !== 1) {
          const list = sources.map((c) => `  ${c.id}  ${c.name}`).join('\n') || '  (none)';
          throw new CliError(`${found.length ? 'Several sources match' : 'No source of this site matches'} "${sourceRef}". Sources:\n${list}`);
        }
        sourceConnectionId = found[0].id;
      }
      const preview = await call('people.bulkDeletePreview', { siteId, sourceConnectionId });
      if (!args.flags.has('yes')) {
        out(preview, () => {
          io.out(`${preview.count} people synced from ${preview.scopeName} would be deleted (token ${preview.token}):`);
          for (const p of preview.sample) io.out(`  ${p.name || '(no name)'}  ${p.externalId ?? ''}  ${p.sourceName}`);
          if (preview.count > preview.sample.length) io.out(`  … and ${preview.count - preview.sample.length} more`);
          for (const a of preview.linkedAccounts) io.out(`${a.count} of them have accounts in ${a.accessSystemName}; those stay there (only unlinked here).`);
          if (preview.sourcesStillOn.length) io.out(`Still on: ${preview.sourcesStillOn.map((x) => x.name).join(', ')} (turned off with the delete unless --keep-sync).`);
          io.out('Nothing was deleted. Add --yes (and --token to hold it to this exact set) to delete them.');
        });
        return 0;
      }
      const result = await call('people.bulkDelete', {
        siteId,
        sourceConnectionId,
        token: flagString(args, 'token') ?? preview.token,
        turnOffSync: !args.flags.has('keep-sync'),
        confirm: true,
      });
      out(result, () =>
        io.out(`Deleted ${result.deleted} people.${result.sourcesTurnedOff.length ? ` Turned off: ${result.sourcesTurnedOff.join(', ')}.` : ' Their sources stay on: the next pass adds them again.'}`),
      );
      return 0;
    }
    case 'backup': {
      const done = await call('app.backupNow', {});
      out(done, () => io.out(`Backup written to ${done.file} (${(done.bytes / 1024 / 1024).toFixed(1)} MB).`));
      return 0;
    }
    default:
      throw new CliError(`Unknown command "${args.command}".\n\n${HELP}`);
  }
}


/** An alert as `alerts --json` prints it: the condition, and every record involved with its ids. */
function alertForCli(a: AlertReviewRow) {
  // The detail's shape depends on the alert type (see alert-detail.ts); read it loosely here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const d = a.detail as Record<string, any>;
  const records: Array<Record<string, unknown>> = [];
  if (d.source) {
    records.push({ system: d.source.sourceName, side: 'source', personId: d.source.personId, externalId: d.source.externalId, name: `${d.source.firstName} ${d.source.lastName}`.trim(), email: d.source.email });
  }
  if (d.account) {
    records.push({ system: d.account.accessSystemName, side: 'access', remoteId: d.account.remoteId, personId: d.account.personId, version: d.account.version, name: `${d.account.firstName} ${d.account.lastName}`.trim(), email: d.account.email });
  }
  if (d.person) records.push({ system: 'Rollcall', side: 'person', personId: d.person.personId, name: `${d.person.firstName} ${d.person.lastName}`.trim(), email: d.person.email });
  for (const r of Array.isArray(d.records) ? d.records : []) {
    records.push({ system: r.sourceName, side: 'source', personId: r.personId, externalId: r.externalId, name: `${r.firstName} ${r.lastName}`.trim(), email: r.email });
  }
  return {
    id: a.id,
    type: a.type,
    fingerprint: a.fingerprint,
    title: a.title,
    openedAt: a.openedAt,
    differing: d.differing ?? [],
    records,
    resolutions: a.resolutions,
    decision: a.decision ? `${a.decision.resolution} (${a.decision.status})` : null,
  };
}

async function resolveAlert(call: Call, ref: string, siteRef: string | undefined): Promise<string> {
  if (/^[A-Za-z0-9_-]+$/.test(ref) && !ref.includes(':')) {
    // Looks like an id; a fingerprint always has a colon.
    return ref;
  }
  const sites = siteRef ? [await resolveSite(call, siteRef)] : (await call('sites.list', {})).map((s) => s.id);
  for (const siteId of sites) {
    const found = (await call('alerts.query', { siteId, status: 'all' })).find((a) => a.fingerprint === ref);
    if (found) return found.id;
  }
  throw new CliError(`No alert has the fingerprint "${ref}".`);
}

/** Every `--option k=v` (repeatable; also `--option k=v,k2=v2`) as decision options. */
export function decisionOptionsFromArgv(argv: string[]): DecisionOptions {
  const pairs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--option' && i + 1 < argv.length) pairs.push(...argv[++i].split(','));
    else if (argv[i].startsWith('--option=')) pairs.push(...argv[i].slice('--option='.length).split(','));
  }
  const options: DecisionOptions = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--option wants key=value, got "${pair}".`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const flag = () => {
      if (value !== 'true' && value !== 'false') throw new CliError(`--option ${key} wants true or false.`);
      return value === 'true';
    };
    if (key === 'remember') options.remember = flag();
    else if (key === 'recreate') options.recreate = flag();
    else if (key === 'keep') options.keep = value;
    else if (key === 'oldAccount' || key === 'old') {
      if (value !== 'delete' && value !== 'suspend') throw new CliError('--option oldAccount wants delete or suspend.');
      options.oldAccount = value;
    } else if ((MERGE_FIELDS as readonly string[]).includes(key)) {
      if (value !== 'source' && value !== 'access') throw new CliError(`--option ${key} wants source or access.`);
      options.winners = { ...options.winners, [key]: value };
    } else throw new CliError(`Unknown option "${key}".`);
  }
  return options;
}
