import type { AccessSystemKind, SourceKind } from '../../contract/dto';
import type { PanelAdapterSpec, SourceAdapterSpec } from './adapter-spec';
import { csvSourceSpec, demoPanelSpec, demoSourceSpec } from '../connections/builtin-specs';
import { seamPanelSpec } from './seam';
import { scimPanelSpec } from './scim-target';
import { alarmPanelSpec } from './alarm-panel';
import { yardiSourceSpec } from './yardi';
import { entrataSourceSpec } from './entrata';
import { mriSourceSpec } from './mri';
import { memberSourceSpec } from './member';
import { cctvSourceSpec } from './cctv';
import { scimSourceSpec } from './scim-source';
import { appfolioSourceSpec } from './appfolio';
import { realPageSourceSpec } from './realpage';

/**
 * Every adapter Rollcall can build, by kind. The connections page renders its forms from these
 * specs, and Upstreams builds live connectors and panels from them. Adding a vendor is one
 * import and one line here.
 */

// Each spec has its own config type; the registry only hands them configs its schema validated.
type AnySourceSpec = SourceAdapterSpec<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type AnyPanelSpec = PanelAdapterSpec<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const sourceSpecs: Partial<Record<SourceKind, AnySourceSpec>> = {
  demo: demoSourceSpec,
  csv: csvSourceSpec,
  yardi: yardiSourceSpec,
  entrata: entrataSourceSpec,
  mri: mriSourceSpec,
  member: memberSourceSpec,
  cctv: cctvSourceSpec,
  scim: scimSourceSpec,
  appfolio: appfolioSourceSpec,
  realpage: realPageSourceSpec,
};

export const panelSpecs: Partial<Record<AccessSystemKind, AnyPanelSpec>> = {
  demo: demoPanelSpec,
  seam: seamPanelSpec,
  scim: scimPanelSpec,
  'alarm-panel': alarmPanelSpec,
};

export function sourceSpecFor(kind: string): AnySourceSpec | null {
  return Object.hasOwn(sourceSpecs, kind) ? (sourceSpecs[kind as SourceKind] ?? null) : null;
}

export function panelSpecFor(kind: string): AnyPanelSpec | null {
  return Object.hasOwn(panelSpecs, kind) ? (panelSpecs[kind as AccessSystemKind] ?? null) : null;
}
