import { describeSourceContract } from '../contract/source-contract';
import type { ContractPerson } from '../contract/source-contract';
import { createMriSource } from './mri-source';
import { startMriFake } from './fake-mri';
import type { MriFakeResident } from './fake-mri';

const STATUS: Record<ContractPerson['status'], string> = {
  current: 'Current',
  future: 'Future',
  notice: 'Notice',
  past: 'Former',
  active: 'Current',
  inactive: 'Former',
};

function toMri(p: ContractPerson, i: number): MriFakeResident {
  return {
    NameID: p.externalId,
    ResidentID: `R${String(7000 + i).padStart(8, '0')}`,
    RMPropID: 'HV01',
    BuildingID: '01',
    UnitID: p.unit ? `${p.unit}  ` : '',
    FirstName: p.firstName,
    LastName: p.lastName,
    Email: p.email ?? '',
    Phone: p.phone ?? '',
    Status: STATUS[p.status],
  };
}

describeSourceContract('MRI', {
  pageSize: 5,
  async start(people, retry) {
    const fake = await startMriFake({ residents: people.map(toMri), pageSize: 5 });
    const make = (password: string) =>
      createMriSource({
        url: fake.url,
        propertyIds: ['HV01'],
        credentials: { clientId: fake.clientId, databaseName: fake.databaseName, userName: fake.userName, partnerKey: fake.partnerKey, password },
        retry,
      });
    return {
      connector: make(fake.password),
      withBadCredentials: () => make('wrong-password'),
      fake,
      secrets: [fake.password, fake.partnerKey],
      close: () => fake.close(),
    };
  },
});
