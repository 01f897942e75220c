import { z } from 'zod';
import type { PersonType } from '../../../contract/dto';

/** Who gets a user code on the panels. Alarm panels have few slots: staff only by default. */
export const PEOPLE_CHOICES = {
  staff: ['staff'],
  'staff-and-residents': ['staff', 'resident'],
  everyone: ['staff', 'resident', 'member', 'visitor'],
} as const satisfies Record<string, readonly PersonType[]>;
export type PeopleChoice = keyof typeof PEOPLE_CHOICES;

const idList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v),
  z.array(z.string().min(1).max(64)).max(200),
);

/** The non-secret settings of an alarm-panel access system (the API key is a secret). */
export const alarmPanelConfigSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }).max(500).optional(),
  /** Only these service locations belong to this site; empty means every location of the account. */
  locationIds: idList.optional(),
  people: z.enum(Object.keys(PEOPLE_CHOICES) as [PeopleChoice, ...PeopleChoice[]]).default('staff'),
  /** The embedded demo: resolved against the running demo service, whose address changes per launch. */
  demo: z.boolean().optional(),
});
export type AlarmPanelConfig = z.infer<typeof alarmPanelConfigSchema>;

export function readAlarmPanelConfig(raw: unknown): AlarmPanelConfig {
  const parsed = alarmPanelConfigSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : { people: 'staff' };
}
