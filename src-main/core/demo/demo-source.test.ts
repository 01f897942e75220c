import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../adapters/types';
import type { SourceConnector, SourceRecord } from '../adapters/types';
import { generateDemoData } from './demo-people';
import { startDemoSourceServer } from './demo-source-server';
import type { DemoSourceServer } from './demo-source-server';
import { createDemoSourceConnector } from './demo-source-connector';

const TOKEN = 'test-token-5f1c0e';
const FAST = { attempts: 3, baseDelayMs: 10, maxDelayMs: 3_000, timeoutMs: 2_000 };
const people = generateDemoData(1).sourcePeople;

let server: DemoSourceServer;
let connector: SourceConnector;

beforeEach(async () => {
  server = await startDemoSourceServer({ people, token: TOKEN });
  connector = createDemoSourceConnector({ url: server.url, token: TOKEN, pageSize: 40, retry: FAST });
});
afterEach(async () => {
  await server.close();
});

async function readAll(c: SourceConnector, onPage?: (n: number) => void): Promise<SourceRecord[]> {
  const all: SourceRecord[] = [];
  let n = 0;
  for await (const page of c.list()) {
    all.push(...page);
    onPage?.(++n);
  }
  return all;
}

/** Runs a read that must fail, and returns the error (never a list). */
async function failingRead(c: SourceConnector, onPage?: (n: number) => void): Promise<UpstreamError> {
  const result = await readAll(c, onPage).then(
    (records) => ({ records }),
    (err: unknown) => ({ err }),
  );
  if ('records' in result) throw new Error(`expected the read to fail, it returned ${result.records.length} records`);
  expect(result.err).toBeInstanceOf(UpstreamError);
  const err = result.err as UpstreamError;
  expect(err.message).not.toContain(TOKEN);
  return err;
}

describe('demo property system + connector', () => {
  it('tests the connection with a clear answer', async () => {
    await expect(connector.test()).resolves.toEqual({ ok: true, message: expect.stringContaining('Harbor View Apartments (HVA01)') });

    const wrong = createDemoSourceConnector({ url: server.url, token: 'nope', retry: FAST });
    const denied = await wrong.test();
    expect(denied.ok).toBe(false);
    expect(denied.message).toMatch(/rejected the API token \(401\)/);

    const url = server.url;
    await server.close();
    const gone = await createDemoSourceConnector({ url, token: TOKEN, retry: FAST }).test();
    expect(gone.ok).toBe(false);
    expect(gone.message).toMatch(/Could not reach the property system .*refused/);
    expect(gone.message).not.toContain(TOKEN);
    server = await startDemoSourceServer({ people, token: TOKEN }); // for afterEach
  });

  it('pages through every person and maps the vendor fields', async () => {
    let pages = 0;
    const records = await readAll(connector, (n) => (pages = n));
    expect(pages).toBe(Math.ceil(people.length / 40));
    expect(records).toHaveLength(people.length);
    expect(new Set(records.map((r) => r.externalId)).size).toBe(people.length);

    const staff = people.find((p) => p.type === 'staff')!;
    const rec = records.find((r) => r.externalId === staff.id)!;
    expect(rec).toMatchObject({
      firstName: staff.first_name,
      lastName: staff.last_name,
      email: staff.email,
      status: staff.status,
      type: 'staff',
      siteKey: 'HVA01',
      tags: [staff.role],
    });
    expect(rec.raw).toEqual(staff);
  });

  it('refuses a wrong token with a 401 UpstreamError', async () => {
    const err = await failingRead(createDemoSourceConnector({ url: server.url, token: 'wrong', retry: FAST }));
    expect(err.status).toBe(401);
  });

  it('waits as long as Retry-After asks on 429, then reads everything', async () => {
    server.misbehave({ status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const records = await readAll(connector);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(records).toHaveLength(people.length);
    expect(server.requestLog.filter((r) => r.status === 429)).toHaveLength(1);
  });

  it('caps a very long Retry-After at the configured maximum', async () => {
    server.misbehave({ status: 503, retryAfterSeconds: 120 });
    const capped = createDemoSourceConnector({ url: server.url, token: TOKEN, pageSize: 100, retry: { ...FAST, maxDelayMs: 150 } });
    const started = Date.now();
    expect(await readAll(capped)).toHaveLength(people.length);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out a slow answer and tries again', async () => {
    server.misbehave({ delayMs: 800 });
    const impatient = createDemoSourceConnector({ url: server.url, token: TOKEN, pageSize: 100, retry: { ...FAST, timeoutMs: 200 } });
    expect(await readAll(impatient)).toHaveLength(people.length);

    server.misbehave({ delayMs: 800, times: 3 });
    const err = await failingRead(impatient);
    expect(err.message).toMatch(/did not answer in time \(after 3 tries\)/);
  });

  it('retries a 500 and succeeds when the server recovers', async () => {
    server.misbehave({ status: 500, times: 2 });
    expect(await readAll(connector)).toHaveLength(people.length);
  });

  it('gives up on a server that keeps failing', async () => {
    server.misbehave({ status: 500, times: Infinity });
    const err = await failingRead(connector);
    expect(err.status).toBe(500);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/after 3 tries/);
    expect(server.requestLog).toHaveLength(3);
  });

  it('never completes a read with a cut-off page, even mid-way', async () => {
    const err = await failingRead(connector, (n) => {
      if (n === 2) server.misbehave({ truncate: true });
    });
    expect(err.message).toMatch(/page 3 .*not complete JSON/);
  });

  it('rejects a page in the wrong shape', async () => {
    server.misbehave({ malformed: true });
    const err = await failingRead(connector);
    expect(err.message).toMatch(/page 1 .*data\.0\.id/);
  });

  it('rejects a page that names a person twice', async () => {
    server.misbehave({ duplicateIds: true });
    const err = await failingRead(connector);
    expect(err.message).toMatch(/appears more than once/);
  });

  it('rejects a read when the list changes under it', async () => {
    const err = await failingRead(connector, (n) => {
      if (n === 1) server.people.upsert({ ...people[0], id: 'R-00001', first_name: 'Early' });
    });
    expect(err.message).toMatch(/changed while it was being read/);
  });

  it('reports a well-formed empty list as empty (the engine decides whether to trust it)', async () => {
    server.misbehave({ emptyList: true });
    expect(await readAll(connector)).toEqual([]);
  });

  it('follows the change feed', async () => {
    const first = await connector.changesSince!(null);
    expect(first.records).toHaveLength(people.length);
    const edited = server.people.upsert({ ...people[5], first_name: 'Renamed' });
    server.people.upsert({ ...people[6], unit: '999' });
    server.people.upsert({ ...people[6], unit: '1000' });
    server.people.remove(people[7].id);

    const next = await connector.changesSince!(first.nextToken);
    expect(next.records.map((r) => r.externalId).sort()).toEqual([people[5].id, people[6].id].sort());
    expect(next.records.find((r) => r.externalId === people[6].id)!.unit).toBe('1000');
    expect(next.records.find((r) => r.externalId === edited.id)!.firstName).toBe('Renamed');
    expect(next.removedExternalIds).toEqual([people[7].id]);

    const quiet = await connector.changesSince!(next.nextToken);
    expect(quiet).toEqual({ records: [], removedExternalIds: [], nextToken: next.nextToken });

    await expect(connector.changesSince!('chg_zzzz')).rejects.toMatchObject({ name: 'UpstreamError', status: 400 });
  });
});
