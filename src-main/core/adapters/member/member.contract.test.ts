import { describeSourceContract } from '../contract/source-contract';
import type { ContractPerson } from '../contract/source-contract';
import { createMemberSource } from './member-source';
import { startMemberFake } from './fake-member';
import type { MemberFakeClient } from './fake-member';

/** Neutral statuses in Mindbody's words; a former member is an inactive profile. */
function toMindbodyClient(p: ContractPerson): MemberFakeClient {
  const gone = p.status === 'past' || p.status === 'inactive';
  return {
    // UniqueId is the stable key the connector uses; Id is the business's editable barcode.
    UniqueId: p.externalId,
    Id: `BC${p.externalId.replace(/\D/g, '')}`,
    FirstName: p.firstName,
    LastName: p.lastName,
    Email: p.email,
    MobilePhone: p.phone,
    HomePhone: null,
    Status: gone ? 'Inactive' : p.status === 'notice' ? 'Suspended' : 'Active',
    Active: !gone,
    HomeLocation: { Id: 1, Name: 'Harbour View Fitness' },
  };
}

describeSourceContract('Member management (Mindbody)', {
  pageSize: 10,
  async start(people, retry) {
    const fake = await startMemberFake({ clients: people.map(toMindbodyClient) });
    const make = (apiKey: string) =>
      createMemberSource({ url: fake.url, apiKey, siteId: fake.siteId, staffToken: fake.staffToken, pageSize: 10, retry });
    return {
      connector: make(fake.apiKey),
      withBadCredentials: () => make('wrong-api-key'),
      fake,
      secrets: [fake.apiKey, fake.staffToken, fake.staffPassword],
      close: () => fake.close(),
    };
  },
});
