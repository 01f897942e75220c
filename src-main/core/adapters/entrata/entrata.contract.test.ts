import { describeSourceContract } from '../contract/source-contract';
import type { ContractPerson } from '../contract/source-contract';
import { createEntrataSource } from './entrata-source';
import { startEntrataFake } from './fake-entrata';
import type { EntrataFakeResident } from './fake-entrata';

const STATUS: Record<ContractPerson['status'], string> = {
  current: 'Current',
  future: 'Future',
  notice: 'Notice',
  past: 'Past',
  active: 'Current',
  inactive: 'Cancelled',
};

const PROPERTY = '100234';

function toEntrata(p: ContractPerson, i: number): EntrataFakeResident {
  return {
    customerId: p.externalId,
    leaseId: String(5000 + i),
    propertyId: PROPERTY,
    firstName: p.firstName,
    lastName: p.lastName,
    email: p.email,
    phone: p.phone,
    unitNumber: p.unit,
    status: STATUS[p.status],
  };
}

for (const mode of ['basic', 'apikey'] as const) {
  describeSourceContract(`Entrata (${mode})`, {
    pageSize: 5,
    async start(people, retry) {
      const fake = await startEntrataFake({ residents: people.map(toEntrata) });
      const make = (secret: string) =>
        createEntrataSource({
          url: fake.url,
          propertyIds: [PROPERTY],
          credentials: mode === 'basic' ? { kind: 'basic', username: fake.username, password: secret } : { kind: 'apikey', apiKey: secret },
          pageSize: 5,
          retry,
        });
      const secret = mode === 'basic' ? fake.password : fake.apiKey;
      return {
        connector: make(secret),
        withBadCredentials: () => make('not-the-right-secret'),
        fake,
        secrets: [secret],
        close: () => fake.close(),
      };
    },
  });
}
