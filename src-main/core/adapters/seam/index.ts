import { z } from 'zod';
import type { PanelAdapterSpec } from '../adapter-spec';
import { SEAM_DEFAULT_URL, createSeamPanel } from './seam-panel';

export { createSeamPanel, SEAM_DEFAULT_URL, toRemote as seamUserToRemote } from './seam-panel';
export type { SeamAccessGroup, SeamAcsSystem, SeamPanel, SeamPanelOptions } from './seam-panel';
export { joinFullName, splitFullName } from './full-name';
// The fake is built on development-only packages; tests import it from its own file so the
// registry (and so the app) never loads it.

const seamConfig = z.object({
  baseUrl: z.url().default(SEAM_DEFAULT_URL),
  acsSystemId: z.string().trim().min(1, 'The ACS system id is required.'),
  /** Comma-separated access group ids every new user joins. */
  accessGroupIds: z.string().optional(),
});
export type SeamConfig = z.infer<typeof seamConfig>;

/** Seam ACS: the secret is the workspace API key (`apiKey`). */
export const seamPanelSpec: PanelAdapterSpec<SeamConfig> = {
  kind: 'seam',
  label: 'Seam (Brivo, Salto, Latch, Kisi, Avigilon…)',
  fields: [
    { key: 'baseUrl', label: 'API address', kind: 'url', placeholder: SEAM_DEFAULT_URL, help: 'Leave as is unless Seam gave you another address.' },
    { key: 'apiKey', label: 'API key', kind: 'secret', required: true, help: 'A Seam workspace API key (starts with "seam_").' },
    { key: 'acsSystemId', label: 'ACS system id', kind: 'text', required: true, help: 'The access system in Seam that people are written to (acs_system_id).' },
    { key: 'accessGroupIds', label: 'Access groups for new people', kind: 'text', help: 'Optional: comma-separated acs_access_group_id values every new person joins.' },
  ],
  configSchema: seamConfig as unknown as z.ZodType<SeamConfig>,
  create(config, secrets, opts) {
    return createSeamPanel({
      url: config.baseUrl || SEAM_DEFAULT_URL,
      apiKey: secrets.apiKey ?? '',
      acsSystemId: config.acsSystemId,
      accessGroupIds: (config.accessGroupIds ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      retry: opts?.retry,
    });
  },
};
