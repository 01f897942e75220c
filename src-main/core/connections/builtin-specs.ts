import { z } from 'zod';
import type { PanelAdapterSpec, SourceAdapterSpec } from '../adapters/adapter-spec';
import { UpstreamError } from '../adapters/types';
import { createDemoAccessPanel } from '../demo/demo-access-panel';
import { createDemoSourceConnector } from '../demo/demo-source-connector';

/**
 * Specs for the systems that ship with Rollcall rather than in an adapter folder: the demo pair
 * and CSV files. A demo connection with no address means "the embedded demo", whose address
 * changes every launch; Upstreams resolves that one itself. With an address and a token it
 * talks to any Demo-compatible server (the tests start their own).
 */

const optionalUrl = z
  .union([z.url({ protocol: /^https?$/ }), z.literal('')])
  .optional()
  .transform((v) => v || undefined);

const demoConfig = z.object({ url: optionalUrl });
type DemoConfig = z.infer<typeof demoConfig>;

const demoFields = (what: string): SourceAdapterSpec['fields'] => [
  { key: 'url', label: 'Address', kind: 'url', placeholder: 'Leave empty for the embedded demo', help: `Only needed for a ${what} that is not the embedded demo.` },
  { key: 'token', label: 'API token', kind: 'secret', help: 'Not needed for the embedded demo.' },
];

function needsAddress(config: DemoConfig, secrets: Record<string, string>, what: string): { url: string; token: string } {
  if (!config.url) throw new UpstreamError(`The embedded ${what} is not running.`);
  if (!secrets.token) throw new UpstreamError(`The API token for the ${what} is not set.`);
  return { url: config.url, token: secrets.token };
}

export const demoSourceSpec: SourceAdapterSpec<DemoConfig> = {
  kind: 'demo',
  label: 'Demo property system',
  block: 'integrations',
  fields: demoFields('demo property system'),
  configSchema: demoConfig as unknown as z.ZodType<DemoConfig>,
  create(config, secrets, opts) {
    return createDemoSourceConnector({ ...needsAddress(config, secrets, 'demo property system'), retry: opts?.retry });
  },
};

export const demoPanelSpec: PanelAdapterSpec<DemoConfig> = {
  kind: 'demo',
  label: 'Demo Access',
  fields: demoFields('demo access system'),
  configSchema: demoConfig as unknown as z.ZodType<DemoConfig>,
  create(config, secrets, opts) {
    return createDemoAccessPanel({ ...needsAddress(config, secrets, 'demo access system'), retry: opts?.retry });
  },
};

const csvConfig = z.object({ fileName: z.string().optional() }).loose();
type CsvConfig = z.infer<typeof csvConfig>;

/** A CSV source is made by importing a file, not on the connections page (see csv-import.ts). */
export const csvSourceSpec: SourceAdapterSpec<CsvConfig> = {
  kind: 'csv',
  label: 'CSV file',
  block: 'integrations',
  fields: [],
  configSchema: csvConfig as unknown as z.ZodType<CsvConfig>,
  create() {
    throw new UpstreamError('A CSV source reads the last file imported for the site; import a file to set one up.');
  },
};

/** Kinds that exist only through another flow, so the connections page does not offer to add them. */
export const NOT_ADDABLE = new Set<string>(['csv']);
