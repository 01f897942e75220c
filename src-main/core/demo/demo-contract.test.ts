import { describeSourceContract } from '../adapters/contract/source-contract';
import type { ContractPerson } from '../adapters/contract/source-contract';
import { describePanelContract } from '../adapters/contract/panel-contract';
import { startDemoSourceServer } from './demo-source-server';
import { createDemoSourceConnector } from './demo-source-connector';
import { startDemoAccessServer } from './demo-access-server';
import { createDemoAccessPanel } from './demo-access-panel';
import type { DemoSourcePerson } from './demo-people';

const STATUS: Record<ContractPerson['status'], string> = {
  current: 'Current',
  future: 'Future',
  notice: 'Notice',
  past: 'Past',
  active: 'Active',
  inactive: 'Inactive',
};

function toDemo(p: ContractPerson): DemoSourcePerson {
  return {
    id: p.externalId,
    first_name: p.firstName,
    last_name: p.lastName,
    email: p.email,
    phone: p.phone,
    unit: p.unit,
    status: STATUS[p.status],
    person_type: p.type,
    property_code: 'HVA01',
  } as unknown as DemoSourcePerson;
}

describeSourceContract('Demo PMS', {
  pageSize: 100,
  async start(people, retry) {
    const server = await startDemoSourceServer({ people: people.map(toDemo), token: 'demo-source-secret-token' });
    return {
      connector: createDemoSourceConnector({ url: server.url, token: server.token, retry }),
      withBadCredentials: () => createDemoSourceConnector({ url: server.url, token: 'wrong-token', retry }),
      fake: server,
      secrets: [server.token],
      close: () => server.close(),
    };
  },
});

describePanelContract('Demo Access', {
  versions: true,
  keepsExternalRef: true,
  async start(retry) {
    const server = await startDemoAccessServer({ accounts: [], token: 'demo-access-secret-token' });
    return {
      panel: createDemoAccessPanel({ url: server.url, token: server.token, retry, pageSize: 3 }),
      withBadCredentials: () => createDemoAccessPanel({ url: server.url, token: 'wrong-token', retry }),
      fake: server,
      secrets: [server.token],
      changeOutOfBand: async (id) => {
        server.users.update(id, { first_name: 'Changed' });
      },
      close: () => server.close(),
    };
  },
});
