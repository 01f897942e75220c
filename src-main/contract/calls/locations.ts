import { z } from 'zod';
import { call } from '../define';
import { id } from './common';

/** Alarm-panel locations: sync users / sync panel / refresh, and each location's event log. */

export type LocationConnection = 'online' | 'offline' | 'unknown';
export type LocationAction = 'syncUsers' | 'syncPanel' | 'refresh' | 'resolve';
/** How an action (or a panel event) ended; 'partial' means some users were not applied. */
export type LocationEventResult = 'success' | 'partial' | 'failed' | 'info';

export interface PartitionDto {
  id: number;
  name: string;
  /** The vendor's arming word, e.g. "disarmed", "armed_away", "armed_stay", "armed_night". */
  armingState: string;
}

export interface LocationDto {
  id: string;
  siteId: string;
  accessSystemId: string;
  accessSystemName: string;
  /** The alarm service's own location id. */
  remoteId: string;
  name: string;
  address: string | null;
  connection: LocationConnection;
  partitions: PartitionDto[];
  lastContactAt: string | null;
  refreshedAt: string | null;
  /** When the panel last reported its users (Sync panel); null until then. */
  panelReportedAt: string | null;
  lastUserSync: { at: string; result: LocationEventResult; summary: string } | null;
  serviceUsers: number;
  /** Null until the panel has reported its users. */
  differences: number | null;
  /** The action running on this location right now, if any. */
  busy: LocationAction | null;
}

export interface LocationEventDto {
  id: number;
  locationId: string;
  at: string;
  /** user_sync, panel_sync, refresh, resolve, or the service's own event type. */
  type: string;
  result: LocationEventResult;
  summary: string;
  /** 'rollcall' for our actions, 'service' for entries read from the alarm service's log. */
  origin: 'rollcall' | 'service';
  /** Per-user results and ids for support; user codes are masked. */
  detail: Record<string, unknown> | null;
}

export interface LocationEventsPage {
  /** Which location these events belong to, so a page can never show them under another name. */
  location: { id: string; name: string; remoteId: string };
  rows: LocationEventDto[];
  hasMore: boolean;
}

/** One panel user as shown to people: the code is always masked (all but the last digit). */
export interface PanelUserView {
  slot: number;
  name: string;
  code: string;
  partitions: number[];
  personId: string | null;
}

export type LocationDifferenceKind = 'missing_on_panel' | 'extra_on_panel' | 'differs';

export interface LocationDifferenceDto {
  id: string;
  slot: number;
  kind: LocationDifferenceKind;
  fields: Array<'name' | 'code' | 'partitions'>;
  service: PanelUserView | null;
  panel: PanelUserView | null;
  summary: string;
}

export interface LocationDifferences {
  locationId: string;
  panelReportedAt: string | null;
  rows: LocationDifferenceDto[];
}

export interface LocationActionResult {
  locationId: string;
  locationName: string;
  ok: boolean;
  result: LocationEventResult;
  summary: string;
  /** The entry this action wrote to the location's event log. */
  eventId: number | null;
}

export interface LocationsRunResult {
  runId: string;
  results: LocationActionResult[];
}

export interface LocationsConnectResult {
  accessSystemId: string;
  locations: LocationDto[];
  /** Where the API key went: the secret store, or (without one) this session's memory only. */
  keyStorage: 'secret-store' | 'session';
}

/** One location, or every location of a site ("All locations"). */
const target = z.union([
  z.object({ locationId: id }).strict(),
  z.object({ siteId: id, all: z.literal(true) }).strict(),
]);

export const locationsCalls = {
  /** Locations of the site's alarm-panel access systems; finds them at the service the first time. */
  'locations.list': call<LocationDto[]>()(z.object({ siteId: id }).strict()),
  /** Pushes the site's people to the service and asks the service to send its user list to the panel. */
  'locations.syncUsers': call<LocationsRunResult>()(target, 'manager'),
  /** Asks the panel to report its actual users and state; differences follow from it. */
  'locations.syncPanel': call<LocationsRunResult>()(target, 'manager'),
  /** Re-reads status (online, armed state, last contact) and the service's event log. */
  'locations.refresh': call<LocationsRunResult>()(target),
  'locations.events': call<LocationEventsPage>()(
    z
      .object({
        locationId: id,
        limit: z.number().int().min(1).max(500).default(50),
        /** Event id: only older entries. */
        before: z.number().int().min(1).optional(),
      })
      .strict(),
  ),
  'locations.differences': call<LocationDifferences>()(z.object({ locationId: id }).strict()),
  'locations.resolveDifference': call<LocationActionResult>()(
    z
      .object({
        locationId: id,
        differenceId: z.string().min(1).max(40).regex(/^slot-\d{1,4}$/, 'must be a difference id'),
        resolution: z.enum(['push', 'accept-panel']),
      })
      .strict(),
    'manager',
  ),
  /** Adds an alarm-panel service account to a site (the connections page can do the same). */
  'locations.connect': call<LocationsConnectResult>()(
    z
      .object({
        siteId: id,
        name: z.string().trim().min(1).max(120),
        baseUrl: z.url({ protocol: /^https?$/ }).max(500),
        apiKey: z.string().min(1).max(500),
        locationIds: z.array(z.string().min(1).max(64)).max(200).optional(),
      })
      .strict(),
    'manager',
  ),
};
