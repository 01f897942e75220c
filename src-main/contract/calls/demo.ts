import { call } from '../define';
import { empty } from './common';
import type { SiteDto } from '../dto';

export const demoCalls = {
  /** Throws the demo site away and seeds it again, then runs a first pass. */
  'demo.reset': call<SiteDto>()(empty, 'manager'),
  /** Removes the demo site and its fake upstream systems for good. */
  'demo.remove': call<{ removed: boolean }>()(empty, 'manager'),
};
