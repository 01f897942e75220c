import { describeSourceContract } from '../contract/source-contract';
import type { ContractPerson } from '../contract/source-contract';
import { createScimSource } from './scim-source';
import { startScimSourceFake } from './fake-scim-source';

/** A contract person as a SCIM User; former staff are deactivated accounts. */
function toScimUser(p: ContractPerson): Record<string, unknown> {
  return {
    id: p.externalId,
    externalId: `hr-${p.externalId}`,
    userName: `${p.externalId.toLowerCase()}@corp.example`,
    name: { givenName: p.firstName, familyName: p.lastName },
    emails: p.email ? [{ value: p.email, primary: true, type: 'work' }] : [],
    phoneNumbers: p.phone ? [{ value: p.phone, type: 'mobile' }] : [],
    active: !(p.status === 'past' || p.status === 'inactive'),
  };
}

describeSourceContract('SCIM 2.0 directory (SCIMMY)', {
  pageSize: 10,
  async start(people, retry) {
    const fake = await startScimSourceFake({ users: people.map(toScimUser) });
    const make = (token: string) => createScimSource({ url: fake.url, token, pageSize: 10, retry });
    return {
      connector: make(fake.token),
      withBadCredentials: () => make('wrong-token'),
      fake,
      secrets: [fake.token],
      close: () => fake.close(),
    };
  },
});
