import { describeSourceContract } from '../contract/source-contract';
import type { ContractPerson } from '../contract/source-contract';
import { createYardiSource } from './yardi-source';
import { startYardiFake } from './fake-yardi';
import type { YardiFake, YardiFakeResident } from './fake-yardi';
import type { RetryPolicy } from '../http/upstream-http';

/** Neutral statuses in Yardi's words. */
const STATUS: Record<ContractPerson['status'], string> = {
  current: 'Current',
  future: 'Future',
  notice: 'Notice',
  past: 'Past',
  active: 'Current',
  inactive: 'Canceled',
};

const toYardi = (p: ContractPerson): YardiFakeResident => ({
  id: p.externalId,
  propertyId: 'hva01',
  firstName: p.firstName,
  lastName: p.lastName,
  email: p.email,
  phone: p.phone,
  unit: p.unit,
  status: STATUS[p.status],
});

function connect(fake: YardiFake, retry: Partial<RetryPolicy>, password = fake.password) {
  return createYardiSource({
    url: fake.url,
    propertyIds: ['hva01'],
    username: fake.username,
    password,
    serverName: fake.serverName,
    database: fake.database,
    platform: fake.platform,
    interfaceEntity: fake.interfaceEntity,
    interfaceLicense: fake.interfaceLicense,
    retry,
  });
}

/*
 * GetResidents is not paged: a property's residents come in one answer, which the connector
 * yields as one page. pageSize here only sets how many people the suite creates
 * (2 × 40 + 3 = 83, a small building); its "across pages" test then checks that this one
 * answer is complete, which is exactly the promise an unpaged source makes.
 */
describeSourceContract('Yardi Voyager', {
  pageSize: 40,
  async start(people, retry) {
    const fake = await startYardiFake({ residents: people.map(toYardi) });
    return {
      connector: connect(fake, retry),
      withBadCredentials: () => connect(fake, retry, 'wrong-password'),
      fake,
      secrets: [fake.password, fake.interfaceLicense],
      close: () => fake.close(),
    };
  },
});
