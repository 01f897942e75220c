import { describeSourceContract } from '../contract/source-contract';
import type { ContractPerson } from '../contract/source-contract';
import { createAppfolioSource } from './appfolio-source';
import { startAppfolioFake } from './fake-appfolio';
import type { AppfolioFakeTenant } from './fake-appfolio';

const STATUS: Record<ContractPerson['status'], string> = {
  current: 'Current',
  future: 'Future',
  notice: 'Notice',
  past: 'Past',
  active: 'Current',
  inactive: 'Past',
};

function toAppfolio(p: ContractPerson, i: number): AppfolioFakeTenant {
  return {
    selected_tenant_id: p.externalId,
    occupancy_id: 900 + i,
    property_id: 17,
    property: 'S0001 - Harbour View',
    unit_id: p.unit ? 400 + i : null,
    unit: p.unit,
    tenant: `${p.lastName}, ${p.firstName}`,
    first_name: p.firstName,
    last_name: p.lastName,
    emails: p.email,
    phone_numbers: p.phone ? `Mobile: ${p.phone}` : null,
    status: STATUS[p.status],
    tenant_type: 'Financially Responsible',
  };
}

describeSourceContract('AppFolio Database API', {
  pageSize: 5,
  async start(people, retry) {
    const fake = await startAppfolioFake({ tenants: people.map(toAppfolio) });
    const make = (secret: string) =>
      createAppfolioSource({ url: fake.url, databaseApiUrl: fake.url, developerId: fake.developerId, clientId: fake.clientId, clientSecret: secret, propertyIds: ['17'], pageSize: 5, retry });
    return {
      connector: make(fake.clientSecret),
      withBadCredentials: () => make('wrong-secret'),
      fake,
      secrets: [fake.clientSecret],
      close: () => fake.close(),
    };
  },
});

describeSourceContract('AppFolio', {
  pageSize: 5,
  async start(people, retry) {
    const fake = await startAppfolioFake({ tenants: people.map(toAppfolio), pageSize: 5 });
    const make = (secret: string) => createAppfolioSource({ url: fake.url, clientId: fake.clientId, clientSecret: secret, propertyIds: ['17'], retry });
    return {
      connector: make(fake.clientSecret),
      withBadCredentials: () => make('wrong-secret'),
      fake,
      secrets: [fake.clientSecret],
      close: () => fake.close(),
    };
  },
});
