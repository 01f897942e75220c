import { describe, expect, it, afterEach } from 'vitest';
import type { PersonType } from '../../../contract/dto';
import { UpstreamError } from '../types';
import type { SourceConnector } from '../types';
import { readAll } from './read-source';
import { CONTRACT_RETRY, expectNoSecrets } from './fault-control';
import type { FaultControl } from './fault-control';

/** A person in vendor-neutral words; each harness turns it into its vendor's records. */
export interface ContractPerson {
  externalId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  unit: string | null;
  /** Neutral status; the harness picks the vendor's word for it. */
  status: 'current' | 'future' | 'notice' | 'past' | 'active' | 'inactive';
  type: PersonType;
}

export interface SourceFixture {
  connector: SourceConnector;
  /** The same system with wrong credentials. */
  withBadCredentials(): SourceConnector;
  fake: FaultControl;
  /** Every credential the connector was given, to check none leaks into messages or records. */
  secrets: string[];
  close(): Promise<void>;
}

export interface SourceHarness {
  /** Start the vendor's fake with these people; the connector must use `retry`. */
  start(people: ContractPerson[], retry: typeof CONTRACT_RETRY): Promise<SourceFixture>;
  /** Records per page the fake serves, so the suite can ask for more than one page. */
  pageSize: number;
  /** The vendor cannot say "malformed" in a way this suite can inject (skip that test only). */
  skip?: Array<'duplicateIds' | 'malformed' | 'truncate' | 'emptyList'>;
}

export function contractPeople(n: number): ContractPerson[] {
  const first = ['Ana', 'José', 'Zoë', 'Liam', 'Mei', 'Omar', 'Sofia', 'Kwame'];
  const last = ['Lopez', 'Smith-Jones', 'Nguyen', "O'Brien", 'van der Berg', 'Okafor', 'Müller', 'Kim'];
  return Array.from({ length: n }, (_, i) => ({
    externalId: `C-${1000 + i}`,
    firstName: first[i % first.length],
    lastName: last[(i * 3) % last.length],
    email: i % 7 === 3 ? null : `person${i}@example.com`,
    phone: i % 5 === 2 ? null : `+1415555${String(1000 + i).slice(-4)}`,
    unit: i % 4 === 0 ? null : String(100 + i),
    status: i % 9 === 4 ? 'past' : 'current',
    type: 'resident',
  }));
}

/**
 * The behaviour every source adapter promises, run against its own fake: complete lists across
 * pages, retries that honour Retry-After, and a clear error — never a short list — for anything
 * broken. The sync engine's "never disable on a bad read" rests on this.
 */
export function describeSourceContract(name: string, harness: SourceHarness): void {
  describe(`${name} source contract`, () => {
    let fixture: SourceFixture | null = null;
    const people = contractPeople(harness.pageSize * 2 + 3);
    const start = async (list = people) => (fixture = await harness.start(list, CONTRACT_RETRY));
    afterEach(async () => {
      await fixture?.close();
      fixture = null;
    });

    it('passes its live test, and fails it clearly with bad credentials', async () => {
      const f = await start();
      const ok = await f.connector.test();
      expect(ok.ok).toBe(true);
      const bad = await f.withBadCredentials().test();
      expect(bad.ok).toBe(false);
      expect(bad.message.length).toBeGreaterThan(10);
      expectNoSecrets(bad.message, f.secrets);
    });

    it('lists every person across pages with their fields mapped', async () => {
      const f = await start();
      const records = await readAll(f.connector);
      expect(records.map((r) => r.externalId).sort()).toEqual(people.map((p) => p.externalId).sort());
      const byId = new Map(records.map((r) => [r.externalId, r]));
      for (const p of people) {
        const r = byId.get(p.externalId)!;
        expect(r.firstName?.trim()).toBe(p.firstName);
        expect(r.lastName?.trim()).toBe(p.lastName);
        if (p.email) expect(r.email?.toLowerCase()).toBe(p.email);
        expect(r.raw && typeof r.raw === 'object').toBe(true);
        expectNoSecrets(JSON.stringify(r), f.secrets);
      }
      // Status words come through for the engine to map; past people are still listed.
      expect(records.some((r) => /past|former|moved|inactive|notice/i.test(String(r.status)))).toBe(true);
    });

    it('waits and retries when rate-limited, then returns the full list', async () => {
      const f = await start();
      f.fake.misbehave({ status: 429, retryAfterSeconds: 1, times: 1 });
      const t0 = Date.now();
      const records = await readAll(f.connector);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      expect(records).toHaveLength(people.length);
    });

    it('gives a clear error, never a short list, when the server keeps failing', async () => {
      const f = await start();
      f.fake.misbehave({ status: 500, times: Infinity });
      const err = await readAll(f.connector).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expectNoSecrets((err as Error).message, f.secrets);
    });

    for (const fault of ['truncate', 'malformed', 'duplicateIds'] as const) {
      it.skipIf(harness.skip?.includes(fault))(`refuses a ${fault} page with a clear error`, async () => {
        const f = await start();
        f.fake.misbehave({ [fault]: true, times: Infinity });
        const err = await readAll(f.connector).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UpstreamError);
        expect((err as Error).message).toMatch(/\w{4,}/);
        expectNoSecrets((err as Error).message, f.secrets);
      });
    }

    it.skipIf(harness.skip?.includes('emptyList'))('reports an empty list as empty (the engine guards against it)', async () => {
      const f = await start();
      f.fake.misbehave({ emptyList: true, times: Infinity });
      expect(await readAll(f.connector)).toEqual([]);
    });

    it('fails cleanly when the system cannot be reached', async () => {
      const f = await start();
      await f.close();
      fixture = null;
      const err = await readAll(f.connector).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      const t = await f.connector.test();
      expect(t.ok).toBe(false);
    });
  });
}
