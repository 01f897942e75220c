import { z } from 'zod';
import { call } from '../define';
import { id } from './common';
import type { AlertDto } from '../dto';

export const alertsCalls = {
  'alerts.list': call<AlertDto[]>()(z.object({ siteId: id }).strict()),
};
