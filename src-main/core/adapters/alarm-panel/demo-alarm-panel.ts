import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startAlarmPanelFake } from './fake-alarm-panel';
import type { AlarmPanelFake, FakeAlarmLocationSeed } from './fake-alarm-panel';

export const ALARM_DEMO_STATE_FILE = 'demo-alarm-panel.json';

/**
 * The demo's alarm-panel service: three locations of one account, one of them offline so the
 * failure path is visible, one whose keypad was edited so Sync panel finds differences.
 */
export const ALARM_DEMO_LOCATIONS: FakeAlarmLocationSeed[] = [
  {
    locationId: 'LOC-4101',
    name: 'Leasing office',
    address: '100 Harbor View Dr, Suite 1',
    partitions: [{ partitionId: 1, name: 'Office', armingState: 'armed_away' }],
    users: [{ slot: 1, name: 'Master', code: '9137', partitions: [1] }],
  },
  {
    locationId: 'LOC-4102',
    name: 'Fitness center',
    address: '100 Harbor View Dr, Building B',
    partitions: [
      { partitionId: 1, name: 'Gym floor', armingState: 'disarmed' },
      { partitionId: 2, name: 'Equipment room', armingState: 'armed_stay' },
    ],
    users: [
      { slot: 1, name: 'Master', code: '5820', partitions: [1, 2] },
      { slot: 40, name: 'Night cleaner', code: '7316', partitions: [1] },
    ],
  },
  {
    locationId: 'LOC-4103',
    name: 'Maintenance garage',
    address: '120 Harbor View Dr',
    online: false,
    partitions: [{ partitionId: 1, name: 'Garage', armingState: 'armed_away' }],
    users: [{ slot: 1, name: 'Master', code: '2468', partitions: [1] }],
  },
];

/**
 * Starts the demo alarm-panel service on a loopback port with a random key per launch; its users
 * persist in `${stateDir}/demo-alarm-panel.json` like the demo access system's accounts.
 */
export async function startAlarmPanelDemo(stateDir: string, opts: { applyDelayMs?: number } = {}): Promise<AlarmPanelFake> {
  mkdirSync(stateDir, { recursive: true });
  const fake = await startAlarmPanelFake({
    locations: ALARM_DEMO_LOCATIONS,
    apiKey: randomBytes(24).toString('base64url'),
    applyDelayMs: opts.applyDelayMs ?? 900,
    stateFile: join(stateDir, ALARM_DEMO_STATE_FILE),
  });
  return fake;
}

export function resetAlarmPanelDemoState(stateDir: string): void {
  rmSync(join(stateDir, ALARM_DEMO_STATE_FILE), { force: true });
}

/**
 * The running demo service, per core. Keyed by an object the core owns (its Upstreams), so two
 * cores in one process (tests) never see each other's demo.
 */
const running = new WeakMap<object, AlarmPanelFake>();

export function attachAlarmPanelDemo(owner: object, fake: AlarmPanelFake | null): void {
  if (fake) running.set(owner, fake);
  else running.delete(owner);
}

export function alarmPanelDemoFor(owner: object): AlarmPanelFake | null {
  return running.get(owner) ?? null;
}
