import { describeSourceContract } from '../contract/source-contract';
import type { ContractPerson } from '../contract/source-contract';
import type { RetryPolicy } from '../http/upstream-http';
import { createRealPageSource } from './realpage-source';
import { startRealPageFake } from './fake-realpage';
import type { RealPageFake, RealPageFakeResident } from './fake-realpage';

/** Neutral statuses in OneSite's lease-status words. */
const STATUS: Record<ContractPerson['status'], string> = {
  current: 'Current',
  future: 'Applicant - Lease Signed',
  notice: 'Notice',
  past: 'Former',
  active: 'Current',
  inactive: 'Former Applicant',
};

const toRealPage = (p: ContractPerson): RealPageFakeResident => ({
  id: p.externalId,
  siteId: '5230176',
  firstName: p.firstName,
  lastName: p.lastName,
  email: p.email,
  cellPhone: p.phone,
  unit: p.unit,
  leaseStatus: STATUS[p.status],
});

function connect(fake: RealPageFake, retry: Partial<RetryPolicy>, licenseKey = fake.licenseKey) {
  return createRealPageSource({
    url: fake.url,
    pmcId: fake.pmcId,
    siteIds: ['5230176'],
    licenseKey,
    username: fake.username,
    password: fake.password,
    retry,
  });
}

/*
 * getresidentlistinfo is not paged: a site comes as three whole lists (current, pending,
 * former), each one page. pageSize only sets how many people the suite creates
 * (2 × 30 + 3 = 63); they arrive as a current page and a former page (and an empty pending
 * one), so "across pages" is exercised for real.
 */
describeSourceContract('RealPage RPX', {
  pageSize: 30,
  async start(people, retry) {
    const fake = await startRealPageFake({ residents: people.map(toRealPage) });
    return {
      connector: connect(fake, retry),
      withBadCredentials: () => connect(fake, retry, '00000000-0000-4000-8000-000000000000'),
      fake,
      secrets: [fake.licenseKey, fake.password],
      close: () => fake.close(),
    };
  },
});
