import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../types';
import { readAll } from '../contract/read-source';
import { CONTRACT_RETRY } from '../contract/fault-control';
import { createCctvSource } from './cctv-source';
import type { CctvSourceOptions } from './cctv-source';
import { startCctvFake } from './fake-cctv';
import type { CctvFake, CctvFakeIdentity, CctvFakeOptions } from './fake-cctv';
import { cctvSourceSpec, parseWatchlistTypes } from './index';

let fake: CctvFake | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function start(opts: CctvFakeOptions, conn: Partial<CctvSourceOptions> = {}) {
  fake = await startCctvFake(opts);
  return { fake, source: createCctvSource({ url: fake.url, apiKey: fake.apiKey, retry: CONTRACT_RETRY, ...conn }) };
}

const person = (id: string, extra: Partial<CctvFakeIdentity> = {}): CctvFakeIdentity => ({
  id,
  display_name: `Visitor ${id}`,
  watchlist: 'Regulars',
  last_seen_at: '2025-02-01T09:30:00Z',
  camera: 'Lobby entrance',
  ...extra,
});

describe('CCTV identification source', () => {
  it('lists people without contact details as visitors with no status, splitting display names', async () => {
    const { source } = await start({ identities: [person('I-1', { display_name: 'Ana María López' })] });
    const [r] = await readAll(source);
    expect(r).toMatchObject({ externalId: 'I-1', firstName: 'Ana María', lastName: 'López', email: null, phone: null, unit: null, status: null, type: 'visitor', tags: ['Regulars'] });
    // A camera given by name names no building: the record belongs to the connection's site.
    expect('siteKey' in r).toBe(false);
    expect(r.raw).toMatchObject({ display_name: 'Ana María López', camera: 'Lobby entrance' });
  });

  it('prefers separate first/last fields and keeps optional contact details', async () => {
    const { source } = await start({
      identities: [person('I-2', { display_name: 'Wrong Name', first_name: 'Mei', last_name: 'Nguyen', email: 'mei@example.com', phone: '+14155550123', camera: { id: 'c9', name: 'Gate', site: 'HV1' } })],
    });
    const [r] = await readAll(source);
    expect(r).toMatchObject({ firstName: 'Mei', lastName: 'Nguyen', email: 'mei@example.com', phone: '+14155550123', siteKey: 'HV1' });
  });

  it('maps watchlists to person types and marks blocking watchlists Inactive', async () => {
    const { source } = await start(
      { identities: [person('A', { watchlist: { id: 'w1', name: 'Staff' } }), person('B', { watchlist: 'banned' }), person('C', { watchlist: null }), person('D')] },
      { personType: 'member', watchlistTypes: { staff: 'staff' } },
    );
    const byId = new Map((await readAll(source)).map((r) => [r.externalId, r]));
    expect(byId.get('A')).toMatchObject({ type: 'staff', tags: ['Staff'], status: null });
    expect(byId.get('B')).toMatchObject({ type: 'member', status: 'Inactive', tags: ['banned'] });
    expect(byId.get('C')).toMatchObject({ type: 'member', tags: [], status: null });
    expect(byId.get('D')!.type).toBe('member');
  });

  it('follows cursors to the end, including a list that fills its last page exactly', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `P-${String(i).padStart(3, '0')}`);
    const { fake: f, source } = await start({ identities: ids.map((id) => person(id)) }, { pageSize: 5 });
    expect((await readAll(source)).map((r) => r.externalId)).toEqual(ids);
    expect(f.requestLog).toHaveLength(4);
  });

  it('follows a server that serves smaller pages than asked for', async () => {
    const ids = Array.from({ length: 11 }, (_, i) => `Q-${i}`);
    const { source } = await start({ identities: ids.map((id) => person(id)), maxPageSize: 3 }, { pageSize: 50 });
    expect(new Set((await readAll(source)).map((r) => r.externalId))).toEqual(new Set(ids));
  });

  it('stops with an error when a cursor points back to a page already read', async () => {
    const { source } = await start({ identities: [person('A'), person('B'), person('C')], stuckCursor: true }, { pageSize: 2 });
    const err = await readAll(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/already read/);
  });

  it('sends the key in the header the system expects', async () => {
    const { fake: f } = await start({ identities: [person('A')], apiKeyHeader: 'Authorization-Key' });
    const wrongHeader = createCctvSource({ url: f.url, apiKey: f.apiKey, retry: CONTRACT_RETRY });
    expect((await wrongHeader.test()).ok).toBe(false);
    const right = createCctvSource({ url: f.url, apiKey: f.apiKey, apiKeyHeader: 'Authorization-Key', retry: CONTRACT_RETRY });
    expect(await right.test()).toMatchObject({ ok: true });
  });

  it('keeps hostile names as data', async () => {
    const nasty = ['<script>alert(1)</script> Smith', '=HYPERLINK("http://x") Cell', '\u0000Null Byte', 'Ünïcödé 名前 テスト'];
    const { source } = await start({ identities: nasty.map((n, i) => person(`H-${i}`, { display_name: n })) });
    const records = await readAll(source);
    expect(records.map((r) => `${r.firstName} ${r.lastName}`).sort()).toEqual([...nasty].sort());
  });

  it('reads watchlist settings and refuses unknown person types clearly', () => {
    expect(parseWatchlistTypes('Staff=staff; Gym Members = member')).toEqual({ Staff: 'staff', 'Gym Members': 'member' });
    expect(() => parseWatchlistTypes('VIP=royalty')).toThrow(/Watchlist name=type/);
    const config = cctvSourceSpec.configSchema.parse({ baseUrl: 'http://127.0.0.1:9' });
    expect(config.personType).toBe('visitor');
    expect(() => cctvSourceSpec.create(config, {})).toThrow(/API key/);
  });
});
