import { z } from 'zod';
import { call } from '../define';
import { id } from './common';
import type { OutcomeCounts, SourceBlock } from '../dto';

/** Connections (sources and access systems), secrets, per-person re-sync and delivery state. Owned by the adapters work. */

export type ConnectionRole = 'source' | 'access';

/** One setting the connections page renders; `secret` fields are write-only. */
export interface ConnectionFieldDto {
  key: string;
  label: string;
  kind: 'text' | 'url' | 'number' | 'secret' | 'select' | 'boolean';
  required?: boolean;
  help?: string;
  placeholder?: string;
  options?: Array<{ value: string; label: string }>;
  /** Says where requests, and so the saved secrets, go: changing it means typing the secrets again. */
  address?: boolean;
}

export interface ConnectionKindDto {
  role: ConnectionRole;
  kind: string;
  /** The product name people know ("Entrata", "Seam"). */
  label: string;
  /** Sources only: which block (and switch) the source belongs to. */
  block: SourceBlock | null;
  fields: ConnectionFieldDto[];
  /** False for kinds made by another flow (a CSV source comes from importing a file). */
  addable: boolean;
}

export interface ConnectionKinds {
  sources: ConnectionKindDto[];
  access: ConnectionKindDto[];
  /** Where secrets are kept, in one plain sentence for the page. */
  secretStorage: string;
}

export interface ConnectionDto {
  id: string;
  siteId: string;
  role: ConnectionRole;
  kind: string;
  kindLabel: string;
  name: string;
  enabled: boolean;
  block: SourceBlock | null;
  /** Non-secret settings only. */
  config: Record<string, unknown>;
  hasSecret: boolean;
  /** Secret fields that have a stored value ("•••• set"); never the values. */
  secretsSet: string[];
  /** Set when stored secrets exist but cannot be read (key changed, keychain unavailable). */
  secretProblem: string | null;
  /** Sources: when the last pass read it, its counts, and how many people came from it. */
  lastRunAt: string | null;
  lastCounts: OutcomeCounts | null;
  peopleCount: number;
}

export interface ConnectionsList {
  siteId: string;
  sources: ConnectionDto[];
  access: ConnectionDto[];
  secretStorage: string;
}

export interface ConnectionTestResult {
  ok: boolean;
  message: string;
  at: string;
}

export interface ConnectionRemoved {
  removed: boolean;
  /** People who came from a removed source stay (unlinked, no longer synced); how many. */
  peopleKept: number;
}

export type DeliveryState = 'pending' | 'applied' | 'failed';

/** How one person stands in one access system, as the last push left it. */
export interface DeliveryDto {
  accessSystemId: string;
  accessSystemName: string;
  kind: string;
  /** null: Rollcall never pushed this person there by hand. */
  state: DeliveryState | null;
  reason: string | null;
  at: string | null;
  remoteId: string | null;
}

export interface ResyncResult {
  ok: boolean;
  /** What to show: "Key re-synced to Demo Access" or why it failed. */
  message: string;
  delivery: DeliveryDto;
}

const role = z.enum(['source', 'access']);
const kind = z.string().min(1).max(40).regex(/^[a-z0-9-]+$/, 'must be an adapter kind');
const name = z.string().trim().min(1, 'A name is required.').max(120);
const configValue = z.union([z.string().max(4000), z.number(), z.boolean(), z.null(), z.array(z.string().max(200)).max(500)]);
const config = z.record(z.string().min(1).max(60), configValue).refine((o) => Object.keys(o).length <= 60, 'too many settings');
const secrets = z.record(z.string().min(1).max(60), z.string().max(8000)).refine((o) => Object.keys(o).length <= 20, 'too many secrets');

/** Test a saved connection, or a configuration being typed (with `id` when editing one: unset secrets come from it). */
const testInput = z.union([
  z.object({ id }).strict(),
  z.object({ siteId: id, role, kind, name: name.optional(), config, secrets: secrets.default({}), id: id.optional() }).strict(),
]);

export const connectionsCalls = {
  'connections.kinds': call<ConnectionKinds>()(z.object({}).strict()),
  'connections.list': call<ConnectionsList>()(z.object({ siteId: id }).strict()),
  'connections.add': call<ConnectionDto>()(
    z.object({ siteId: id, role, kind, name, enabled: z.boolean().default(true), config: config.default({}), secrets: secrets.default({}) }).strict(),
    'manager',
  ),
  /** Secrets left out (or empty) stay as they are; `clearSecrets` forgets the named ones. */
  'connections.update': call<ConnectionDto>()(
    z
      .object({
        id,
        name: name.optional(),
        enabled: z.boolean().optional(),
        config: config.optional(),
        secrets: secrets.optional(),
        clearSecrets: z.array(z.string().min(1).max(60)).max(20).optional(),
      })
      .strict(),
    'manager',
  ),
  'connections.test': call<ConnectionTestResult>()(testInput, 'manager'),
  'connections.remove': call<ConnectionRemoved>()(z.object({ id }).strict(), 'manager'),
  /** Pushes the person's current state to one access system now (front desk may). */
  'people.resync': call<ResyncResult>()(z.object({ personId: id, accessSystemId: id }).strict()),
  'people.deliveries': call<DeliveryDto[]>()(z.object({ personId: id }).strict()),
};
