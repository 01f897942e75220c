import type { z } from 'zod';
import type { ConnectionFieldDto } from '../../contract/calls/connections';
import type { AccessSystemKind, SourceBlock, SourceKind } from '../../contract/dto';
import type { RetryPolicy } from './http/upstream-http';
import type { AccessPanel, SourceConnector } from './types';

/**
 * What the connections page renders for one setting. Secret fields are stored through the
 * SecretStore and never come back to the renderer; the page only learns whether one is set.
 */
export type ConfigField = ConnectionFieldDto;

export interface AdapterOptions {
  retry?: Partial<RetryPolicy>;
}

/** One source adapter: how to configure it and how to build a connector from that configuration. */
export interface SourceAdapterSpec<C = Record<string, unknown>> {
  kind: SourceKind;
  /** The vendor/product name people know ("Yardi Voyager"). */
  label: string;
  block: SourceBlock;
  fields: ConfigField[];
  /** Validates the non-secret configuration. */
  configSchema: z.ZodType<C>;
  create(config: C, secrets: Record<string, string>, opts?: AdapterOptions): SourceConnector;
}

/** One access-system adapter. */
export interface PanelAdapterSpec<C = Record<string, unknown>> {
  kind: AccessSystemKind;
  label: string;
  fields: ConfigField[];
  configSchema: z.ZodType<C>;
  create(config: C, secrets: Record<string, string>, opts?: AdapterOptions): AccessPanel;
}
