import type { HeldKind } from '../db/entities';
import type { ContactFields, RecordFields } from './alert-detail';
import type { OpenDatabase } from '../db/open-database';

/*
 * Everything alert detection needs about one site, read in a handful of set-based queries and
 * kept in Maps, so the detectors never touch the database per person.
 */

export interface SnapshotPerson extends RecordFields {
  id: string;
  sourceConnectionId: string | null;
  externalId: string | null;
}

export interface SnapshotAccount extends ContactFields {
  id: string;
  accessSystemId: string;
  personId: string | null;
  remoteId: string;
  suspended: boolean;
  version: string | null;
}

/** A held source record, its normalised JSON flattened to the fields we compare. */
export interface SnapshotHeld extends RecordFields {
  sourceConnectionId: string;
  externalId: string;
  kind: HeldKind;
  candidatePersonIds: string[];
}

export interface SiteSnapshot {
  siteId: string;
  sourceNames: Map<string, string>;
  accessSystemNames: Map<string, string>;
  people: Map<string, SnapshotPerson>;
  accounts: SnapshotAccount[];
  held: SnapshotHeld[];
}

/** Key of a source record: (source connection, external id). */
export function sourceKey(sourceConnectionId: string, externalId: string): string {
  return `${sourceConnectionId}\u0000${externalId}`;
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number') return String(value);
  return null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // A corrupt row must not stop detection for the whole site; it is treated as empty.
    return null;
  }
}

export function loadSiteSnapshot(db: OpenDatabase, siteId: string): SiteSnapshot {
  const sqlite = db.sqlite;
  const sourceNames = new Map<string, string>();
  for (const r of sqlite
    .prepare<[string], { id: string; name: string }>(`SELECT id, name FROM source_connection WHERE site_id = ?`)
    .iterate(siteId)) {
    sourceNames.set(r.id, r.name);
  }
  const accessSystemNames = new Map<string, string>();
  for (const r of sqlite
    .prepare<[string], { id: string; name: string }>(`SELECT id, name FROM access_system WHERE site_id = ?`)
    .iterate(siteId)) {
    accessSystemNames.set(r.id, r.name);
  }

  const people = new Map<string, SnapshotPerson>();
  const personRows = sqlite
    .prepare<[string], Record<string, string | null>>(
      `SELECT id, first_name, last_name, email, phone, unit, status, type, source_connection_id, external_id
         FROM person WHERE site_id = ?`,
    )
    .iterate(siteId);
  for (const r of personRows) {
    people.set(r.id!, {
      id: r.id!,
      firstName: r.first_name ?? '',
      lastName: r.last_name ?? '',
      email: r.email,
      phone: r.phone,
      unit: r.unit,
      status: r.status,
      type: r.type,
      sourceConnectionId: r.source_connection_id,
      externalId: r.external_id,
    });
  }

  const accounts: SnapshotAccount[] = [];
  const accountRows = sqlite
    .prepare<[string], Record<string, string | number | null>>(
      `SELECT id, access_system_id, person_id, remote_id, first_name, last_name, email, phone, suspended, version
         FROM access_account WHERE site_id = ?`,
    )
    .iterate(siteId);
  for (const r of accountRows) {
    accounts.push({
      id: String(r.id),
      accessSystemId: String(r.access_system_id),
      personId: (r.person_id as string | null) ?? null,
      remoteId: String(r.remote_id),
      firstName: (r.first_name as string | null) ?? '',
      lastName: (r.last_name as string | null) ?? '',
      email: (r.email as string | null) ?? null,
      phone: (r.phone as string | null) ?? null,
      suspended: Number(r.suspended) === 1,
      version: (r.version as string | null) ?? null,
    });
  }

  const held: SnapshotHeld[] = [];
  const heldRows = sqlite
    .prepare<[string], { source_connection_id: string; external_id: string; kind: string; record: string; candidate_person_ids: string }>(
      `SELECT source_connection_id, external_id, kind, record, candidate_person_ids FROM held_record WHERE site_id = ?`,
    )
    .iterate(siteId);
  for (const r of heldRows) {
    const rec = (parseJson(r.record) ?? {}) as Record<string, unknown>;
    const candidates = parseJson(r.candidate_person_ids);
    held.push({
      sourceConnectionId: r.source_connection_id,
      externalId: r.external_id,
      kind: r.kind as HeldKind,
      firstName: str(rec.firstName) ?? '',
      lastName: str(rec.lastName) ?? '',
      email: str(rec.email),
      phone: str(rec.phone),
      unit: str(rec.unit),
      status: str(rec.status),
      type: str(rec.type),
      candidatePersonIds: Array.isArray(candidates) ? candidates.filter((c): c is string => typeof c === 'string') : [],
    });
  }

  return { siteId, sourceNames, accessSystemNames, people, accounts, held };
}
