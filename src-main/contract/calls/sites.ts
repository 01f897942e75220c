import { call } from '../define';
import { empty } from './common';
import type { SiteDto } from '../dto';

export const sitesCalls = {
  'sites.list': call<SiteDto[]>()(empty),
};
