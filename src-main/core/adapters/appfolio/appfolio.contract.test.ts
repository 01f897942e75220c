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

/** One contract run per way of reading AppFolio: the reports API alone, or the Database API with a developer id. */
function describeAppfolio(name: string, databaseApi: boolean): void {
  describeSourceContract(name, {
    pageSize: 5,
    async start(people, retry) {
      const fake = await startAppfolioFake({ tenants: people.map(toAppfolio), ...(databaseApi ? {} : { pageSize: 5 }) });
      const api = databaseApi ? { databaseApiUrl: fake.url, developerId: fake.developerId, pageSize: 5 } : {};
      const make = (secret: string) => createAppfolioSource({ url: fake.url, clientId: fake.clientId, clientSecret: secret, propertyIds: ['17'], retry, ...api });
      return {
        connector: make(fake.clientSecret),
        withBadCredentials: () => make('wrong-secret'),
        fake,
        secrets: [fake.clientSecret],
        close: () => fake.close(),
      };
    },
  });
}

describeAppfolio('AppFolio Database API', true);
describeAppfolio('AppFolio', false);
