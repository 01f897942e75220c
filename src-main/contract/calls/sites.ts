import { z } from 'zod';
import { call } from '../define';
import { empty } from './common';
import type { SiteDto } from '../dto';

export const sitesCalls = {
  'sites.list': call<SiteDto[]>()(empty),
  /** A new site syncs nothing until a manager turns a source on. */
  'sites.create': call<SiteDto>()(
    z.object({ name: z.string().trim().min(1).max(120), timezone: z.string().max(64).optional() }).strict(),
    'manager',
  ),
};
