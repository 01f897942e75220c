import type { PersonStatus, RequireIdentifier, SiteSettings } from '../../contract/dto';
import type { SourceConnection } from '../db/entities';
import { IDENTIFIER_LABEL } from './reasons';
import { STATUS_LABEL } from './status-map';

/*
 * Each policy answers one question about a record and says its answer in words, so the same
 * sentence lands in the activity log and in "why not synced?".
 */

export interface PolicyResult {
  ok: boolean;
  /** One plain sentence, e.g. "Status Current is included". */
  step: string;
}

export function hasRequiredIdentifier(rule: RequireIdentifier, email: string | null, phone: string | null): PolicyResult {
  const has = { email: !!email, phone: !!phone };
  const ok =
    rule === 'email' ? has.email : rule === 'phone' ? has.phone : rule === 'both' ? has.email && has.phone : has.email || has.phone;
  const got = has.email && has.phone ? 'Has email and phone' : has.email ? 'Has email' : has.phone ? 'Has phone' : 'Has no email or phone';
  return { ok, step: ok ? got : `${got}, but this site requires ${IDENTIFIER_LABEL[rule]}` };
}

/**
 * A record that carries no status at all comes from a source that does not speak of leases
 * (CCTV, a CSV without that column): it is not filtered. A status word we do not recognise maps
 * to 'unknown', which is filtered like any other status.
 */
export function statusIncluded(settings: SiteSettings, status: PersonStatus, word: string | null): PolicyResult {
  if (word == null) return { ok: true, step: 'The record has no status, so the status rule does not apply' };
  const label = word === STATUS_LABEL[status] ? word : `${word} (${STATUS_LABEL[status]})`;
  const ok = settings.includedStatuses.includes(status);
  return { ok, step: ok ? `Status ${label} is included` : `Status ${label} is not one this site syncs` };
}

/** Property codes the connection maps to this site; empty means the connection is for this site only. */
export function propertyCodes(conn: SourceConnection): string[] {
  const raw = (conn.config ?? {}).propertyCodes;
  if (!Array.isArray(raw)) return [];
  return raw.map((c) => String(c).trim().toLowerCase()).filter((c) => c !== '');
}

export type SiteMatch = { kind: 'ok' | 'none' | 'other'; step: string };

/**
 * `siteKey` undefined: the source has no notion of sites, everything it sends is ours.
 * null/empty: the record names no site. A key outside the connection's propertyCodes belongs to
 * another property (the person may have moved there).
 */
export function siteMatch(codes: string[], siteKey: string | null | undefined, siteName: string): SiteMatch {
  if (siteKey === undefined) return { kind: 'ok', step: `The source lists only ${siteName}` };
  const key = siteKey == null ? '' : String(siteKey).trim();
  if (key === '') return { kind: 'none', step: 'The record names no site' };
  if (codes.length === 0 || codes.includes(key.toLowerCase())) return { kind: 'ok', step: `Property ${key} is ${siteName}` };
  return { kind: 'other', step: `Property ${key} is not mapped to ${siteName}` };
}

/**
 * The three policies for one source and one pass, remembered per distinct input. A pass asks
 * them 100k times with a handful of distinct answers ("Status Current is included"); handing
 * back the same sentence objects saves building 300k strings, and the log's step dictionary
 * (added-log.ts) then finds them by identity.
 */
export class PolicyMemo {
  private readonly sites = new Map<string, SiteMatch>();
  private readonly statuses = new Map<string, PolicyResult>();
  private readonly identifiers: (PolicyResult | undefined)[] = [];

  constructor(
    private readonly settings: SiteSettings,
    private readonly codes: string[],
    private readonly siteName: string,
  ) {}

  site(siteKey: string | null | undefined): SiteMatch {
    if (typeof siteKey !== 'string') return siteMatch(this.codes, siteKey, this.siteName);
    let m = this.sites.get(siteKey);
    if (!m) this.sites.set(siteKey, (m = siteMatch(this.codes, siteKey, this.siteName)));
    return m;
  }

  /** `status` is a function of `word` (status-map.ts), so the word alone keys the answer. */
  status(status: PersonStatus, word: string | null): PolicyResult {
    if (word === null) return statusIncluded(this.settings, status, word);
    let r = this.statuses.get(word);
    if (!r) this.statuses.set(word, (r = statusIncluded(this.settings, status, word)));
    return r;
  }

  identifier(email: string | null, phone: string | null): PolicyResult {
    const i = (email ? 1 : 0) + (phone ? 2 : 0);
    return (this.identifiers[i] ??= hasRequiredIdentifier(this.settings.requireIdentifier, email, phone));
  }
}
