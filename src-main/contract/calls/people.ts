import { z } from 'zod';
import { call } from '../define';
import { id, limit, offset, searchText } from './common';
import { PERSON_TYPES } from '../dto';
import type { Page, PersonDetail, PersonRow, PersonType } from '../dto';

export interface PeoplePage extends Page<PersonRow> {
  /** Counts per type for the tabs, under the same search. */
  countsByType: Record<PersonType, number>;
}

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
};
