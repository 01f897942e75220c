import type { z } from 'zod';
import { createUpstreamHttp, parseJson, statusError } from '../http/upstream-http';
import type { HttpCall, HttpReply, RetryPolicy } from '../http/upstream-http';
import { UpstreamError } from '../types';
import type { TestResult } from '../types';
import { eventsReply, jobReply, locationReply, locationsPage, usersReply, userReply, wirePanelReport } from './wire';
import type { WireEvent, WireJob, WireLocation, WirePanelReport, WireUser, WireUserInput } from './wire';

/**
 * The alarm-panel service's API, one method per endpoint. Reads and idempotent writes (PUT,
 * DELETE, and POSTs that carry an Idempotency-Key) retry through upstream-http; a reply in the
 * wrong shape is an error, never a partial answer.
 */
export interface AlarmPanelClient {
  test(): Promise<TestResult>;
  listLocations(signal?: AbortSignal): Promise<WireLocation[]>;
  getLocation(locationId: string): Promise<WireLocation>;
  listUsers(locationId: string): Promise<WireUser[]>;
  putUser(locationId: string, slot: number, user: WireUserInput, idempotencyKey: string): Promise<WireUser>;
  /** True when removed, false when the slot was already empty. */
  deleteUser(locationId: string, slot: number, idempotencyKey: string): Promise<boolean>;
  startUserSync(locationId: string, idempotencyKey: string): Promise<WireJob>;
  startPanelSync(locationId: string, idempotencyKey: string): Promise<WireJob>;
  getJob(jobId: string): Promise<WireJob>;
  /** Polls until the job is no longer pending. */
  waitForJob(jobId: string, signal?: AbortSignal): Promise<WireJob>;
  panelReport(locationId: string): Promise<WirePanelReport>;
  listEvents(locationId: string, opts?: { limit?: number; before?: string }): Promise<{ events: WireEvent[]; nextBefore: string | null }>;
}

export interface AlarmPanelClientOptions {
  baseUrl: string;
  apiKey: string;
  retry?: Partial<RetryPolicy>;
  /** Between job polls. */
  pollMs?: number;
  /** Give up waiting for a job after this long (the job may still finish at the service). */
  jobTimeoutMs?: number;
}

export const ALARM_SYSTEM_NAME = 'the alarm-panel service';

export function createAlarmPanelClient(opts: AlarmPanelClientOptions): AlarmPanelClient {
  const http = createUpstreamHttp({ baseUrl: opts.baseUrl, auth: { kind: 'bearer', token: opts.apiKey }, systemName: ALARM_SYSTEM_NAME, retry: opts.retry });
  const pollMs = opts.pollMs ?? 500;
  const jobTimeoutMs = opts.jobTimeoutMs ?? 60_000;
  const loc = (id: string) => `/v1/locations/${encodeURIComponent(id)}`;

  async function send(call: HttpCall, what: string, ok: number[] = [200]): Promise<HttpReply> {
    const reply = await http.request(call);
    if (!ok.includes(reply.status)) throw statusError(ALARM_SYSTEM_NAME, what, reply);
    return reply;
  }

  function read<T>(reply: HttpReply, schema: z.ZodType<T>, what: string): T {
    const parsed = parseJson(reply.text);
    if (!parsed.ok) throw new UpstreamError(`The alarm-panel service sent a reply that is not JSON (cut off?) while ${what}.`, reply.status, true);
    const checked = schema.safeParse(parsed.value);
    if (!checked.success) {
      const where = checked.error.issues[0]?.path.join('.') || 'the reply';
      throw new UpstreamError(`The alarm-panel service sent a reply Rollcall cannot read (${where}) while ${what}.`, reply.status);
    }
    return checked.data;
  }

  const client: AlarmPanelClient = {
    async test() {
      try {
        const reply = await send({ method: 'GET', path: '/v1/locations', query: { page: 1, pageSize: 1 }, retryable: true, maxAttempts: 2 }, 'testing the connection');
        const page = read(reply, locationsPage, 'testing the connection');
        return { ok: true, message: `Connected: the account has ${page.totalCount} location${page.totalCount === 1 ? '' : 's'}.` };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
    async listLocations(signal) {
      const all: WireLocation[] = [];
      const seen = new Set<string>();
      for (let page = 1; page <= 1000; page++) {
        const what = `listing locations (page ${page})`;
        const body = read(await send({ method: 'GET', path: '/v1/locations', query: { page, pageSize: 100 }, retryable: true, signal }, what), locationsPage, what);
        for (const l of body.locations) {
          if (seen.has(l.locationId)) throw new UpstreamError(`The alarm-panel service listed location ${l.locationId} twice.`);
          seen.add(l.locationId);
          all.push(l);
        }
        if (all.length >= body.totalCount) return all;
        // An empty page before the total is reached: the rest was lost. A partial list would make
        // the missing locations' users look deleted to whoever reads it.
        if (body.locations.length === 0) {
          throw new UpstreamError(`The alarm-panel service's location list was incomplete: it reported ${body.totalCount} locations but sent ${all.length}.`, null, true);
        }
      }
      throw new UpstreamError('The alarm-panel service kept sending more location pages than Rollcall reads (1000); the list was not used.', null, true);
    },
    async getLocation(id) {
      const what = `reading location ${id}`;
      return read(await send({ method: 'GET', path: loc(id), retryable: true }, what), locationReply, what).location;
    },
    async listUsers(id) {
      const what = `reading the users of location ${id}`;
      const users = read(await send({ method: 'GET', path: `${loc(id)}/users`, retryable: true }, what), usersReply, what).users;
      if (new Set(users.map((u) => u.slot)).size !== users.length) throw new UpstreamError(`The alarm-panel service listed a user slot twice for location ${id}.`);
      return users;
    },
    async putUser(id, slot, user, idempotencyKey) {
      const what = `saving user slot ${slot} at location ${id}`;
      const reply = await send(
        { method: 'PUT', path: `${loc(id)}/users/${slot}`, json: user, headers: { 'idempotency-key': idempotencyKey }, retryable: true },
        what,
        [200, 201],
      );
      return read(reply, userReply, what).user;
    },
    async deleteUser(id, slot, idempotencyKey) {
      const reply = await send(
        { method: 'DELETE', path: `${loc(id)}/users/${slot}`, headers: { 'idempotency-key': idempotencyKey }, retryable: true },
        `removing user slot ${slot} at location ${id}`,
        [200, 204, 404],
      );
      // A retry after a lost reply finds the slot already empty: that is the outcome we wanted.
      return reply.status !== 404;
    },
    async startUserSync(id, idempotencyKey) {
      const what = `starting a user sync at location ${id}`;
      const reply = await send({ method: 'POST', path: `${loc(id)}/sync-users`, headers: { 'idempotency-key': idempotencyKey }, retryable: true }, what, [200, 202]);
      return read(reply, jobReply, what).job;
    },
    async startPanelSync(id, idempotencyKey) {
      const what = `starting a panel sync at location ${id}`;
      const reply = await send({ method: 'POST', path: `${loc(id)}/sync-panel`, headers: { 'idempotency-key': idempotencyKey }, retryable: true }, what, [200, 202]);
      return read(reply, jobReply, what).job;
    },
    async getJob(jobId) {
      const what = `checking job ${jobId}`;
      return read(await send({ method: 'GET', path: `/v1/jobs/${encodeURIComponent(jobId)}`, retryable: true }, what), jobReply, what).job;
    },
    async waitForJob(jobId, signal) {
      const until = Date.now() + jobTimeoutMs;
      for (;;) {
        const job = await client.getJob(jobId);
        if (job.status !== 'pending') return job;
        if (Date.now() >= until) {
          throw new UpstreamError(`The alarm-panel service has not finished job ${jobId} after ${Math.round(jobTimeoutMs / 1000)} s; check the location's event log later.`, null, true);
        }
        if (signal?.aborted) throw new UpstreamError('Waiting for the alarm-panel service was cancelled.');
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
    async panelReport(id) {
      const what = `reading what the panel of location ${id} reported`;
      return read(await send({ method: 'GET', path: `${loc(id)}/panel`, retryable: true }, what), wirePanelReport, what);
    },
    async listEvents(id, opts = {}) {
      const what = `reading the event log of location ${id}`;
      return read(
        await send({ method: 'GET', path: `${loc(id)}/events`, query: { limit: opts.limit ?? 50, before: opts.before }, retryable: true }, what),
        eventsReply,
        what,
      );
    },
  };
  return client;
}
