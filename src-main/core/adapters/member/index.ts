import { z } from 'zod';
import type { SourceAdapterSpec } from '../adapter-spec';
import { UpstreamError } from '../types';
import { MINDBODY_DEFAULT_URL, createMemberSource } from './member-source';

export { createMemberSource, MINDBODY_DEFAULT_URL, queryTime } from './member-source';
export type { MemberSourceOptions } from './member-source';
export { clientKey, clientStatus, clientToRecord } from './member-wire';
export { startMemberFake, mindbodyTime } from './fake-member';
export type { MemberFake, MemberFakeCall, MemberFakeClient, MemberFakeOptions } from './fake-member';
export { advanceWatermark, afterWatermark, decodeWatermark, encodeWatermark, parseTime } from './watermark';
export type { Watermark } from './watermark';

const memberConfig = z
  .object({
    baseUrl: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]).optional(),
    siteId: z.string().trim().min(1, 'The site id is required.'),
    staffUsername: z.string().trim().optional(),
  })
  // Keeps keys the connections page adds for every source (propertyCodes…).
  .loose();
export type MemberConfig = z.infer<typeof memberConfig>;

/**
 * Member management (Mindbody-style). Secrets: `apiKey`, and either `staffToken` or
 * `staffPassword` (with the staff user name in the config).
 */
export const memberSourceSpec: SourceAdapterSpec<MemberConfig> = {
  kind: 'member',
  label: 'Member management (Mindbody)',
  block: 'integrations',
  fields: [
    { key: 'baseUrl', label: 'API address', kind: 'url', placeholder: MINDBODY_DEFAULT_URL, help: 'Leave empty for Mindbody itself.' },
    { key: 'siteId', label: 'Site id', kind: 'text', required: true, help: 'The business\'s site id (sent as the SiteId header).' },
    { key: 'apiKey', label: 'API key', kind: 'secret', required: true, help: 'The developer API key (sent as the Api-Key header).' },
    { key: 'staffToken', label: 'Staff user token', kind: 'secret', help: 'A staff user token. Issued tokens expire (about a day), so the staff login below is the lasting choice; leave this empty to use it.' },
    { key: 'staffUsername', label: 'Staff user name', kind: 'text', help: 'A staff login allowed to read clients; used when no token is set.' },
    { key: 'staffPassword', label: 'Staff password', kind: 'secret' },
  ],
  configSchema: memberConfig as unknown as z.ZodType<MemberConfig>,
  create(config, secrets, opts) {
    if (!secrets.apiKey) throw new UpstreamError('The API key for the member system is not set.');
    return createMemberSource({
      url: config.baseUrl || MINDBODY_DEFAULT_URL,
      siteId: config.siteId,
      apiKey: secrets.apiKey,
      staffToken: secrets.staffToken || undefined,
      staffUsername: config.staffUsername || undefined,
      staffPassword: secrets.staffPassword || undefined,
      retry: opts?.retry,
    });
  },
};
