import { z } from 'zod';
import type { SourceAdapterSpec } from '../adapter-spec';
import { UpstreamError } from '../types';
import { propertyIdList } from '../mri/property-ids';
import { createEntrataSource, entrataGatewayUrlFor, entrataUrlFor } from './entrata-source';

export { createEntrataSource, entrataGatewayUrlFor, entrataUrlFor, serviceRoots, ENTRATA_API_KEY_HEADER } from './entrata-source';
export type { EntrataCredentials, EntrataSourceOptions } from './entrata-source';
export { startEntrataFake } from './fake-entrata';
export type { EntrataFake, EntrataFakeOptions, EntrataFakeResident } from './fake-entrata';


const entrataConfig = z
  .object({
    /** The client's Entrata subdomain ("acme" for acme.entrata.com). */
    subdomain: z.string().trim().regex(/^[a-z0-9-]+$/i, 'Use only the subdomain, e.g. "acme" for acme.entrata.com.').optional(),
    /** A full address instead of the subdomain (a proxy, a sandbox, a test server). */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    authType: z.enum(['basic', 'apikey']).default('basic'),
    username: z.string().trim().optional(),
    propertyCodes: propertyIdList.pipe(z.array(z.string()).min(1, 'At least one Entrata property id is needed.')),
  })
  .refine((c) => c.subdomain || c.baseUrl, { message: 'Enter the Entrata subdomain.', path: ['subdomain'] });
export type EntrataConfig = z.infer<typeof entrataConfig>;

/** Entrata: secrets are `password` (Basic) or `apiKey` (API key). */
export const entrataSourceSpec: SourceAdapterSpec<EntrataConfig> = {
  kind: 'entrata',
  label: 'Entrata',
  block: 'integrations',
  fields: [
    { key: 'subdomain', label: 'Subdomain', kind: 'text', placeholder: 'acme', help: 'The part before .entrata.com in your Entrata address (or fill in the address below).' },
    { key: 'propertyCodes', label: 'Property ids', kind: 'text', required: true, placeholder: '100234, 100235', help: "Entrata property ids for this building, comma-separated. Each person's property is matched against them." },
    {
      key: 'authType',
      label: 'Sign-in',
      kind: 'select',
      options: [
        { value: 'basic', label: 'API user name and password' },
        { value: 'apikey', label: 'API key' },
      ],
    },
    { key: 'username', label: 'API user name', kind: 'text', help: 'For user name and password sign-in.' },
    { key: 'password', label: 'API password', kind: 'secret', help: 'For user name and password sign-in.' },
    { key: 'apiKey', label: 'API key', kind: 'secret', help: "For API key sign-in (sent as X-Api-Key to Entrata's API gateway, apis.entrata.com)." },
    {
      key: 'baseUrl',
      label: 'Address (advanced)',
      kind: 'url',
      help: 'Only when Entrata gave you another address than https://<subdomain>.entrata.com (user name sign-in) or https://apis.entrata.com/ext/orgs/<subdomain>/v1 (API key).',
    },
  ],
  configSchema: entrataConfig as unknown as z.ZodType<EntrataConfig>,
  create(config, secrets, opts) {
    if (config.authType === 'apikey') {
      if (!secrets.apiKey) throw new UpstreamError('The Entrata API key is not set.');
      // API keys are issued for Entrata's gateway, not the per-client host.
      const url = config.baseUrl ?? entrataGatewayUrlFor(config.subdomain ?? '');
      return createEntrataSource({ url, propertyIds: config.propertyCodes, credentials: { kind: 'apikey', apiKey: secrets.apiKey }, retry: opts?.retry });
    }
    if (!config.username || !secrets.password) throw new UpstreamError('The Entrata API user name or password is not set.');
    return createEntrataSource({
      url: config.baseUrl ?? entrataUrlFor(config.subdomain ?? ''),
      propertyIds: config.propertyCodes,
      credentials: { kind: 'basic', username: config.username, password: secrets.password },
      retry: opts?.retry,
    });
  },
};
