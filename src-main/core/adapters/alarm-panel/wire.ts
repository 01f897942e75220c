import { z } from 'zod';

/**
 * The alarm-panel remote service's JSON wire format (an Alarm.com / Total Connect style dealer
 * API): locations own a panel and a user list; user pushes and panel reads are asynchronous jobs.
 * Parsed with zod so a reply in the wrong shape is a clear error, never half-read data.
 */

export const ARMING_STATES = ['disarmed', 'armed_stay', 'armed_away', 'armed_night', 'arming', 'alarm'] as const;

export const wirePartition = z.object({
  partitionId: z.number().int(),
  name: z.string(),
  armingState: z.string(),
});

export const wireLocation = z.object({
  locationId: z.string().min(1),
  name: z.string(),
  address: z.string().nullable().optional(),
  panel: z.object({
    serialNumber: z.string().nullable().optional(),
    model: z.string().nullable().optional(),
    connectionStatus: z.enum(['online', 'offline']),
    lastContactAt: z.string().nullable(),
    maxUserSlots: z.number().int().min(1).max(1000),
    partitions: z.array(wirePartition),
  }),
  userSync: z
    .object({ status: z.string(), lastSyncAt: z.string().nullable() })
    .nullable()
    .optional(),
});
export type WireLocation = z.infer<typeof wireLocation>;

export const wireUser = z.object({
  slot: z.number().int().min(1),
  name: z.string(),
  code: z.string().regex(/^\d{4,8}$/),
  partitions: z.array(z.number().int()),
  externalRef: z.string().nullable().optional(),
  updatedAt: z.string().nullable().optional(),
});
export type WireUser = z.infer<typeof wireUser>;

export interface WireUserInput {
  name: string;
  code: string;
  partitions: number[];
  externalRef: string | null;
}

export const JOB_STATUSES = ['pending', 'completed', 'completed_with_errors', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const wireJobResult = z.object({
  slot: z.number().int(),
  result: z.enum(['applied', 'removed', 'failed']),
  reason: z.string().nullable().optional(),
});
export type WireJobResult = z.infer<typeof wireJobResult>;

export const wireJob = z.object({
  jobId: z.string().min(1),
  locationId: z.string(),
  type: z.enum(['user_sync', 'panel_sync']),
  status: z.enum(JOB_STATUSES),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  results: z.array(wireJobResult),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type WireJob = z.infer<typeof wireJob>;

export const wirePanelReport = z.object({
  locationId: z.string(),
  reportedAt: z.string().nullable(),
  users: z.array(wireUser),
});
export type WirePanelReport = z.infer<typeof wirePanelReport>;

export const wireEvent = z.object({
  eventId: z.string().min(1),
  type: z.string(),
  result: z.enum(['success', 'partial', 'failed', 'info']),
  occurredAt: z.string(),
  description: z.string(),
  jobId: z.string().nullable().optional(),
});
export type WireEvent = z.infer<typeof wireEvent>;

export const locationsPage = z.object({
  locations: z.array(wireLocation),
  page: z.number().int(),
  pageSize: z.number().int(),
  totalCount: z.number().int(),
});
export const locationReply = z.object({ location: wireLocation });
export const usersReply = z.object({ users: z.array(wireUser) });
export const userReply = z.object({ user: wireUser });
export const jobReply = z.object({ job: wireJob });
export const eventsReply = z.object({ events: z.array(wireEvent), nextBefore: z.string().nullable() });
