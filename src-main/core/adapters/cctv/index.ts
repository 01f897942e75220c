import { z } from 'zod';
import { PERSON_TYPES } from '../../../contract/dto';
import type { PersonType } from '../../../contract/dto';
import type { SourceAdapterSpec } from '../adapter-spec';
import { UpstreamError } from '../types';
import { DEFAULT_BLOCKED_WATCHLISTS, createCctvSource } from './cctv-source';

export { createCctvSource, DEFAULT_BLOCKED_WATCHLISTS } from './cctv-source';
export type { CctvSourceOptions } from './cctv-source';
export { identityToRecord } from './cctv-wire';
export { splitDisplayName } from './split-name';
export type { SplitName } from './split-name';
export { startCctvFake } from './fake-cctv';
export type { CctvFake, CctvFakeIdentity, CctvFakeOptions } from './fake-cctv';

const personType = z.enum(PERSON_TYPES);

const cctvConfig = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/ }),
    apiKeyHeader: z.string().trim().optional(),
    personType: personType.default('visitor'),
    /** "Staff=staff, Members=member": watchlist name = person type. */
    watchlistTypes: z.string().optional(),
    /** Comma-separated watchlists whose people must not get access. */
    blockedWatchlists: z.string().optional(),
  })
  .loose();
export type CctvConfig = z.infer<typeof cctvConfig>;

/** Parses "Staff=staff, Members = member"; unknown types are refused with a clear message. */
export function parseWatchlistTypes(text: string | undefined): Record<string, PersonType> {
  const out: Record<string, PersonType> = {};
  for (const part of (text ?? '').split(/[,;\n]/)) {
    if (part.trim() === '') continue;
    const eq = part.lastIndexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    const type = eq < 0 ? '' : part.slice(eq + 1).trim().toLowerCase();
    if (!name || !(PERSON_TYPES as readonly string[]).includes(type)) {
      throw new UpstreamError(`The watchlist setting "${part.trim().slice(0, 60)}" should read "Watchlist name=type", where type is one of ${PERSON_TYPES.join(', ')}.`);
    }
    out[name] = type as PersonType;
  }
  return out;
}

/** CCTV identification. Secret: `apiKey`. */
export const cctvSourceSpec: SourceAdapterSpec<CctvConfig> = {
  kind: 'cctv',
  label: 'CCTV identification',
  block: 'cctv',
  fields: [
    { key: 'baseUrl', label: 'API address', kind: 'url', required: true, placeholder: 'https://vms.example.com' },
    { key: 'apiKey', label: 'API key', kind: 'secret', required: true },
    { key: 'apiKeyHeader', label: 'API key header', kind: 'text', placeholder: 'X-API-Key', help: 'Only if the system expects the key in another header.' },
    {
      key: 'personType',
      label: 'People are',
      kind: 'select',
      options: PERSON_TYPES.map((t) => ({ value: t, label: t.charAt(0).toUpperCase() + t.slice(1) })),
      help: 'Identified people usually have no email or phone: check the site\'s identifier rule, or they will be skipped.',
    },
    { key: 'watchlistTypes', label: 'Watchlist types', kind: 'text', placeholder: 'Staff=staff, Members=member', help: 'Optional: people on these watchlists get this type instead.' },
    { key: 'blockedWatchlists', label: 'Blocking watchlists', kind: 'text', placeholder: DEFAULT_BLOCKED_WATCHLISTS.join(', '), help: 'People on these watchlists are marked Inactive and never given access.' },
  ],
  configSchema: cctvConfig as unknown as z.ZodType<CctvConfig>,
  create(config, secrets, opts) {
    if (!secrets.apiKey) throw new UpstreamError('The API key for the CCTV system is not set.');
    const blocked = config.blockedWatchlists?.split(',').map((s) => s.trim()).filter(Boolean);
    return createCctvSource({
      url: config.baseUrl,
      apiKey: secrets.apiKey,
      apiKeyHeader: config.apiKeyHeader || undefined,
      personType: config.personType ?? 'visitor',
      watchlistTypes: parseWatchlistTypes(config.watchlistTypes),
      blockedWatchlists: blocked && blocked.length > 0 ? blocked : undefined,
      retry: opts?.retry,
    });
  },
};
