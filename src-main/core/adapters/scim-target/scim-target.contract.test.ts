import { describePanelContract } from '../contract/panel-contract';
import { startScimFake } from './fake-scim';
import type { ScimQuirks } from './fake-scim';
import { createScimPanel } from './scim-panel';

function harness(quirks: ScimQuirks) {
  return {
    versions: true,
    keepsExternalRef: true,
    async start(retry: Parameters<Parameters<typeof describePanelContract>[1]['start']>[0]) {
      const fake = await startScimFake({ quirks });
      const make = (token: string) => createScimPanel({ url: fake.url, token, retry, pageSize: 3 });
      return {
        panel: make(fake.token),
        withBadCredentials: () => make('wrong-token-value'),
        fake,
        secrets: [fake.token],
        changeOutOfBand: async (id: string) => void fake.users.update(id, { name: { givenName: 'Changed', familyName: 'Elsewhere' } }),
        close: () => fake.close(),
      };
    },
  };
}

// A well-behaved server with ETags, and one with the usual quirks (no meta/ETags, DELETE 200,
// filters ignored) where versions come from our own field hash.
describePanelContract('SCIM 2.0 (scimmy)', harness({}));
describePanelContract('SCIM 2.0 (scimmy, quirky)', harness({ etags: false, noMeta: true, deleteStatus: 200, filters: 'ignore' }));
