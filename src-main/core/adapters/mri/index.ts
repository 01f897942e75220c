import { z } from 'zod';
import type { SourceAdapterSpec } from '../adapter-spec';
import { UpstreamError } from '../types';
import { propertyIdList } from './property-ids';
import { createMriSource } from './mri-source';

export { createMriSource, mriUserName, mriShortUserName, MRI_PARTNER_KEY_HEADER } from './mri-source';
export type { MriCredentials, MriSourceOptions } from './mri-source';
export { MRI_RESIDENTS_API } from './mri-wire';
export { startMriFake } from './fake-mri';
export type { MriFake, MriFakeOptions, MriFakeResident } from './fake-mri';

// MRI joins these with "/" into one user name, so none may contain one.
const part = (what: string) => z.string().trim().min(1, `The ${what} is required.`).regex(/^[^/:]+$/, `The ${what} cannot contain "/" or ":".`);

const mriConfig = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }),
  clientId: part('client id'),
  databaseName: part('database name'),
  userName: part('user name'),
  propertyCodes: propertyIdList.pipe(z.array(z.string()).min(1, 'At least one MRI property id (RMPROPID) is needed.')),
});
export type MriConfig = z.infer<typeof mriConfig>;

/** MRI Residential: secrets are `partnerKey` and `password`. */
export const mriSourceSpec: SourceAdapterSpec<MriConfig> = {
  kind: 'mri',
  label: 'MRI Residential',
  block: 'integrations',
  fields: [
    { key: 'baseUrl', label: 'API address', kind: 'url', required: true, placeholder: 'https://acme.saas.mrisoftware.com', help: 'Your MRI address; /mriapiservices is added for you.' },
    { key: 'clientId', label: 'Client id', kind: 'text', required: true },
    { key: 'databaseName', label: 'Database', kind: 'text', required: true },
    { key: 'userName', label: 'API user name', kind: 'text', required: true },
    { key: 'partnerKey', label: 'Partner key', kind: 'secret', required: true, help: 'The developer / partner key MRI issued for this integration.' },
    { key: 'password', label: 'API password', kind: 'secret', required: true },
    { key: 'propertyCodes', label: 'Property ids (RMPROPID)', kind: 'text', required: true, placeholder: 'HV01, HV02', help: 'MRI residential property ids for this building, comma-separated.' },
  ],
  configSchema: mriConfig as unknown as z.ZodType<MriConfig>,
  create(config, secrets, opts) {
    if (!secrets.partnerKey || !secrets.password) throw new UpstreamError('The MRI partner key or password is not set.');
    return createMriSource({
      url: config.baseUrl,
      propertyIds: config.propertyCodes,
      credentials: { clientId: config.clientId, databaseName: config.databaseName, userName: config.userName, partnerKey: secrets.partnerKey, password: secrets.password },
      retry: opts?.retry,
    });
  },
};
