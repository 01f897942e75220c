import { randomUUID } from 'node:crypto';
import type {
  LocationAction,
  LocationActionResult,
  LocationDifferences,
  LocationDto,
  LocationEventResult,
  LocationEventsPage,
  LocationsRunResult,
} from '../../contract/calls/locations';
import { ApiError } from '../../contract/errors';
import type { CoreEvents } from '../core-events';
import type { OpenDatabase } from '../db/open-database';
import { EXTERNAL_REF_PREFIX, personIdOf } from '../adapters/alarm-panel/alarm-panel-access';
import type { AlarmPanelClient } from '../adapters/alarm-panel/alarm-panel-client';
import { PEOPLE_CHOICES, readAlarmPanelConfig } from '../adapters/alarm-panel/alarm-panel-config';
import type { AlarmPanelConfig } from '../adapters/alarm-panel/alarm-panel-config';
import { UpstreamError } from '../adapters/types';
import type { WireJob, WireUser, WireUserInput } from '../adapters/alarm-panel/wire';
import { computeDifferences } from './differences';
import {
  appendEvent,
  getLocation,
  jobIdsOf,
  listEvents,
  readUsers,
  replaceUsers,
  siteLocations,
  toLocationDto,
  upsertLocation,
} from './location-store';
import type { LocationRow } from './location-store';
import { generateCode, maskCode } from './user-codes';
import { AlarmCodes, alarmCodesFor } from './alarm-codes';
import { parseJson } from '../sql-helpers';

/** An alarm-panel access system row, as far as the location actions need it. */
export interface AlarmSystemRef {
  id: string;
  siteId: string;
  name: string;
  config: AlarmPanelConfig;
  secretRef: string | null;
}

export interface LocationServiceDeps {
  db: OpenDatabase;
  events: CoreEvents;
  now(): Date;
  clientFor(system: AlarmSystemRef): Promise<AlarmPanelClient>;
  /**
   * The sealed user codes of this database. Default: the ones the core opened for `db` at start
   * (openAlarmCodes); without either, codes can be read only if still clear and never written.
   */
  codes?: AlarmCodes;
}

export type LocationTarget = { locationId: string } | { siteId: string; all: true };

/** Panel names are short; a full name is enough to tell people apart at the keypad. */
const PANEL_NAME_MAX = 32;
/** Slot 1 is the panel's master code: never ours to hand out. */
const FIRST_USER_SLOT = 2;
const MAX_CODE_TRIES = 3;

interface Outcome {
  result: LocationEventResult;
  summary: string;
  detail?: Record<string, unknown>;
  jobId?: string | null;
}

/**
 * The location actions: Sync users (Rollcall's people → the service → the panel), Sync panel
 * (the panel reports back; differences follow), Refresh (status and the service's own log),
 * and resolving one difference either way. Each action on a location writes one entry with its
 * result to that location's event log, whatever happens; "all locations" goes on past a
 * location that fails.
 */
export class LocationService {
  private readonly busy = new Map<string, LocationAction>();
  private readonly codes: AlarmCodes;

  constructor(private readonly deps: LocationServiceDeps) {
    this.codes = deps.codes ?? alarmCodesFor(deps.db) ?? new AlarmCodes({ store: null, sqlite: deps.db.sqlite });
  }

  private get sqlite() {
    return this.deps.db.sqlite;
  }

  private at(): string {
    return this.deps.now().toISOString();
  }

  // ---------------------------------------------------------------- reading

  async list(siteId: string): Promise<LocationDto[]> {
    const failures: string[] = [];
    for (const system of this.systemsOf(siteId)) {
      const discovered = this.sqlite.prepare('SELECT discovered_at FROM alarm_account WHERE access_system_id = ?').pluck().get(system.id);
      if (discovered) continue;
      try {
        await this.discover(system);
      } catch (err) {
        failures.push(`${system.name}: ${(err as Error).message}`);
      }
    }
    const rows = siteLocations(this.sqlite, siteId).map((r) => this.dto(r));
    if (!rows.length && failures.length) throw new ApiError('unavailable', `Could not list the locations. ${failures.join(' ')}`);
    return rows;
  }

  events(locationId: string, limit: number, before?: number): LocationEventsPage {
    const loc = this.mustGet(locationId);
    const page = listEvents(this.sqlite, locationId, limit, before);
    return { location: { id: loc.id, name: loc.name, remoteId: loc.remote_id }, ...page };
  }

  differences(locationId: string): LocationDifferences {
    const loc = this.mustGet(locationId);
    const rows = loc.panel_reported_at ? this.currentDifferences(loc) : [];
    return { locationId, panelReportedAt: loc.panel_reported_at, rows };
  }

  // ---------------------------------------------------------------- actions

  syncUsers(target: LocationTarget): Promise<LocationsRunResult> {
    return this.run('syncUsers', target, (loc, runId) => this.syncUsersAt(loc, runId));
  }

  syncPanel(target: LocationTarget): Promise<LocationsRunResult> {
    return this.run('syncPanel', target, (loc, runId) => this.syncPanelAt(loc, runId));
  }

  async refresh(target: LocationTarget): Promise<LocationsRunResult> {
    // "All" first re-lists the account, so a location added at the service shows up.
    if ('all' in target) {
      for (const system of this.systemsOf(target.siteId)) await this.discover(system).catch(() => undefined);
    }
    return this.run('refresh', target, (loc) => this.refreshAt(loc));
  }

  async resolveDifference(locationId: string, differenceId: string, resolution: 'push' | 'accept-panel'): Promise<LocationActionResult> {
    const loc = this.mustGet(locationId);
    const diff = this.differences(locationId).rows.find((d) => d.id === differenceId);
    if (!diff) throw new ApiError('not_found', 'That difference is no longer there; it may have been resolved already. Sync panel to look again.');
    const runId = randomUUID();
    const out = await this.step('resolve', loc, runId, 1, 1, () => this.resolveAt(loc, runId, diff.slot, resolution));
    return out;
  }

  // ---------------------------------------------------------------- plumbing

  private async run(action: LocationAction, target: LocationTarget, act: (loc: LocationRow, runId: string) => Promise<Outcome>): Promise<LocationsRunResult> {
    const runId = randomUUID();
    let locations: LocationRow[];
    if ('locationId' in target) {
      locations = [this.mustGet(target.locationId)];
    } else {
      await this.list(target.siteId);
      locations = siteLocations(this.sqlite, target.siteId);
      if (!locations.length) throw new ApiError('not_found', 'This site has no alarm-panel locations.');
    }
    const results: LocationActionResult[] = [];
    for (const [i, loc] of locations.entries()) {
      results.push(await this.step(action, loc, runId, i, locations.length, () => act(loc, runId)));
    }
    return { runId, results };
  }

  /** One action on one location: busy flag, progress events, and always an event-log entry. */
  private async step(action: LocationAction, loc: LocationRow, runId: string, index: number, total: number, act: () => Promise<Outcome>): Promise<LocationActionResult> {
    const progress = (state: 'running' | 'done' | 'failed', done: number, message: string) =>
      this.deps.events.emit('locations.progress', { siteId: loc.site_id, runId, action, locationId: loc.id, locationName: loc.name, state, done, total, message });
    const running = this.busy.get(loc.id);
    if (running) {
      const summary = `${loc.name} is busy (${ACTION_WORD[running]} is still running); try again when it finishes.`;
      if (total === 1) throw new ApiError('conflict', summary);
      progress('failed', index + 1, summary);
      return { locationId: loc.id, locationName: loc.name, ok: false, result: 'failed', summary, eventId: null };
    }
    this.busy.set(loc.id, action);
    this.changed(loc);
    progress('running', index, `${ACTION_WORD[action]} at ${loc.name}…`);
    let outcome: Outcome;
    try {
      outcome = await act();
    } catch (err) {
      const message = err instanceof UpstreamError || err instanceof ApiError ? err.message : `Unexpected error: ${(err as Error).message}`;
      outcome = { result: 'failed', summary: `${capital(ACTION_WORD[action])} failed: ${message}` };
    } finally {
      this.busy.delete(loc.id);
    }
    const eventId = appendEvent(this.sqlite, loc, {
      at: this.at(),
      type: EVENT_TYPE[action],
      result: outcome.result,
      summary: outcome.summary,
      jobId: outcome.jobId ?? null,
      detail: { runId, ...outcome.detail },
    });
    if (action === 'syncUsers') {
      this.sqlite
        .prepare('UPDATE alarm_location SET last_user_sync_at = ?, last_user_sync_result = ?, last_user_sync_summary = ? WHERE id = ?')
        .run(this.at(), outcome.result, outcome.summary, loc.id);
    }
    const ok = outcome.result !== 'failed';
    progress(ok ? 'done' : 'failed', index + 1, outcome.summary);
    this.changed(loc);
    return { locationId: loc.id, locationName: loc.name, ok, result: outcome.result, summary: outcome.summary, eventId };
  }

  private changed(loc: LocationRow) {
    this.deps.events.emit('locations.changed', { siteId: loc.site_id, locationId: loc.id });
  }

  private dto(row: LocationRow): LocationDto {
    const serviceUsers = Number(this.sqlite.prepare(`SELECT count(*) FROM alarm_user WHERE location_id = ? AND side = 'service'`).pluck().get(row.id));
    let differences: number | null = null;
    try {
      differences = row.panel_reported_at ? this.currentDifferences(row).length : null;
    } catch (err) {
      // A code that cannot be unsealed must not take the whole list down: the count is unknown,
      // and opening this location's differences says why.
      if (!(err instanceof ApiError)) throw err;
    }
    return toLocationDto(row, { serviceUsers, differences, busy: this.busy.get(row.id) ?? null });
  }

  /** Compares unsealed codes: two seals of one code never have the same text. */
  private currentDifferences(loc: Pick<LocationRow, 'id'>) {
    return computeDifferences(readUsers(this.sqlite, loc.id, 'service', this.codes), readUsers(this.sqlite, loc.id, 'panel', this.codes));
  }

  private mustGet(locationId: string): LocationRow {
    const loc = getLocation(this.sqlite, locationId);
    if (!loc) throw new ApiError('not_found', 'That location does not exist (it may have been removed).');
    return loc;
  }

  systemsOf(siteId: string): AlarmSystemRef[] {
    const rows = this.sqlite
      .prepare(`SELECT id, site_id, name, config, secret_ref FROM access_system WHERE site_id = ? AND kind = 'alarm-panel' AND enabled = 1 ORDER BY name`)
      .all(siteId) as Array<{ id: string; site_id: string; name: string; config: string; secret_ref: string | null }>;
    return rows.map((r) => ({ id: r.id, siteId: r.site_id, name: r.name, config: readAlarmPanelConfig(parseJson(r.config, {})), secretRef: r.secret_ref }));
  }

  private systemOf(loc: LocationRow): AlarmSystemRef {
    const r = this.sqlite.prepare('SELECT id, site_id, name, config, secret_ref FROM access_system WHERE id = ?').get(loc.access_system_id) as
      | { id: string; site_id: string; name: string; config: string; secret_ref: string | null }
      | undefined;
    if (!r) throw new ApiError('not_found', 'The access system of this location was removed.');
    return { id: r.id, siteId: r.site_id, name: r.name, config: readAlarmPanelConfig(parseJson(r.config, {})), secretRef: r.secret_ref };
  }

  /** Lists the account's locations at the service and keeps the ones that belong to the site. */
  async discover(system: AlarmSystemRef): Promise<void> {
    const markError = (message: string | null) =>
      this.sqlite
        .prepare(
          `INSERT INTO alarm_account (access_system_id, site_id, discovered_at, last_error) VALUES (?, ?, ?, ?)
           ON CONFLICT (access_system_id) DO UPDATE SET discovered_at = COALESCE(excluded.discovered_at, discovered_at), last_error = excluded.last_error`,
        )
        .run(system.id, system.siteId, message ? null : this.at(), message);
    try {
      const client = await this.deps.clientFor(system);
      const wanted = system.config.locationIds?.length ? new Set(system.config.locationIds) : null;
      const listed = (await client.listLocations()).filter((l) => !wanted || wanted.has(l.locationId));
      const at = this.at();
      this.sqlite.transaction(() => {
        for (const l of listed) upsertLocation(this.sqlite, system.siteId, system.id, l, at);
      })();
      markError(null);
      this.deps.events.emit('locations.changed', { siteId: system.siteId, locationId: null });
    } catch (err) {
      markError((err as Error).message);
      throw err;
    }
  }

  // ---------------------------------------------------------------- the actions, per location

  private async syncUsersAt(loc: LocationRow, runId: string): Promise<Outcome> {
    // Codes are sealed when stored: without the key, stop before anything changes at the service.
    await this.codes.ready();
    const system = this.systemOf(loc);
    const client = await this.deps.clientFor(system);
    const work: SyncWork = { writes: 0, changes: [], failures: [] };
    try {
      return await this.pushUsers(loc, runId, system, client, work);
    } catch (err) {
      if (work.writes === 0) throw err;
      // The service may already hold some of this sync's changes (a write whose answer was lost
      // included): the entry says which, and our copy of its list is read again so the location
      // page and its differences show what the service now holds, not what it held before.
      await this.reread(client, loc).catch(() => undefined);
      const message = err instanceof UpstreamError || err instanceof ApiError ? err.message : `Unexpected error: ${(err as Error).message}`;
      const notSaved = work.failures.map((f) => `${f.name}${f.slot ? ` (slot ${f.slot})` : ''}: ${f.reason}`);
      return {
        result: 'failed',
        detail: { changes: work.changes, failures: work.failures, error: message },
        summary: `Sync users failed: ${noStop(message)}. ${describeChanges(work.changes)}${notSaved.length ? ` Not saved at the service: ${notSaved.join('; ')}.` : ''}`,
      };
    }
  }

  private async pushUsers(loc: LocationRow, runId: string, system: AlarmSystemRef, client: AlarmPanelClient, work: SyncWork): Promise<Outcome> {
    const status = await client.getLocation(loc.remote_id);
    upsertLocation(this.sqlite, loc.site_id, loc.access_system_id, status, this.at());
    const partitions = status.panel.partitions.map((p) => p.partitionId);
    const service = await client.listUsers(loc.remote_id);
    // Every stored code this sync may need, unsealed up front: an unreadable one fails the sync
    // here, before the service is changed, and is never replaced by a new code.
    const book = this.codeBook(system, service);

    // 1. Rollcall's people → the service's user list for this location.
    const people = this.peopleFor(system, loc.site_id);
    const wantIds = new Set(people.map((p) => p.id));
    const ours = new Map<string, WireUser>();
    // A person the service holds in more than one slot (made outside Rollcall): one slot is
    // theirs, the others go, or a person whose access ends would keep a working code.
    const extra: WireUser[] = [];
    for (const u of [...service].sort((a, b) => a.slot - b.slot)) {
      const pid = personIdOf(u.externalRef);
      if (!pid) continue;
      if (ours.has(pid)) extra.push(u);
      else ours.set(pid, u);
    }
    const usedSlots = new Set(service.map((u) => u.slot));
    const { changes, failures } = work;

    const unwanted = [...[...ours].filter(([pid]) => !wantIds.has(pid)).map(([, u]) => u), ...extra];
    for (const u of unwanted) {
      work.writes++;
      await client.deleteUser(loc.remote_id, u.slot, `${runId}:${loc.id}:delete:${u.slot}`);
      usedSlots.delete(u.slot);
      changes.push({ slot: u.slot, name: u.name, action: 'removed' });
    }
    for (const person of people) {
      const name = panelName(person);
      const existing = ours.get(person.id);
      let code = this.codeFor(book, system, person.id, existing?.code ?? null);
      const slot = existing?.slot ?? freeSlot(usedSlots, status.panel.maxUserSlots);
      if (slot === null) {
        failures.push({ name, slot: null, reason: `no free user slot (the panel has ${status.panel.maxUserSlots})` });
        continue;
      }
      const want: WireUserInput = { name, code, partitions, externalRef: `${EXTERNAL_REF_PREFIX}${person.id}` };
      if (existing && existing.name === want.name && existing.code === want.code && sameNumbers(existing.partitions, want.partitions)) continue;
      usedSlots.add(slot);
      let saved = false;
      for (let attempt = 1; attempt <= MAX_CODE_TRIES && !saved; attempt++) {
        try {
          work.writes++;
          await client.putUser(loc.remote_id, slot, { ...want, code }, `${runId}:${loc.id}:put:${slot}:${attempt}`);
          saved = true;
        } catch (err) {
          const duplicate = err instanceof UpstreamError && err.status === 409 && /duplicate_code/.test(err.message);
          if (!duplicate || attempt === MAX_CODE_TRIES) {
            failures.push({ name, slot, reason: (err as Error).message });
            if (!existing) usedSlots.delete(slot);
            break;
          }
          // Someone else at this location already has that code: give this person a new one.
          code = this.newCode(book, system, person.id);
        }
      }
      if (saved) changes.push({ slot, name, action: existing ? 'updated' : 'added', code: maskCode(code) });
    }

    // 2. The service → the panel, asynchronously; we wait for the job's verdict.
    work.writes++;
    const started = await client.startUserSync(loc.remote_id, `${runId}:${loc.id}:sync-users`);
    const job = await client.waitForJob(started.jobId);
    const after = await this.reread(client, loc);
    const names = new Map(after.service.map((u) => [u.slot, u.name] as const));
    const panelResults = job.results.map((r) => ({ slot: r.slot, name: names.get(r.slot) ?? `slot ${r.slot}`, result: r.result, reason: r.reason ?? null }));
    const detail = { jobId: job.jobId, changes, failures, panelResults, serviceUsers: after.service.length };
    const atService = describeChanges(changes);

    if (job.status === 'failed') {
      return {
        result: 'failed',
        jobId: job.jobId,
        detail: { ...detail, error: job.error },
        summary: `User sync failed: ${noStop(job.error?.message ?? 'the panel did not apply the users')}. ${atService} The service keeps its ${after.service.length} users and sends them when the panel answers.`,
      };
    }
    const refused = panelResults.filter((r) => r.result === 'failed');
    const applied = panelResults.filter((r) => r.result === 'applied').length;
    const problems = [
      ...refused.map((r) => `${r.name} (slot ${r.slot}): ${reasonWord(r.reason)}`),
      ...failures.map((f) => `${f.name}${f.slot ? ` (slot ${f.slot})` : ''}: ${f.reason}`),
    ];
    const partial = problems.length > 0 || job.status === 'completed_with_errors';
    return {
      result: partial ? 'partial' : 'success',
      jobId: job.jobId,
      detail,
      summary: partial
        ? `Users synced with problems: the panel applied ${applied} of ${applied + refused.length} users. ${atService} Not applied: ${problems.join('; ')}.`
        : `Users synced: the panel applied ${applied} user${applied === 1 ? '' : 's'}. ${atService}`,
    };
  }

  private async syncPanelAt(loc: LocationRow, runId: string): Promise<Outcome> {
    await this.codes.ready();
    const client = await this.deps.clientFor(this.systemOf(loc));
    const started = await client.startPanelSync(loc.remote_id, `${runId}:${loc.id}:sync-panel`);
    const job = await client.waitForJob(started.jobId);
    if (job.status === 'failed') {
      await this.refreshStatus(client, loc).catch(() => undefined);
      return { result: 'failed', jobId: job.jobId, detail: { jobId: job.jobId, error: job.error }, summary: `Panel sync failed: ${noStop(job.error?.message ?? 'the panel did not report')}.` };
    }
    const after = await this.reread(client, loc);
    await this.refreshStatus(client, loc);
    const diffs = this.currentDifferences(loc);
    return {
      result: 'success',
      jobId: job.jobId,
      detail: { jobId: job.jobId, panelUsers: after.panel.length, serviceUsers: after.service.length, differences: diffs.map((d) => d.summary) },
      summary: `The panel reported ${after.panel.length} user${after.panel.length === 1 ? '' : 's'}; ${
        diffs.length ? `${diffs.length} differ${diffs.length === 1 ? 's' : ''} from the service.` : 'it agrees with the service.'
      }`,
    };
  }

  private async refreshAt(loc: LocationRow): Promise<Outcome> {
    const client = await this.deps.clientFor(this.systemOf(loc));
    const status = await this.refreshStatus(client, loc);
    const imported = await this.importServiceEvents(client, loc);
    const armed = status.panel.partitions.map((p) => `${p.name} ${p.armingState.replace(/_/g, ' ')}`).join(', ');
    const offline = status.panel.connectionStatus === 'offline';
    return {
      result: offline ? 'failed' : 'success',
      detail: { connection: status.panel.connectionStatus, lastContactAt: status.panel.lastContactAt, importedEvents: imported },
      summary: offline
        ? `Status refreshed: the panel is offline (last contact ${status.panel.lastContactAt ?? 'never'}).`
        : `Status refreshed: online; ${armed || 'no partitions'}.`,
    };
  }

  private async resolveAt(loc: LocationRow, runId: string, slot: number, resolution: 'push' | 'accept-panel'): Promise<Outcome> {
    await this.codes.ready();
    const system = this.systemOf(loc);
    const service = readUsers(this.sqlite, loc.id, 'service', this.codes).find((u) => u.slot === slot) ?? null;
    const panel = readUsers(this.sqlite, loc.id, 'panel', this.codes).find((u) => u.slot === slot) ?? null;
    const client = await this.deps.clientFor(system);
    const who = service?.name ?? panel?.name ?? `slot ${slot}`;

    if (resolution === 'push') {
      // The service only sends whole user lists: pushing one slot sends them all.
      const started = await client.startUserSync(loc.remote_id, `${runId}:${loc.id}:resolve-push`);
      const job = await client.waitForJob(started.jobId);
      await this.reread(client, loc);
      if (job.status === 'failed') {
        return { result: 'failed', jobId: job.jobId, detail: { slot, resolution, error: job.error }, summary: `Could not push ${who} (slot ${slot}) to the panel: ${noStop(job.error?.message ?? 'the panel did not apply it')}.` };
      }
      const mine = job.results.find((r) => r.slot === slot);
      if (mine?.result === 'failed') {
        return { result: 'failed', jobId: job.jobId, detail: { slot, resolution }, summary: `The panel refused ${who} (slot ${slot}): ${reasonWord(mine.reason ?? null)}.` };
      }
      return {
        result: 'success',
        jobId: job.jobId,
        detail: { slot, resolution },
        summary: service ? `Pushed ${who} (slot ${slot}) from the service to the panel.` : `Removed ${who} (slot ${slot}) from the panel: the service has no such user.`,
      };
    }

    // Accept the panel's version: the service takes what the panel has. That writes one slot at
    // the service, so first make sure the slot still holds who this difference was about: a
    // change made there since (another console, another tool) must not be deleted or overwritten.
    const now = (await client.listUsers(loc.remote_id)).find((u) => u.slot === slot) ?? null;
    const same =
      (!now && !service) ||
      (!!now && !!service && now.name === service.name && now.code === service.code && (now.externalRef ?? null) === (service.externalRef ?? null));
    if (!same) {
      await this.reread(client, loc);
      return {
        result: 'failed',
        detail: { slot, resolution },
        summary: `Slot ${slot} changed at the service since the panel was last compared (it now holds ${now ? now.name : 'nobody'}); nothing was changed. Sync panel to compare again.`,
      };
    }
    if (!panel) {
      await client.deleteUser(loc.remote_id, slot, `${runId}:${loc.id}:accept:delete:${slot}`);
      await this.reread(client, loc);
      const ours = personIdOf(service?.externalRef);
      return {
        result: 'success',
        detail: { slot, resolution },
        summary: `Removed ${who} (slot ${slot}) from the service, as on the panel.${ours ? ' They still have access in Rollcall, so the next Sync users adds them again.' : ''}`,
      };
    }
    await client.putUser(
      loc.remote_id,
      slot,
      { name: panel.name, code: panel.code, partitions: panel.partitions, externalRef: service?.externalRef ?? null },
      `${runId}:${loc.id}:accept:put:${slot}`,
    );
    const personId = personIdOf(service?.externalRef);
    if (personId && service && service.code !== panel.code) {
      // The person's code changed at the keypad: remember it, so later syncs keep it.
      this.sqlite.prepare('UPDATE alarm_user_code SET code = ? WHERE access_system_id = ? AND person_id = ?').run(this.codes.seal(panel.code), system.id, personId);
    }
    await this.reread(client, loc);
    return {
      result: 'success',
      detail: { slot, resolution, code: maskCode(panel.code) },
      summary: service ? `The service now has the panel's version of ${who} (slot ${slot}).` : `Added ${who} (slot ${slot}) to the service, as on the panel.`,
    };
  }

  // ---------------------------------------------------------------- helpers

  /** Re-reads the service's user list and what the panel last reported into our two copies. */
  private async reread(client: AlarmPanelClient, loc: LocationRow): Promise<{ service: WireUser[]; panel: WireUser[] }> {
    const service = await client.listUsers(loc.remote_id);
    const report = await client.panelReport(loc.remote_id);
    const at = this.at();
    replaceUsers(this.sqlite, loc.id, 'service', service, at, this.codes);
    if (report.reportedAt) {
      replaceUsers(this.sqlite, loc.id, 'panel', report.users, at, this.codes);
      this.sqlite.prepare('UPDATE alarm_location SET panel_reported_at = ? WHERE id = ?').run(report.reportedAt, loc.id);
    }
    return { service, panel: report.users };
  }

  private async refreshStatus(client: AlarmPanelClient, loc: LocationRow) {
    const status = await client.getLocation(loc.remote_id);
    upsertLocation(this.sqlite, loc.site_id, loc.access_system_id, status, this.at());
    return status;
  }

  /** The service's own log entries (arming, keypad programming, outages), minus our own jobs. */
  private async importServiceEvents(client: AlarmPanelClient, loc: LocationRow): Promise<number> {
    const { events } = await client.listEvents(loc.remote_id, { limit: 50 });
    const ours = jobIdsOf(this.sqlite, loc.id);
    let added = 0;
    for (const e of events.reverse()) {
      if (e.jobId && ours.has(e.jobId)) continue;
      const id = appendEvent(this.sqlite, loc, { at: e.occurredAt, type: e.type, result: e.result, summary: e.description, origin: 'service', remoteEventId: e.eventId, jobId: e.jobId ?? null });
      if (id) added++;
    }
    return added;
  }

  private peopleFor(system: AlarmSystemRef, siteId: string): Array<{ id: string; firstName: string; lastName: string }> {
    const types = PEOPLE_CHOICES[system.config.people ?? 'staff'];
    const marks = types.map(() => '?').join(', ');
    return this.sqlite
      .prepare(
        `SELECT id, first_name AS firstName, last_name AS lastName FROM person
         WHERE site_id = ? AND access_enabled = 1 AND removed_at_source = 0 AND type IN (${marks})
         ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id`,
      )
      .all(siteId, ...types) as Array<{ id: string; firstName: string; lastName: string }>;
  }

  /**
   * The account's stored codes by person, unsealed, and the codes already taken — ours, every
   * location's two user lists, and this location's list as the service just sent it — so a new
   * code is new everywhere. Built from unsealed values: sealed texts never repeat.
   */
  private codeBook(system: AlarmSystemRef, atService: WireUser[]): CodeBook {
    const own = this.sqlite
      .prepare(
        `SELECT c.person_id AS personId, c.code, p.first_name AS firstName, p.last_name AS lastName
         FROM alarm_user_code c LEFT JOIN person p ON p.id = c.person_id WHERE c.access_system_id = ?`,
      )
      .all(system.id) as Array<{ personId: string; code: string; firstName: string | null; lastName: string | null }>;
    const byPerson = new Map<string, string>();
    for (const r of own) {
      const who = `${r.firstName ?? ''} ${r.lastName ?? ''}`.trim() || 'a person';
      byPerson.set(r.personId, this.codes.unseal(r.code, `the stored alarm code of ${who} (${system.name})`));
    }
    const mirrored = this.sqlite
      .prepare(
        `SELECT u.code, u.slot, u.side, l.name FROM alarm_user u JOIN alarm_location l ON l.id = u.location_id WHERE l.access_system_id = ?`,
      )
      .all(system.id) as Array<{ code: string; slot: number; side: string; name: string }>;
    const taken = new Set<string>([...byPerson.values(), ...atService.map((u) => u.code)]);
    for (const m of mirrored) {
      const where = m.side === 'service' ? "in the service's list" : 'as the panel reported it';
      taken.add(this.codes.unseal(m.code, `the stored code of slot ${m.slot} at ${m.name} ${where}`));
    }
    return { byPerson, taken };
  }

  /** The person's code for this account: kept, adopted from the service, or newly generated. */
  private codeFor(book: CodeBook, system: AlarmSystemRef, personId: string, atService: string | null): string {
    const known = book.byPerson.get(personId);
    if (known) return known;
    if (atService) {
      this.storeCode(book, system.id, personId, atService);
      return atService;
    }
    return this.newCode(book, system, personId);
  }

  private newCode(book: CodeBook, system: AlarmSystemRef, personId: string): string {
    const code = generateCode(book.taken);
    this.storeCode(book, system.id, personId, code);
    return code;
  }

  /** Stores the code sealed (a failed seal throws before anything is written) and books it as taken. */
  private storeCode(book: CodeBook, systemId: string, personId: string, code: string) {
    this.sqlite
      .prepare(
        `INSERT INTO alarm_user_code (access_system_id, person_id, code, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (access_system_id, person_id) DO UPDATE SET code = excluded.code`,
      )
      .run(systemId, personId, this.codes.seal(code), this.at());
    book.byPerson.set(personId, code);
    book.taken.add(code);
  }
}

/** What a Sync users has done so far, kept by the caller so a failure halfway can report it. */
interface SyncWork {
  /** Calls made that change the service (or may have, if their answer was lost). */
  writes: number;
  changes: Array<{ slot: number; name: string; action: 'added' | 'updated' | 'removed'; code?: string }>;
  failures: Array<{ name: string; slot: number | null; reason: string }>;
}

/** One sync's view of an account's codes, all unsealed. */
interface CodeBook {
  byPerson: Map<string, string>;
  taken: Set<string>;
}

const ACTION_WORD: Record<LocationAction, string> = { syncUsers: 'sync users', syncPanel: 'sync panel', refresh: 'refresh', resolve: 'resolve a difference' };
const EVENT_TYPE: Record<LocationAction, string> = { syncUsers: 'user_sync', syncPanel: 'panel_sync', refresh: 'refresh', resolve: 'resolve' };

/** Vendor messages end with a full stop; ours add their own. */
function noStop(s: string) {
  return s.replace(/[.\s]+$/, '');
}

function capital(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function panelName(p: { firstName: string; lastName: string }): string {
  return (`${p.firstName} ${p.lastName}`.trim() || 'Unnamed').slice(0, PANEL_NAME_MAX);
}

function freeSlot(used: Set<number>, max: number): number | null {
  for (let s = FIRST_USER_SLOT; s <= max; s++) if (!used.has(s)) return s;
  return null;
}

function sameNumbers(a: number[], b: number[]) {
  const x = [...a].sort((m, n) => m - n);
  const y = [...b].sort((m, n) => m - n);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function describeChanges(changes: Array<{ action: string }>): string {
  const n = (a: string) => changes.filter((c) => c.action === a).length;
  if (!changes.length) return 'No change was needed at the service.';
  const parts = [`${n('added')} added`, `${n('updated')} updated`, `${n('removed')} removed`].filter((p) => !p.startsWith('0 '));
  return `At the service: ${parts.join(', ')}.`;
}

const REASON_WORDS: Record<string, string> = {
  duplicate_code: 'another user on the panel has the same code',
  slot_locked: 'the slot is locked at the panel',
  panel_offline: 'the panel is offline',
};

function reasonWord(reason: string | null): string {
  return reason ? (REASON_WORDS[reason] ?? reason.replace(/_/g, ' ')) : 'no reason given';
}

export type { WireJob };
