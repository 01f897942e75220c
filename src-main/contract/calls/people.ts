import { z } from 'zod';
import { call } from '../define';
import { id, limit, offset, searchText } from './common';
import { PERSON_TYPES } from '../dto';
import type { Outcome, Page, PersonDetail, PersonRow, PersonType } from '../dto';

export interface PeoplePage extends Page<PersonRow> {
  /** Counts per type for the tabs, under the same search. */
  countsByType: Record<PersonType, number>;
}

/** "Why is this person (not) synced?": the rules that decided their fate in the last pass. */
export interface PersonExplanation {
  /** One plain sentence, e.g. "Ana Lopez was skipped: no phone or email". */
  headline: string;
  /** The rules in the order they were applied, in plain words. */
  steps: string[];
  personId: string | null;
  externalId: string | null;
  name: string;
  sourceName: string | null;
  runId: string | null;
  at: string | null;
  outcome: Outcome | null;
  reasonCode: string | null;
}

const adminPatch = z
  .object({
    accessEnabled: z.boolean(),
    /** "Track source updates" is the inverse of decoupled. */
    decoupled: z.boolean(),
    notes: z.string().max(10_000),
    appMessage: z.string().max(1_000),
    customTags: z.array(z.string().min(1).max(60)).max(100),
    grants: z.array(z.string().min(1).max(120)).max(200),
  })
  .partial()
  .strict();

export const peopleCalls = {
  'people.list': call<PeoplePage>()(
    z
      .object({
        siteId: id,
        type: z.enum(PERSON_TYPES).optional(),
        query: searchText.optional(),
        offset: offset.default(0),
        limit: limit.default(100),
      })
      .strict(),
  ),
  'people.get': call<PersonDetail>()(z.object({ id }).strict()),
  /** Explain by person id, or by an external id typed at the front desk. */
  'people.explain': call<PersonExplanation>()(
    z.union([z.object({ personId: id }).strict(), z.object({ siteId: id, externalId: z.string().min(1).max(200) }).strict()]),
  ),
  /** Edits the admin-owned fields; sync never overwrites these. */
  'people.updateAdmin': call<PersonDetail>()(z.object({ id, patch: adminPatch }).strict(), 'manager'),
};
