import type { SiteSettings } from '../../contract/dto';

/**
 * Settings a new site starts with. Both source blocks start off so a site that already keeps its
 * list by hand is never changed until an admin turns a source on.
 *
 * Included statuses: pending/future and current leases plus active memberships, as the reference
 * products do. "Notice" is included too: a resident on notice still holds a current lease and lives
 * in the building until move-out, so dropping them at notice time would lock out people who live
 * there. Applicants, past residents and inactive members are excluded.
 */
export function defaultSiteSettings(): SiteSettings {
  return {
    requireIdentifier: 'emailOrPhone',
    includedStatuses: ['future', 'current', 'notice', 'active'],
    phoneRegion: 'US',
    integrationsEnabled: false,
    cctvEnabled: false,
    scheduleMinutes: 60,
    guardMinPeople: 10,
    guardPercent: 10,
    activityRetentionDays: 90,
  };
}

/** Settings as stored may predate newer keys (or be partly hand-edited): fill the gaps. */
export function resolveSiteSettings(stored: unknown): SiteSettings {
  const base = defaultSiteSettings();
  if (!stored || typeof stored !== 'object') return base;
  return { ...base, ...(stored as Partial<SiteSettings>) };
}
