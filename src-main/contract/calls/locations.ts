/** Alarm-panel locations: sync users / sync panel / refresh, and each location's event log. */
export const locationsCalls = {};
