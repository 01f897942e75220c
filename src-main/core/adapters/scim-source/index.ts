import { z } from 'zod';
import type { SourceAdapterSpec } from '../adapter-spec';
import { UpstreamError } from '../types';
import { createScimSource } from './scim-source';

export { createScimSource } from './scim-source';
export type { ScimSourceOptions } from './scim-source';
export { isActive, userToRecord, scimErrorOf, LIST_URN, ERROR_URN } from './scim-wire';
// The fake (fake-scim-source.ts, built on scimmy + express, development dependencies) is not
// re-exported here: the registry imports this file, and tests and the demo import the fake directly.
export type { ScimSourceFake, ScimSourceFakeOptions } from './fake-scim-source';

const scimSourceConfig = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/ }),
    pageSize: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .loose();
export type ScimSourceConfig = z.infer<typeof scimSourceConfig>;

/** SCIM 2.0 directory as a source of staff. Secret: `token` (bearer). */
export const scimSourceSpec: SourceAdapterSpec<ScimSourceConfig> = {
  kind: 'scim',
  label: 'SCIM 2.0 directory (staff)',
  block: 'integrations',
  fields: [
    { key: 'baseUrl', label: 'SCIM base URL', kind: 'url', required: true, placeholder: 'https://idp.example.com/scim/v2', help: 'The address that /Users is under.' },
    { key: 'token', label: 'Bearer token', kind: 'secret', required: true },
    { key: 'pageSize', label: 'Users per page', kind: 'number', placeholder: '100', help: 'Lower it if the directory times out on large pages.' },
  ],
  configSchema: scimSourceConfig as unknown as z.ZodType<ScimSourceConfig>,
  create(config, secrets, opts) {
    if (!secrets.token) throw new UpstreamError('The bearer token for the directory is not set.');
    return createScimSource({ url: config.baseUrl, token: secrets.token, pageSize: config.pageSize, retry: opts?.retry });
  },
};
