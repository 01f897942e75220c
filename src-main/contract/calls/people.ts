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

/** One person of a bulk-delete preview's sample. */
export interface BulkDeleteSampleRow {
  id: string;
  name: string;
  externalId: string | null;
  sourceName: string;
  accessEnabled: boolean;
}

/**
 * What "Bulk delete synced people" would remove, shown before anything is deleted: every person
 * synced from one source of the site, or from any of its sources.
 */
export interface BulkDeletePreview {
  siteId: string;
  sourceConnectionId: string | null;
  /** The scope in words: "Demo PMS", or "every source of Harbor View". */
  scopeName: string;
  count: number;
  /** The first people of the set, by name. */
  sample: BulkDeleteSampleRow[];
  /** Accounts in access systems linked to these people. They are not deleted there, only unlinked here. */
  linkedAccounts: { accessSystemId: string; accessSystemName: string; count: number }[];
  /** Sources of the scope still switched on: unless they are turned off, the next pass adds these people again. */
  sourcesStillOn: { id: string; name: string }[];
  /** Names exactly this set of people: the delete is refused if the set changed since. */
  token: string;
}

export interface BulkDeleteResult {
  deleted: number;
  /** Names of the sources turned off with the delete. */
  sourcesTurnedOff: string[];
}

const bulkScope = {
  siteId: id,
  /** null: people synced from any source of the site. */
  sourceConnectionId: id.nullable(),
};

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
  /** Counts and names who a bulk delete of synced people would remove; changes nothing. */
  'people.bulkDeletePreview': call<BulkDeletePreview>()(z.object(bulkScope).strict(), 'manager'),
  /**
   * Deletes the people a preview showed, in one transaction, only if the set is still exactly the
   * previewed one (`token`). Their activity and audit history stays; admin-owned values go.
   */
  'people.bulkDelete': call<BulkDeleteResult>()(
    z
      .object({
        ...bulkScope,
        token: z.string().min(1).max(200),
        /** Turn off the scope's sources too, or the next pass adds the same people again. */
        turnOffSync: z.boolean(),
        /** The manager ticked "I understand this is permanent". */
        confirm: z.literal(true),
      })
      .strict(),
    'manager',
  ),
};
