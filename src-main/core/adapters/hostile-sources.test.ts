import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from './types';
import type { SourceConnector } from './types';
import { readAll } from './contract/read-source';
import { startScriptedUpstream } from './hostile-upstream';
import type { ScriptedRoute } from './hostile-upstream';
import { pickEmail, pickPhone } from './contact-cells';
import { splitDisplayName } from './cctv/split-name';
import { createEntrataSource } from './entrata/entrata-source';
import { createMriSource } from './mri/mri-source';
import { createAppfolioSource } from './appfolio/appfolio-source';
import { createMemberSource } from './member/member-source';
import { createCctvSource } from './cctv/cctv-source';
import { createScimSource } from './scim-source/scim-source';

/*
 * Source adapters against upstream answers their own fakes never send: ids too long for a
 * JavaScript number, a UTF-8 byte-order mark before the JSON, cells and names built to make a
 * regular expression backtrack. Each must end as the right records or a clear error, quickly.
 */

const RETRY = { attempts: 1, baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 5000 };

let closeUpstream: (() => Promise<void>) | null = null;
afterEach(async () => {
  await closeUpstream?.();
  closeUpstream = null;
});

async function upstream(routes: Record<string, ScriptedRoute>) {
  const server = await startScriptedUpstream(routes);
  closeUpstream = server.close;
  return server;
}

/** Two ids that a double cannot tell apart (both round to 12345678901234567168). */
const BIG_A = '12345678901234567890';
const BIG_B = '12345678901234567891';

/** Times a call: hostile text must not stall the core process (a sync reads thousands of rows). */
function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

describe('cells and names built to make a pattern backtrack', () => {
  const hostile = [
    'a' + ' '.repeat(20_000) + 'b1',
    '1' + ' '.repeat(20_000) + 'a1',
    '1' + ' a'.repeat(10_000) + '1',
    'Mobile' + ' '.repeat(20_000) + '/x 555',
    ' '.repeat(20_000) + '1',
  ];

  it('pick a phone from a huge hostile cell in well under a second', () => {
    for (const cell of hostile) {
      const { ms } = timed(() => pickPhone(cell));
      expect(ms).toBeLessThan(500);
    }
  });

  it('still pick the mobile number from a labelled cell', () => {
    expect(pickPhone('Home: (555) 010-0102, Mobile: (555) 010-0101').value).toBe('(555) 010-0101');
    expect(pickPhone('555-0102 (home); 555-0101 (cell)').value).toBe('555-0101');
    expect(pickPhone('Mob. - 555 0101 / Home 555 0102').value).toBe('555 0101');
    expect(pickPhone('555 0101 x12').value).toBe('555 0101 x12');
  });

  it('pick an email from a huge hostile cell in well under a second', () => {
    const { value, ms } = timed(() => pickEmail('.'.repeat(50_000) + 'x a@example.com'));
    expect(ms).toBeLessThan(500);
    expect(value.value).toBe('a@example.com');
    expect(pickEmail('<ana@example.com>.').value).toBe('ana@example.com');
  });

  it('split a display name of 100k commas in well under a second', () => {
    const { value, ms } = timed(() => splitDisplayName('Ana' + ','.repeat(100_000) + 'x'));
    expect(ms).toBeLessThan(500);
    expect(value.firstName.length + value.lastName.length).toBeGreaterThan(0);
    expect(splitDisplayName(',,Kim,,')).toEqual({ firstName: 'Kim', lastName: '' });
  });

  it('reads an AppFolio tenant whose phone cell is 40k characters of spaces, in time', async () => {
    const row = { selected_tenant_id: 7, first_name: 'Ana', last_name: 'Lopez', phone_numbers: 'Mobile' + ' '.repeat(40_000) + 'x1', status: 'Current' };
    const u = await upstream({ 'POST /api/v2/reports/tenant_directory.json': () => ({ text: JSON.stringify({ results: [row], next_page_url: null }) }) });
    const t0 = Date.now();
    const records = await readAll(createAppfolioSource({ url: u.url, clientId: 'id', clientSecret: 'secret', retry: RETRY }));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(records.map((r) => r.externalId)).toEqual(['7']);
  });
});

/** Each JSON source, scripted to answer one page holding `ids` (written into the JSON as given). */
interface JsonSourceCase {
  name: string;
  route: string;
  /** The wire text of a page naming people with these ids (JSON literals, unquoted for numbers). */
  page(ids: string[]): string;
  /** A second request's answer, for sources that read until an empty page. */
  empty?: string;
  connect(url: string): SourceConnector;
}

const cases: JsonSourceCase[] = [
  {
    name: 'Entrata',
    route: 'POST /api/v1/leases',
    // Each person on a lease of their own: two leases, two people.
    page: (ids) =>
      `{"response":{"code":200,"result":{"leases":{"lease":[${ids
        .map((id, i) => `{"id":${900 + i},"propertyId":100,"leaseStatusType":"Current","customers":{"customer":[{"id":${id},"firstName":"P${i}","lastName":"L"}]}}`)
        .join(',')}]}}}}`,
    empty: '{"response":{"code":200,"result":{"leases":{"lease":[]}}}}',
    connect: (url) => createEntrataSource({ url, propertyIds: ['100'], credentials: { kind: 'basic', username: 'u', password: 'p' }, retry: RETRY }),
  },
  {
    name: 'MRI',
    route: 'GET /mriapiservices/api.asp',
    page: (ids) => `{"value":[${ids.map((id, i) => `{"ResidentNameID":${id},"FirstName":"P${i}","LastName":"L","Status":"Current"}`).join(',')}]}`,
    connect: (url) =>
      createMriSource({ url, propertyIds: ['P1'], credentials: { clientId: 'c', databaseName: 'd', userName: 'u', partnerKey: 'k', password: 'p' }, retry: RETRY }),
  },
  {
    name: 'AppFolio',
    route: 'POST /api/v2/reports/tenant_directory.json',
    page: (ids) => `{"results":[${ids.map((id, i) => `{"selected_tenant_id":${id},"first_name":"P${i}","last_name":"L","status":"Current"}`).join(',')}],"next_page_url":null}`,
    connect: (url) => createAppfolioSource({ url, clientId: 'id', clientSecret: 'secret', retry: RETRY }),
  },
  {
    name: 'member system',
    route: 'GET /client/clients',
    page: (ids) =>
      `{"PaginationResponse":{"RequestedLimit":200,"RequestedOffset":0,"PageSize":${ids.length},"TotalResults":${ids.length}},"Clients":[${ids
        .map((id, i) => `{"UniqueId":${id},"Id":"${i}","FirstName":"P${i}","LastName":"L","Active":true,"Status":"Active"}`)
        .join(',')}]}`,
    connect: (url) => createMemberSource({ url, apiKey: 'key', siteId: '-99', staffToken: 'token', retry: RETRY }),
  },
  {
    name: 'CCTV',
    route: 'GET /api/v1/identities',
    page: (ids) => `{"identities":[${ids.map((id, i) => `{"id":${id},"display_name":"P${i} L"}`).join(',')}],"next_cursor":null}`,
    connect: (url) => createCctvSource({ url, apiKey: 'key', retry: RETRY }),
  },
  {
    name: 'SCIM directory',
    route: 'GET /Users',
    page: (ids) =>
      `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":${ids.length},"startIndex":1,"itemsPerPage":${ids.length},"Resources":[${ids
        .map((id, i) => `{"id":${id},"userName":"p${i}@example.com","name":{"givenName":"P${i}","familyName":"L"},"active":true}`)
        .join(',')}]}`,
    connect: (url) => createScimSource({ url, token: 'token', retry: RETRY }),
  },
];

describe.each(cases)('$name, hostile JSON', (c) => {
  /** Serves `first` on the first request and the empty page (if any) after it. */
  async function serve(first: string) {
    let n = 0;
    const u = await upstream({ [c.route]: () => ({ text: n++ === 0 || !c.empty ? first : c.empty }) });
    return c.connect(u.url);
  }

  it('keeps every digit of ids too long for a JavaScript number, so two people stay two', async () => {
    const records = await readAll(await serve(c.page([BIG_A, BIG_B])));
    expect(records.map((r) => r.externalId).sort()).toEqual([BIG_A, BIG_B]);
  });

  it('reads an answer that starts with a UTF-8 byte-order mark', async () => {
    const records = await readAll(await serve(`\uFEFF${c.page(['"A-1"', '"A-2"'])}`));
    expect(records.map((r) => r.externalId).sort()).toEqual(['A-1', 'A-2']);
  });

  it('still refuses a page cut off mid-way with a clear error', async () => {
    const text = c.page(['"A-1"', '"A-2"']);
    const err = await readAll(await serve(text.slice(0, Math.floor(text.length / 2)))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/not complete JSON|cut off/);
  });
});

describe('Entrata, a server that never stops paging', () => {
  it('fails the read after its page limit instead of handing on the leases read so far', async () => {
    // Every page holds one new lease and no pagination block: the list never ends.
    const u = await upstream({
      'POST /api/v1/leases': (req) => {
        const n = req.query.get('page_no');
        return { text: `{"response":{"code":200,"result":{"leases":{"lease":[{"id":"L${n}","customers":{"customer":[{"id":"C${n}","firstName":"A","lastName":"B"}]}}]}}}}` };
      },
    });
    const source = createEntrataSource({ url: u.url, propertyIds: ['100'], credentials: { kind: 'basic', username: 'u', password: 'p' }, pageSize: 1, retry: RETRY });
    const err = await readAll(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/did not end|kept/);
  }, 120_000);
});
