import { z } from 'zod';
import type { PanelAdapterSpec } from '../adapter-spec';
import { createScimPanel } from './scim-panel';

export { createScimPanel } from './scim-panel';
export type { ScimPanelOptions } from './scim-panel';
export { patchOperations, toRemote as scimUserToRemote, toScimUser, userNameFor } from './scim-wire';
// The fake is built on development-only packages; tests import it from its own file so the
// registry (and so the app) never loads it.

const scimConfig = z.object({
  /** The SCIM base URL, without /Users. */
  endpoint: z.url(),
  pageSize: z.coerce.number().int().min(1).max(1000).optional(),
});
export type ScimTargetConfig = z.infer<typeof scimConfig>;

/** A SCIM 2.0 access system; the secret is the bearer token (`token`). */
export const scimPanelSpec: PanelAdapterSpec<ScimTargetConfig> = {
  kind: 'scim',
  label: 'SCIM 2.0 access system (Kisi, Avigilon Alta…)',
  fields: [
    { key: 'endpoint', label: 'SCIM endpoint', kind: 'url', required: true, placeholder: 'https://api.example.com/scim/v2', help: 'The SCIM base URL; Rollcall adds /Users itself.' },
    { key: 'token', label: 'Bearer token', kind: 'secret', required: true, help: 'The SCIM (provisioning) token from the access system.' },
    { key: 'pageSize', label: 'Users per page', kind: 'number', help: 'Optional; 100 unless the server asks for fewer.' },
  ],
  configSchema: scimConfig as unknown as z.ZodType<ScimTargetConfig>,
  create(config, secrets, opts) {
    return createScimPanel({ url: config.endpoint, token: secrets.token ?? '', pageSize: config.pageSize, retry: opts?.retry });
  },
};
