import { z } from 'zod';
import { call } from '../define';
import { id } from './common';
import { PERSON_STATUSES } from '../dto';
import type { OutcomeCounts, SiteSettings, SourceBlock, SourceConnectionDto } from '../dto';

export interface SourceBlockState {
  block: SourceBlock;
  enabled: boolean;
  lastRunAt: string | null;
  lastCounts: OutcomeCounts | null;
}

export interface SyncSettingsView {
  siteId: string;
  settings: SiteSettings;
  blocks: SourceBlockState[];
  sources: SourceConnectionDto[];
}

const settingsPatch = z
  .object({
    requireIdentifier: z.enum(['emailOrPhone', 'email', 'phone', 'both']),
    includedStatuses: z.array(z.enum(PERSON_STATUSES)).max(PERSON_STATUSES.length),
    phoneRegion: z.string().regex(/^[A-Z]{2}$/, 'a two-letter region such as US'),
    integrationsEnabled: z.boolean(),
    cctvEnabled: z.boolean(),
    scheduleMinutes: z.number().int().min(0).max(7 * 24 * 60),
    guardMinPeople: z.number().int().min(0).max(1_000_000),
    guardPercent: z.number().min(0).max(100),
    activityRetentionDays: z.number().int().min(1).max(3650),
  })
  .partial()
  .strict();

export const settingsCalls = {
  'settings.get': call<SyncSettingsView>()(z.object({ siteId: id }).strict()),
  'settings.update': call<SyncSettingsView>()(z.object({ siteId: id, patch: settingsPatch }).strict(), 'manager'),
  /** Opts one integration in or out; people it already synced stay. */
  'sources.setEnabled': call<SyncSettingsView>()(z.object({ id, enabled: z.boolean() }).strict(), 'manager'),
};
