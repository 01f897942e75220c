import { z } from 'zod';
import type { SourceAdapterSpec } from '../adapter-spec';
import { UpstreamError } from '../types';
import { propertyIdList } from '../mri/property-ids';
import { appfolioUrlFor, createAppfolioSource } from './appfolio-source';

export { APPFOLIO_DATABASE_API_URL, appfolioUrlFor, createAppfolioSource } from './appfolio-source';
export type { AppfolioSourceOptions } from './appfolio-source';
export { TENANT_DIRECTORY_PATH } from './appfolio-wire';
export { V0_DEVELOPER_HEADER, V0_TENANTS_PATH } from './appfolio-v0';
export { startAppfolioFake } from './fake-appfolio';
export type { AppfolioFake, AppfolioFakeOptions, AppfolioFakeTenant } from './fake-appfolio';

const appfolioConfig = z
  .object({
    /** The database name: "acme" for acme.appfolio.com. */
    database: z.string().trim().regex(/^[a-z0-9-]+$/i, 'Use only the database name, e.g. "acme" for acme.appfolio.com.').optional(),
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    clientId: z.string().trim().min(1, 'The client id is required.'),
    /** Optional: empty reads every property the API user sees. */
    propertyCodes: propertyIdList.optional(),
    /** With it, the Database API (v0) is read, which has a changes feed; without, the Reports API (v2). */
    developerId: z.string().trim().optional(),
    databaseApiUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .refine((c) => c.database || c.baseUrl, { message: 'Enter the AppFolio database name.', path: ['database'] });
export type AppfolioConfig = z.infer<typeof appfolioConfig>;

/** AppFolio: the secret is `clientSecret`. */
export const appfolioSourceSpec: SourceAdapterSpec<AppfolioConfig> = {
  kind: 'appfolio',
  label: 'AppFolio',
  block: 'integrations',
  fields: [
    { key: 'database', label: 'Database name', kind: 'text', placeholder: 'acme', help: 'The part before .appfolio.com in your AppFolio address (or fill in the address below).' },
    { key: 'clientId', label: 'API client id', kind: 'text', required: true },
    { key: 'clientSecret', label: 'API client secret', kind: 'secret', required: true },
    { key: 'propertyCodes', label: 'Property ids', kind: 'text', placeholder: '17, 23', help: 'AppFolio property ids for this building, comma-separated. Leave empty to read every property.' },
    {
      key: 'developerId',
      label: 'Developer id (Database API)',
      kind: 'text',
      help: "For continuous sync: with AppFolio's Database API developer id, tenants are read from the Database API, which reports changes; property ids are then the Database API's. Leave empty to read the tenant directory report.",
    },
    { key: 'baseUrl', label: 'Address (advanced)', kind: 'url', help: 'Only when AppFolio gave you an address other than https://<database>.appfolio.com.' },
    { key: 'databaseApiUrl', label: 'Database API address (advanced)', kind: 'url', help: 'Only when AppFolio gave you an address other than https://api.appfolio.com.' },
  ],
  configSchema: appfolioConfig as unknown as z.ZodType<AppfolioConfig>,
  create(config, secrets, opts) {
    if (!secrets.clientSecret) throw new UpstreamError('The AppFolio client secret is not set.');
    return createAppfolioSource({
      url: config.baseUrl ?? appfolioUrlFor(config.database ?? ''),
      clientId: config.clientId,
      clientSecret: secrets.clientSecret,
      propertyIds: config.propertyCodes ?? [],
      developerId: config.developerId || null,
      databaseApiUrl: config.databaseApiUrl ?? null,
      retry: opts?.retry,
    });
  },
};
