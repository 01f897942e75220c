/*
 * The renderer's single door to the shared contract. Everything the UI needs from
 * src-main/contract is re-exported here, so no view or store reaches into src-main itself
 * and no bundler alias is needed.
 */
export type { CallName, CallInput, CallOutput } from '../../src-main/contract/api';
export type { EventMap, EventName } from '../../src-main/contract/events';
export type { RollcallBridge, RpcResult } from '../../src-main/contract/bridge';
export { WS_PATH } from '../../src-main/contract/bridge';
export { ApiError } from '../../src-main/contract/errors';
export type { ApiErrorShape } from '../../src-main/contract/errors';
export { clientOverPipe } from '../../src-main/contract/rpc';
export type { MessagePipe, RpcMessage } from '../../src-main/contract/rpc';
export type { PeoplePage, PersonExplanation } from '../../src-main/contract/calls/people';
export type { SyncSettingsView, SourceBlockState } from '../../src-main/contract/calls/settings';
export type { AppInfo } from '../../src-main/contract/calls/app';
export type { ConnectionDto, ConnectionFieldDto, ConnectionKindDto, ConnectionKinds, ConnectionRole, ConnectionTestResult, ConnectionsList, DeliveryDto, ResyncResult } from '../../src-main/contract/calls/connections';
export type {
  LocationAction,
  LocationActionResult,
  LocationDifferenceDto,
  LocationDto,
  LocationEventDto,
  LocationEventResult,
  LocationEventsPage,
  PanelUserView,
} from '../../src-main/contract/calls/locations';
export * from '../../src-main/contract/dto';
// Types only: the calls module builds zod schemas at load time, which the renderer must not bundle.
export type {
  Resolution,
  MergeField,
  DecisionOptions,
  DecisionStatus,
  DecisionDto,
  DecideResult,
  DecideManyResult,
  FixAtSourceTask,
  OutboxMode,
  OutboxStatus,
  OutboxOpDto,
  PushItem,
  PushSummary,
  AuditEntryDto,
  AlertReviewRow,
  AccountValues,
} from '../../src-main/contract/calls/decisions';
