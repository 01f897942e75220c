import type { PanelAdapterSpec } from '../adapter-spec';
import { UpstreamError } from '../types';
import { createAlarmPanelAccess } from './alarm-panel-access';
import { createAlarmPanelClient } from './alarm-panel-client';
import { alarmPanelConfigSchema } from './alarm-panel-config';
import type { AlarmPanelConfig } from './alarm-panel-config';

export { createAlarmPanelClient } from './alarm-panel-client';
export type { AlarmPanelClient, AlarmPanelClientOptions } from './alarm-panel-client';
export { startAlarmPanelFake } from './fake-alarm-panel';
export type { AlarmPanelFake, AlarmPanelFakeOptions, FakeAlarmLocationSeed, FakeAlarmUser } from './fake-alarm-panel';
export { startAlarmPanelDemo, resetAlarmPanelDemoState, attachAlarmPanelDemo, alarmPanelDemoFor, ALARM_DEMO_LOCATIONS } from './demo-alarm-panel';
export { alarmPanelConfigSchema, readAlarmPanelConfig } from './alarm-panel-config';
export type { AlarmPanelConfig } from './alarm-panel-config';

/** The alarm-panel remote service as an access system on the connections page. */
export const alarmPanelSpec: PanelAdapterSpec<AlarmPanelConfig> = {
  kind: 'alarm-panel',
  label: 'Alarm-panel remote service',
  fields: [
    { key: 'baseUrl', label: 'Service address', kind: 'url', required: true, placeholder: 'https://api.alarm-service.example' },
    { key: 'apiKey', label: 'API key', kind: 'secret', required: true, help: 'The dealer API key of the account that holds the locations.' },
    {
      key: 'locationIds',
      label: 'Location ids',
      kind: 'text',
      help: 'Comma-separated service location ids that belong to this site. Leave empty for every location of the account.',
    },
    {
      key: 'people',
      label: 'Who gets a user code',
      kind: 'select',
      options: [
        { value: 'staff', label: 'Staff (default: panels have few user slots)' },
        { value: 'staff-and-residents', label: 'Staff and residents' },
        { value: 'everyone', label: 'Everyone with access' },
      ],
    },
  ],
  configSchema: alarmPanelConfigSchema as PanelAdapterSpec<AlarmPanelConfig>['configSchema'],
  create(config, secrets, opts) {
    if (!config.baseUrl) throw new UpstreamError('The alarm-panel service address is not set.');
    if (!secrets.apiKey) throw new UpstreamError('The alarm-panel API key is not set.');
    const client = createAlarmPanelClient({ baseUrl: config.baseUrl, apiKey: secrets.apiKey, retry: opts?.retry });
    return createAlarmPanelAccess(client, { locationIds: config.locationIds });
  },
};

import { alarmPanelDemoFor } from './demo-alarm-panel';
import type { AccessPanel } from '../types';

/**
 * The demo alarm service as an access system (for Upstreams.panelFor when config.demo is set),
 * so the after-pass account mirror can read it like any other panel.
 */
export function demoAlarmPanelAccess(owner: object): AccessPanel {
  const demo = alarmPanelDemoFor(owner);
  if (!demo) throw new UpstreamError('The demo alarm-panel service is not running.');
  return createAlarmPanelAccess(createAlarmPanelClient({ baseUrl: demo.url, apiKey: demo.apiKey, retry: { attempts: 3, baseDelayMs: 200 } }));
}
