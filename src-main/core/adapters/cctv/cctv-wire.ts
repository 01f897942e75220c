import { z } from 'zod';
import type { PersonType } from '../../../contract/dto';
import type { SourceRecord } from '../types';
import { splitDisplayName } from './split-name';

/**
 * The "identified people" API of a video-analytics system:
 *
 *   GET /api/v1/identities?limit=&cursor=   header X-API-Key
 *   → { identities: [ { id, display_name | first_name + last_name, watchlist, last_seen_at,
 *                       camera, email?, phone? } ], next_cursor: string | null }
 *
 * `watchlist` and `camera` come either as a plain name or as an object ({ id, name, site? }).
 */

const text = z.string().nullable().optional();
const named = z.union([z.string(), z.looseObject({ id: z.union([z.string(), z.number()]).nullable().optional(), name: text, site: text })]).nullable().optional();

export const identitySchema = z.looseObject({
  id: z.union([z.string(), z.number().int()]).transform((v) => String(v).trim()).pipe(z.string().min(1, 'an identity has no id')),
  display_name: text,
  first_name: text,
  last_name: text,
  watchlist: named,
  last_seen_at: text,
  camera: named,
  email: text,
  phone: text,
});
export type Identity = z.infer<typeof identitySchema>;

export const identitiesPageSchema = z.object({
  identities: z.array(identitySchema),
  next_cursor: z.string().nullable().optional(),
});

export interface CctvMapping {
  /** Person type for everyone not on a mapped watchlist. */
  personType: PersonType;
  /** Watchlist name (lower-cased) → person type. */
  watchlistTypes: Map<string, PersonType>;
  /** Watchlists whose people must not get access (lower-cased names). */
  blockedWatchlists: Set<string>;
}

function nameOf(v: Identity['watchlist']): string | null {
  if (v == null) return null;
  const n = typeof v === 'string' ? v : v.name;
  return n && n.trim() !== '' ? n.trim() : null;
}

function blank(v: string | null | undefined): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

export function identityToRecord(raw: Record<string, unknown>, id: Identity, mapping: CctvMapping): SourceRecord {
  // Separate first/last fields win; a display name is split only when they are missing.
  const hasParts = blank(id.first_name) !== null || blank(id.last_name) !== null;
  const { firstName, lastName } = hasParts ? { firstName: id.first_name ?? '', lastName: id.last_name ?? '' } : splitDisplayName(id.display_name);
  const watchlist = nameOf(id.watchlist);
  const key = watchlist?.toLowerCase() ?? '';
  const camera = id.camera && typeof id.camera === 'object' ? id.camera : null;
  const site = blank(camera?.site ?? null);
  return {
    externalId: id.id,
    firstName,
    lastName,
    email: blank(id.email),
    phone: blank(id.phone),
    unit: null,
    // CCTV knows nothing of leases or memberships: no status, so the status rule does not apply —
    // except for people on a blocking watchlist, who must never be given access.
    status: watchlist && mapping.blockedWatchlists.has(key) ? 'Inactive' : null,
    type: (watchlist && mapping.watchlistTypes.get(key)) || mapping.personType,
    tags: watchlist ? [watchlist] : [],
    // The camera's site, when the system says which building a camera is in.
    ...(site ? { siteKey: site.trim() } : {}),
    raw: structuredClone(raw),
  };
}
