import { z } from 'zod';
import type { SourceAdapterSpec } from '../adapter-spec';
import { UpstreamError } from '../types';
import { splitIds } from '../yardi';
import { createRealPageSource } from './realpage-source';

export { createRealPageSource } from './realpage-source';
export type { RealPageSourceOptions } from './realpage-source';
export {
  GET_RESIDENT_LIST_INFO_ACTION,
  RPX_NS,
  RPX_STATUS_LISTS,
  readResidentList,
  residentKey,
  residentListEnvelope,
  residentToRecord,
  rpxStatus,
} from './realpage-wire';
export type { RpxAuth, RpxStatusCode } from './realpage-wire';
export { startRealPageFake, statusListOf, REALPAGE_FAKE_PATH } from './fake-realpage';
export type { RealPageFake, RealPageFakeOptions, RealPageFakeResident } from './fake-realpage';

const realPageConfig = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'The gateway address must be an http(s) address.' }),
    pmcId: z.string().trim().min(1, 'The PMC id is required.'),
    siteIds: z.union([z.string(), z.array(z.string())]).refine((v) => splitIds(v).length > 0, 'At least one site id is required.'),
    username: z.string().trim().optional(),
  })
  // Keeps keys the connections page adds for every source (propertyCodes…).
  .loose();
export type RealPageConfig = z.infer<typeof realPageConfig>;

/** RealPage OneSite through the RPX gateway (getresidentlistinfo). Secrets: `licenseKey`, `password`. */
export const realPageSourceSpec: SourceAdapterSpec<RealPageConfig> = {
  kind: 'realpage',
  label: 'RealPage (OneSite)',
  block: 'integrations',
  fields: [
    {
      key: 'url',
      label: 'RPX gateway address',
      kind: 'url',
      required: true,
      placeholder: 'https://gateway.rpx.realpage.com/rpxgateway/partner/Partner/Partner.svc',
      help: 'The partner gateway address RealPage gave with your license key.',
    },
    { key: 'pmcId', label: 'PMC id', kind: 'text', required: true, help: 'The management company id (pmcid).' },
    { key: 'siteIds', label: 'Site ids', kind: 'text', required: true, placeholder: '5230176, 5446271', help: 'One or more OneSite site ids, separated by commas.' },
    { key: 'licenseKey', label: 'License key', kind: 'secret', required: true },
    { key: 'username', label: 'User name', kind: 'text', help: 'Only if your RPX license also needs a OneSite login.' },
    { key: 'password', label: 'Password', kind: 'secret' },
  ],
  configSchema: realPageConfig as unknown as z.ZodType<RealPageConfig>,
  create(config, secrets, opts) {
    if (!secrets.licenseKey) throw new UpstreamError('The RealPage license key is not set.');
    return createRealPageSource({
      url: config.url,
      pmcId: config.pmcId,
      siteIds: splitIds(config.siteIds),
      licenseKey: secrets.licenseKey,
      username: config.username || undefined,
      password: secrets.password || undefined,
      retry: opts?.retry,
    });
  },
};
