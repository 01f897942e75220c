import { describeSourceContract } from '../contract/source-contract';
import type { ContractPerson } from '../contract/source-contract';
import { createCctvSource } from './cctv-source';
import { startCctvFake } from './fake-cctv';
import type { CctvFakeIdentity } from './fake-cctv';

/**
 * Half the people come with one display name (split by the adapter), half with first/last
 * fields. CCTV has no statuses: "past" people sit on a blocking watchlist instead.
 */
function toIdentity(p: ContractPerson, i: number): CctvFakeIdentity {
  const names = i % 2 === 0 ? { display_name: `${p.firstName} ${p.lastName}` } : { first_name: p.firstName, last_name: p.lastName };
  return {
    id: p.externalId,
    ...names,
    watchlist: p.status === 'past' || p.status === 'inactive' ? 'Banned' : 'Residents',
    last_seen_at: '2025-01-01T08:00:00Z',
    camera: { id: 'cam-1', name: 'Lobby' },
    email: p.email,
    phone: p.phone,
  };
}

describeSourceContract('CCTV identification', {
  pageSize: 10,
  async start(people, retry) {
    const fake = await startCctvFake({ identities: people.map(toIdentity) });
    const make = (apiKey: string) => createCctvSource({ url: fake.url, apiKey, pageSize: 10, retry });
    return {
      connector: make(fake.apiKey),
      withBadCredentials: () => make('wrong-key'),
      fake,
      secrets: [fake.apiKey],
      close: () => fake.close(),
    };
  },
});
