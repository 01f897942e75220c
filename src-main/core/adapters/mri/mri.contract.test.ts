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

// The columns of MRI_S-PMRM_ResidentsByPropertyID, padded as MRI's fixed-width columns are.
function toMri(p: ContractPerson, i: number): MriFakeResident {
  return {
    ResidentNameID: p.externalId,
    RMLEASEID: `${String(7000 + i).padStart(8, '0')}`,
    RMPROPID: 'HV01',
    RMBLDGID: '01',
    UNITID: p.unit ? `${p.unit}  ` : '',
    FirstName: p.firstName,
    LastName: p.lastName,
    Email: p.email ?? '',
    PhoneNumber: p.phone ?? '',
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
