import { describePanelContract } from '../contract/panel-contract';
import { startSeamFake } from './fake-seam';
import { createSeamPanel } from './seam-panel';

// Seam's own fake behind our fault-injecting front; pageSize 3 so listing really pages.
describePanelContract('Seam ACS', {
  versions: true,
  keepsExternalRef: false,
  async start(retry) {
    const fake = await startSeamFake();
    const make = (apiKey: string) => createSeamPanel({ url: fake.url, apiKey, acsSystemId: fake.acsSystemId, retry, pageSize: 3 });
    return {
      panel: make(fake.apiKey),
      withBadCredentials: () => make('seam_wrong_0000000000000000'),
      fake,
      secrets: [fake.apiKey],
      changeOutOfBand: async (id) => fake.users.update(id, { full_name: 'Changed Elsewhere' }),
      close: () => fake.close(),
    };
  },
});
