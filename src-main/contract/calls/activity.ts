import { z } from 'zod';
import { call } from '../define';
import { id, limit, searchText } from './common';
import type { ActivityEntryDto, Outcome, Page } from '../dto';

const outcomes = ['added', 'updated', 'skipped', 'disabled', 'processed', 'error'] as const satisfies readonly Outcome[];

export const activityCalls = {
  /** Newest first; pass the last id you saw as beforeId to page further back. */
  'activity.list': call<Page<ActivityEntryDto>>()(
    z
      .object({
        siteId: id,
        query: searchText.optional(),
        outcome: z.enum(outcomes).optional(),
        beforeId: z.number().int().positive().optional(),
        limit: limit.default(100),
      })
      .strict(),
  ),
  /** The filtered log as CSV text (cells that look like formulas are neutralised). */
  'activity.export': call<{ fileName: string; csv: string; rows: number }>()(
    z.object({ siteId: id, query: searchText.optional(), outcome: z.enum(outcomes).optional() }).strict(),
  ),
  'activity.get': call<ActivityEntryDto>()(z.object({ id: z.number().int().positive() }).strict()),
};
