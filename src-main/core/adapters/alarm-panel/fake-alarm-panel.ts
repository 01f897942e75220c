import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { REPLAY_HEADER, jsonError, startFakeServer } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';
import type { WireEvent, WireJob, WireJobResult, WireLocation, WireUser } from './wire';

/**
 * A fake alarm-panel remote service. It keeps, per location, the user list the SERVICE holds and
 * the users the PANEL actually has — two lists that only meet when a job runs: "sync users"
 * sends the service's list to the panel, "sync panel" has the panel report back. Jobs finish
 * after a short delay, and fail when the panel is offline. Tests drive the panel directly
 * (keypad edits, going offline, rejecting a slot) to make the two sides disagree.
 */

export interface FakeAlarmUser {
  slot: number;
  name: string;
  code: string;
  partitions: number[];
  externalRef: string | null;
  updatedAt: string;
}

export interface FakeAlarmLocationSeed {
  locationId: string;
  name: string;
  address?: string;
  online?: boolean;
  maxUserSlots?: number;
  partitions?: Array<{ partitionId: number; name: string; armingState?: string }>;
  /** Users both the service and the panel start with (slot 1 is usually the master code). */
  users?: Array<Omit<FakeAlarmUser, 'updatedAt' | 'externalRef'> & { externalRef?: string | null }>;
}

interface LocationState {
  locationId: string;
  name: string;
  address: string;
  serialNumber: string;
  model: string;
  online: boolean;
  lastContactAt: string | null;
  maxUserSlots: number;
  partitions: Array<{ partitionId: number; name: string; armingState: string }>;
  service: FakeAlarmUser[];
  panel: FakeAlarmUser[];
  /** What the service last heard from the panel (updated by jobs). */
  report: { reportedAt: string | null; users: FakeAlarmUser[] };
  userSync: { status: string; lastSyncAt: string | null };
  events: WireEvent[];
  /** Slots the panel will refuse on the next user sync, with the reason it gives. */
  rejectSlots: Record<string, string>;
}

interface PersistedState {
  locations: LocationState[];
  nextEvent: number;
}

export interface AlarmPanelFakeOptions {
  locations: FakeAlarmLocationSeed[];
  /** The API key (a bearer token); random when left out. */
  apiKey?: string;
  /** How long the panel takes to apply a job. */
  applyDelayMs?: number;
  /** Keep state in this JSON file across restarts (the demo); tests leave it out. */
  stateFile?: string;
  pageSize?: number;
}

export interface AlarmPanelFake {
  url: string;
  apiKey: string;
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  /** Take a panel off the network (jobs fail) or bring it back. */
  setOnline(locationId: string, online: boolean): void;
  setArming(locationId: string, partitionId: number, armingState: string): void;
  /** A change made at the panel's keypad: the service does not know until the panel reports. */
  editPanelUser(locationId: string, slot: number, user: { name: string; code: string; partitions?: number[] } | null): void;
  /** The panel refuses this slot on the next user sync (e.g. "duplicate_code"). */
  rejectSlotOnNextSync(locationId: string, slot: number, reason: string): void;
  serviceUsers(locationId: string): FakeAlarmUser[];
  panelUsers(locationId: string): FakeAlarmUser[];
  events(locationId: string): WireEvent[];
  close(): Promise<void>;
}

const DEFAULT_PARTITIONS = [{ partitionId: 1, name: 'Main', armingState: 'disarmed' }];

export async function startAlarmPanelFake(opts: AlarmPanelFakeOptions): Promise<AlarmPanelFake> {
  const apiKey = opts.apiKey ?? randomBytes(24).toString('base64url');
  const applyDelayMs = opts.applyDelayMs ?? 300;
  const pageSize = opts.pageSize ?? 50;
  const state = loadState(opts.stateFile) ?? seedState(opts.locations);
  const jobs = new Map<string, WireJob>();
  const replies = new Map<string, FakeReply>();
  const timers = new Set<NodeJS.Timeout>();
  const now = () => new Date().toISOString();

  const save = () => {
    if (!opts.stateFile) return;
    mkdirSync(dirname(opts.stateFile), { recursive: true });
    const tmp = `${opts.stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, opts.stateFile);
  };
  save();

  const find = (id: string) => state.locations.find((l) => l.locationId === id) ?? null;
  const logEvent = (loc: LocationState, e: Omit<WireEvent, 'eventId' | 'occurredAt'>) => {
    loc.events.push({ eventId: `E${state.nextEvent++}`, occurredAt: now(), ...e });
    if (loc.events.length > 2000) loc.events.splice(0, loc.events.length - 2000);
  };

  /** POSTs carrying an Idempotency-Key answer the same way when repeated. */
  const once = async (req: FakeRequest, work: () => FakeReply | Promise<FakeReply>): Promise<FakeReply> => {
    const key = req.header('idempotency-key');
    const memo = key ? `${req.method} ${req.path} ${key}` : null;
    if (memo && replies.has(memo)) {
      const r = replies.get(memo)!;
      return { ...r, headers: { ...r.headers, [REPLAY_HEADER]: 'true' } };
    }
    const reply = await work();
    if (memo && reply.status < 500) replies.set(memo, reply);
    return reply;
  };

  const later = (fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
      save();
    }, applyDelayMs);
    timers.add(t);
  };

  const startJob = (loc: LocationState, type: WireJob['type']): WireJob => {
    const job: WireJob = {
      jobId: `job_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
      locationId: loc.locationId,
      type,
      status: 'pending',
      createdAt: now(),
      completedAt: null,
      results: [],
      error: null,
    };
    jobs.set(job.jobId, job);
    if (type === 'user_sync') loc.userSync = { ...loc.userSync, status: 'pending' };
    later(() => (type === 'user_sync' ? runUserSync(loc, job) : runPanelSync(loc, job)));
    return job;
  };

  const failOffline = (loc: LocationState, job: WireJob, what: string) => {
    job.status = 'failed';
    job.completedAt = now();
    job.error = { code: 'panel_offline', message: 'The panel did not answer: it is offline.' };
    logEvent(loc, { type: job.type, result: 'failed', description: `${what} failed: the panel is offline.`, jobId: job.jobId });
  };

  const runUserSync = (loc: LocationState, job: WireJob) => {
    if (!loc.online) {
      loc.userSync = { ...loc.userSync, status: 'failed' };
      return failOffline(loc, job, 'User sync');
    }
    const results: WireJobResult[] = [];
    const keep = new Set(loc.service.map((u) => u.slot));
    for (const u of loc.service) {
      const reason = loc.rejectSlots[String(u.slot)];
      if (reason) {
        results.push({ slot: u.slot, result: 'failed', reason });
        continue;
      }
      const i = loc.panel.findIndex((p) => p.slot === u.slot);
      const copy = { ...u, partitions: [...u.partitions] };
      if (i >= 0) loc.panel[i] = copy;
      else loc.panel.push(copy);
      results.push({ slot: u.slot, result: 'applied', reason: null });
    }
    for (const p of [...loc.panel]) {
      if (keep.has(p.slot)) continue;
      loc.panel = loc.panel.filter((x) => x.slot !== p.slot);
      results.push({ slot: p.slot, result: 'removed', reason: null });
    }
    loc.rejectSlots = {};
    loc.panel.sort((a, b) => a.slot - b.slot);
    const failed = results.filter((r) => r.result === 'failed').length;
    job.results = results;
    job.status = failed ? 'completed_with_errors' : 'completed';
    job.completedAt = now();
    loc.lastContactAt = job.completedAt;
    loc.report = { reportedAt: job.completedAt, users: loc.panel.map((u) => ({ ...u })) };
    loc.userSync = { status: failed ? 'failed' : 'in_sync', lastSyncAt: job.completedAt };
    logEvent(loc, {
      type: 'user_sync',
      result: failed ? 'partial' : 'success',
      description: failed ? `User sync finished: ${failed} slot(s) were refused by the panel.` : 'User sync finished: the panel has the service user list.',
      jobId: job.jobId,
    });
  };

  const runPanelSync = (loc: LocationState, job: WireJob) => {
    if (!loc.online) return failOffline(loc, job, 'Panel sync');
    job.status = 'completed';
    job.completedAt = now();
    loc.lastContactAt = job.completedAt;
    loc.report = { reportedAt: job.completedAt, users: loc.panel.map((u) => ({ ...u })) };
    logEvent(loc, { type: 'panel_sync', result: 'success', description: `The panel reported ${loc.panel.length} user(s).`, jobId: job.jobId });
  };

  const withLocation = (req: FakeRequest, fn: (loc: LocationState) => FakeReply | Promise<FakeReply>) => {
    const loc = find(req.params.locationId);
    if (!loc) return jsonError(404, 'location_not_found', `No location ${req.params.locationId} in this account.`);
    return fn(loc);
  };

  const validateUser = (loc: LocationState, slot: number, body: unknown): FakeReply | Omit<FakeAlarmUser, 'slot' | 'updatedAt'> => {
    if (!Number.isInteger(slot) || slot < 1 || slot > loc.maxUserSlots) {
      return jsonError(400, 'invalid_slot', `User slots run from 1 to ${loc.maxUserSlots}.`);
    }
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.name !== 'string' || b.name.trim() === '' || b.name.length > 32) return jsonError(400, 'invalid_name', 'name must be 1 to 32 characters.');
    if (typeof b.code !== 'string' || !/^\d{4,8}$/.test(b.code)) return jsonError(400, 'invalid_code', 'code must be 4 to 8 digits.');
    const parts = Array.isArray(b.partitions) ? b.partitions : [];
    const known = new Set(loc.partitions.map((p) => p.partitionId));
    if (!parts.length || parts.some((p) => !known.has(p as number))) return jsonError(400, 'invalid_partitions', 'partitions must name partitions of this panel.');
    if (loc.service.some((u) => u.slot !== slot && u.code === b.code)) return jsonError(409, 'duplicate_code', 'Another user at this location has that code.');
    return { name: b.name, code: b.code, partitions: parts as number[], externalRef: typeof b.externalRef === 'string' ? b.externalRef : null };
  };

  const putUser = (loc: LocationState, slot: number, body: unknown): FakeReply => {
    const v = validateUser(loc, slot, body);
    if ('status' in v) return v;
    const user: FakeAlarmUser = { slot, ...v, updatedAt: now() };
    const i = loc.service.findIndex((u) => u.slot === slot);
    if (i >= 0) loc.service[i] = user;
    else loc.service.push(user);
    loc.service.sort((a, b) => a.slot - b.slot);
    loc.userSync = { ...loc.userSync, status: 'pending' };
    save();
    return { status: i >= 0 ? 200 : 201, body: { user: toWireUser(user) } };
  };

  const server = await startFakeServer({
    token: apiKey,
    shapers: alarmShapers(),
    routes: [
      {
        method: 'GET',
        pattern: '/v1/locations',
        handler: (req) => {
          const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
          const size = Math.min(200, Math.max(1, Number(req.query.get('pageSize') ?? pageSize) || pageSize));
          const rows = state.locations.slice((page - 1) * size, page * size).map(toWireLocation);
          return { status: 200, body: { locations: rows, page, pageSize: size, totalCount: state.locations.length } };
        },
      },
      { method: 'GET', pattern: '/v1/locations/:locationId', handler: (req) => withLocation(req, (loc) => ({ status: 200, body: { location: toWireLocation(loc) } })) },
      {
        method: 'GET',
        pattern: '/v1/locations/:locationId/users',
        handler: (req) => withLocation(req, (loc) => ({ status: 200, body: { users: loc.service.map(toWireUser) } })),
      },
      {
        method: 'POST',
        pattern: '/v1/locations/:locationId/users',
        handler: (req) =>
          withLocation(req, (loc) =>
            once(req, () => {
              const taken = new Set(loc.service.map((u) => u.slot));
              let slot = 2;
              while (taken.has(slot) && slot <= loc.maxUserSlots) slot++;
              if (slot > loc.maxUserSlots) return jsonError(409, 'no_free_slot', 'Every user slot of this panel is taken.');
              return putUser(loc, slot, req.body);
            }),
          ),
      },
      { method: 'PUT', pattern: '/v1/locations/:locationId/users/:slot', handler: (req) => withLocation(req, (loc) => putUser(loc, Number(req.params.slot), req.body)) },
      {
        method: 'DELETE',
        pattern: '/v1/locations/:locationId/users/:slot',
        handler: (req) =>
          withLocation(req, (loc) => {
            const slot = Number(req.params.slot);
            if (!loc.service.some((u) => u.slot === slot)) return jsonError(404, 'user_not_found', `No user in slot ${slot}.`);
            loc.service = loc.service.filter((u) => u.slot !== slot);
            loc.userSync = { ...loc.userSync, status: 'pending' };
            save();
            return { status: 204 };
          }),
      },
      {
        method: 'POST',
        pattern: '/v1/locations/:locationId/sync-users',
        handler: (req) => withLocation(req, (loc) => once(req, () => ({ status: 202, body: { job: startJob(loc, 'user_sync') } }))),
      },
      {
        method: 'POST',
        pattern: '/v1/locations/:locationId/sync-panel',
        handler: (req) => withLocation(req, (loc) => once(req, () => ({ status: 202, body: { job: startJob(loc, 'panel_sync') } }))),
      },
      {
        method: 'GET',
        pattern: '/v1/locations/:locationId/panel',
        handler: (req) =>
          withLocation(req, (loc) => ({
            status: 200,
            body: { locationId: loc.locationId, reportedAt: loc.report.reportedAt, users: loc.report.users.map(toWireUser) },
          })),
      },
      {
        method: 'GET',
        pattern: '/v1/locations/:locationId/events',
        handler: (req) =>
          withLocation(req, (loc) => {
            const limit = Math.min(200, Math.max(1, Number(req.query.get('limit') ?? 50) || 50));
            const before = req.query.get('before');
            let rows = [...loc.events].reverse();
            if (before) rows = rows.filter((e) => Number(e.eventId.slice(1)) < Number(before.replace(/^E/, '')));
            const page = rows.slice(0, limit);
            const nextBefore = rows.length > limit ? page[page.length - 1].eventId : null;
            return { status: 200, body: { events: page, nextBefore } };
          }),
      },
      {
        method: 'GET',
        pattern: '/v1/jobs/:jobId',
        handler: (req) => {
          const job = jobs.get(req.params.jobId);
          return job ? { status: 200, body: { job } } : jsonError(404, 'job_not_found', 'No such job.');
        },
      },
    ],
  });

  const mustFind = (id: string) => {
    const loc = find(id);
    if (!loc) throw new Error(`The fake has no location ${id}.`);
    return loc;
  };

  return {
    url: server.url,
    apiKey,
    requestLog: server.requestLog,
    misbehave: server.misbehave,
    clearMisbehaviour: server.clearMisbehaviour,
    setOnline(id, online) {
      const loc = mustFind(id);
      if (loc.online === online) return;
      loc.online = online;
      if (online) loc.lastContactAt = now();
      logEvent(loc, {
        type: online ? 'communication_restored' : 'communication_failure',
        result: 'info',
        description: online ? 'The panel is communicating again.' : 'The panel stopped communicating with the service.',
      });
      save();
    },
    setArming(id, partitionId, armingState) {
      const loc = mustFind(id);
      const p = loc.partitions.find((x) => x.partitionId === partitionId);
      if (!p) throw new Error(`No partition ${partitionId}.`);
      p.armingState = armingState;
      logEvent(loc, { type: armingState === 'disarmed' ? 'disarmed' : 'armed', result: 'info', description: `${p.name}: ${armingState.replace('_', ' ')}.` });
      save();
    },
    editPanelUser(id, slot, user) {
      const loc = mustFind(id);
      loc.panel = loc.panel.filter((u) => u.slot !== slot);
      if (user) {
        loc.panel.push({ slot, name: user.name, code: user.code, partitions: user.partitions ?? [loc.partitions[0].partitionId], externalRef: null, updatedAt: now() });
        loc.panel.sort((a, b) => a.slot - b.slot);
      }
      logEvent(loc, { type: 'panel_programming', result: 'info', description: `User slot ${slot} was ${user ? 'programmed' : 'deleted'} at the keypad.` });
      save();
    },
    rejectSlotOnNextSync(id, slot, reason) {
      mustFind(id).rejectSlots[String(slot)] = reason;
    },
    serviceUsers: (id) => mustFind(id).service.map((u) => ({ ...u })),
    panelUsers: (id) => mustFind(id).panel.map((u) => ({ ...u })),
    events: (id) => [...mustFind(id).events],
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await server.close();
    },
  };
}

function seedState(seeds: FakeAlarmLocationSeed[]): PersistedState {
  const at = new Date().toISOString();
  return {
    nextEvent: 1,
    locations: seeds.map((s, i) => {
      const users: FakeAlarmUser[] = (s.users ?? []).map((u) => ({ ...u, externalRef: u.externalRef ?? null, updatedAt: at }));
      return {
        locationId: s.locationId,
        name: s.name,
        address: s.address ?? '',
        serialNumber: `PNL-${String(100200 + i * 37)}`,
        model: 'IQ Panel 4',
        online: s.online ?? true,
        lastContactAt: s.online === false ? null : at,
        maxUserSlots: s.maxUserSlots ?? 48,
        partitions: (s.partitions ?? DEFAULT_PARTITIONS).map((p) => ({ ...p, armingState: p.armingState ?? 'disarmed' })),
        service: users.map((u) => ({ ...u })),
        panel: users.map((u) => ({ ...u })),
        report: { reportedAt: null, users: [] },
        userSync: { status: 'never', lastSyncAt: null },
        events: [],
        rejectSlots: {},
      };
    }),
  };
}

function loadState(file: string | undefined): PersistedState | null {
  if (!file) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as PersistedState;
    return Array.isArray(parsed.locations) ? parsed : null;
  } catch {
    return null;
  }
}

function toWireUser(u: FakeAlarmUser): WireUser {
  return { slot: u.slot, name: u.name, code: u.code, partitions: [...u.partitions], externalRef: u.externalRef, updatedAt: u.updatedAt };
}

function toWireLocation(l: LocationState): WireLocation {
  return {
    locationId: l.locationId,
    name: l.name,
    address: l.address || null,
    panel: {
      serialNumber: l.serialNumber,
      model: l.model,
      connectionStatus: l.online ? 'online' : 'offline',
      lastContactAt: l.lastContactAt,
      maxUserSlots: l.maxUserSlots,
      partitions: l.partitions.map((p) => ({ ...p })),
    },
    userSync: { ...l.userSync },
  };
}

/** Bends whichever list a reply carries (locations, users, events); "malformed" drops the record's own id. */
function alarmShapers(): BodyShapers {
  const ID_OF: Record<string, string> = { locations: 'locationId', users: 'slot', events: 'eventId' };
  const listOf = (body: unknown): [Record<string, unknown>, string] | null => {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
    const o = body as Record<string, unknown>;
    const key = Object.keys(ID_OF).find((k) => Array.isArray(o[k]));
    return key ? [o, key] : null;
  };
  return {
    malformed(body) {
      const found = listOf(body);
      if (!found) return { unexpected: true };
      const [o, key] = found;
      const list = o[key] as Record<string, unknown>[];
      if (!list.length) return { ...o, [key]: { items: [] } };
      const { [ID_OF[key]]: _gone, ...rest } = list[0];
      return { ...o, [key]: [rest, ...list.slice(1)] };
    },
    duplicateIds(body) {
      const found = listOf(body);
      if (!found) return body;
      const [o, key] = found;
      const list = o[key] as unknown[];
      return list.length ? { ...o, [key]: [...list, list[0]] } : body;
    },
    emptyList(body) {
      const found = listOf(body);
      return found ? { ...found[0], [found[1]]: [] } : body;
    },
  };
}
