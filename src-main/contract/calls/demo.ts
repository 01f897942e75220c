import { z } from 'zod';
import { call } from '../define';
import { empty } from './common';
import type { SiteDto } from '../dto';

export const demoCalls = {
  /** Throws the demo site away and seeds it again, then runs a first pass. */
  'demo.reset': call<SiteDto>()(empty, 'manager'),
  /** Removes the demo site and its fake upstream systems for good. */
  'demo.remove': call<{ removed: boolean }>()(empty, 'manager'),
  /**
   * Plays "someone edited this account in the access system's own console": changes an account
   * in the demo access system behind Rollcall's back (its version moves on). Demo only.
   */
  'demo.editAccessAccount': call<{ remoteId: string; version: string }>()(
    z
      .object({
        remoteId: z.string().min(1).max(100),
        patch: z
          .object({ firstName: z.string().max(200), lastName: z.string().max(200), email: z.string().max(320), phone: z.string().max(40) })
          .partial()
          .strict(),
      })
      .strict(),
    'manager',
  ),
};
