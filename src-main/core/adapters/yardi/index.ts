import { z } from 'zod';
import type { SourceAdapterSpec } from '../adapter-spec';
import { UpstreamError } from '../types';
import { createYardiSource } from './yardi-source';

export { createYardiSource } from './yardi-source';
export type { YardiSourceOptions } from './yardi-source';
export { GET_RESIDENTS_ACTION, YARDI_NS, customerId, getResidentsEnvelope, personIdOf, personToRecord, readResidentsAnswer, yardiStatus } from './yardi-wire';
export type { ResidentsAnswer, YardiLogin, YardiPerson, YardiPlatform } from './yardi-wire';
export { startYardiFake, YARDI_FAKE_PATH } from './fake-yardi';
export type { YardiFake, YardiFakeOptions, YardiFakeResident } from './fake-yardi';

/** Property codes as people type them: "hva01, hva02" or one per line. */
export function splitIds(value: string | string[] | undefined): string[] {
  const parts = Array.isArray(value) ? value : (value ?? '').split(/[\s,;]+/);
  return [...new Set(parts.map((p) => p.trim()).filter((p) => p !== ''))];
}

const yardiConfig = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'The web service address must be an http(s) address.' }),
    propertyIds: z.union([z.string(), z.array(z.string())]).refine((v) => splitIds(v).length > 0, 'At least one Yardi property id is required.'),
    username: z.string().trim().min(1, 'The interface user name is required.'),
    serverName: z.string().trim().min(1, 'The database server name is required.'),
    database: z.string().trim().min(1, 'The database name is required.'),
    platform: z.enum(['SQL Server', 'Oracle']).default('SQL Server'),
    interfaceEntity: z.string().trim().min(1, 'The interface entity is required.'),
  })
  // Keeps keys the connections page adds for every source (propertyCodes…).
  .loose();
export type YardiConfig = z.infer<typeof yardiConfig>;

/** Yardi Voyager through the "Resident Data" interface (ItfResidentData GetResidents). Secrets: `password`, `interfaceLicense`. */
export const yardiSourceSpec: SourceAdapterSpec<YardiConfig> = {
  kind: 'yardi',
  label: 'Yardi Voyager',
  block: 'integrations',
  fields: [
    {
      key: 'url',
      label: 'Web service address',
      kind: 'url',
      required: true,
      placeholder: 'https://www.yardiasp14.com/12345live/webservices/itfresidentdata.asmx',
      help: 'The ItfResidentData.asmx address Yardi gave for your database.',
    },
    { key: 'propertyIds', label: 'Yardi property ids', kind: 'text', required: true, placeholder: 'hva01, hva02', help: 'One or more property codes, separated by commas. Each is read in one call.' },
    { key: 'username', label: 'Interface user name', kind: 'text', required: true },
    { key: 'password', label: 'Interface password', kind: 'secret', required: true },
    { key: 'serverName', label: 'Database server', kind: 'text', required: true, help: 'The ServerName Yardi gave with the interface login.' },
    { key: 'database', label: 'Database', kind: 'text', required: true },
    {
      key: 'platform',
      label: 'Platform',
      kind: 'select',
      options: [
        { value: 'SQL Server', label: 'SQL Server' },
        { value: 'Oracle', label: 'Oracle' },
      ],
    },
    { key: 'interfaceEntity', label: 'Interface entity', kind: 'text', required: true, help: 'The vendor name the interface license was issued to.' },
    { key: 'interfaceLicense', label: 'Interface license', kind: 'secret', required: true, help: 'The license text Yardi issued for the Resident Data interface.' },
  ],
  configSchema: yardiConfig as unknown as z.ZodType<YardiConfig>,
  create(config, secrets, opts) {
    if (!secrets.password) throw new UpstreamError('The Yardi interface password is not set.');
    if (!secrets.interfaceLicense) throw new UpstreamError('The Yardi interface license is not set.');
    return createYardiSource({
      url: config.url,
      propertyIds: splitIds(config.propertyIds),
      username: config.username,
      password: secrets.password,
      serverName: config.serverName,
      database: config.database,
      platform: config.platform ?? 'SQL Server',
      interfaceEntity: config.interfaceEntity,
      interfaceLicense: secrets.interfaceLicense,
      retry: opts?.retry,
    });
  },
};
