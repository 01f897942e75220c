import type { LocationAction, LocationEventResult } from '../../contract';

export const RESULT_LABEL: Record<LocationEventResult, string> = {
  success: 'Success',
  partial: 'Partial',
  failed: 'Failed',
  info: 'Info',
};

export const RESULT_TONE: Record<LocationEventResult, 'green' | 'amber' | 'red' | 'outline'> = {
  success: 'green',
  partial: 'amber',
  failed: 'red',
  info: 'outline',
};

export const ACTION_RUNNING: Record<LocationAction, string> = {
  syncUsers: 'Syncing users…',
  syncPanel: 'Syncing panel…',
  refresh: 'Refreshing…',
  resolve: 'Resolving…',
};

export const ACTION_LABEL: Record<LocationAction, string> = {
  syncUsers: 'Sync users',
  syncPanel: 'Sync panel',
  refresh: 'Refresh',
  resolve: 'Resolve',
};

const EVENT_TYPE_LABEL: Record<string, string> = {
  user_sync: 'User sync',
  panel_sync: 'Panel sync',
  refresh: 'Status refresh',
  resolve: 'Difference resolved',
  armed: 'Armed',
  disarmed: 'Disarmed',
  panel_programming: 'Keypad programming',
  communication_failure: 'Communication lost',
  communication_restored: 'Communication restored',
};

export function eventTypeLabel(type: string): string {
  return EVENT_TYPE_LABEL[type] ?? type.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function armingLabel(state: string): string {
  const words: Record<string, string> = { disarmed: 'Disarmed', armed_away: 'Armed away', armed_stay: 'Armed stay', armed_night: 'Armed night', arming: 'Arming', alarm: 'In alarm' };
  return words[state] ?? state.replace(/_/g, ' ');
}
