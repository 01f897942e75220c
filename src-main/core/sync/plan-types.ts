import type { Outcome, PersonStatus, PersonType } from '../../contract/dto';
import type { BatchEntry } from '../activity/activity-batch-format';
import type { SourceRecord } from '../adapters/types';
import type { HeldKind, SourceConnection } from '../db/entities';
import type { NormalizedRecord } from './normalize';
import type { ReasonCode } from './reasons';
import type { FingerprintMap } from './fingerprint-cache';
import type { PersonState, SkipMemo } from './site-state';

/** What one source gave this pass. */
export interface SourceRead {
  conn: SourceConnection;
  records: SourceRecord[];
  /** External ids a changes feed reported as removed. */
  removedExternalIds: string[];
  /** True for a full list (absence means removal); false for a changes feed (it never does). */
  complete: boolean;
  /** Next changes-feed token to store, when the read came from one. */
  nextToken: string | null;
}

/** A change to one person row. Only source-owned columns and the sync-owned access fields appear here. */
export type PersonWrite =
  | { kind: 'insert'; personId: string; rec: NormalizedRecord; type: PersonType; hash: string }
  | {
      kind: 'update';
      personId: string;
      rec: NormalizedRecord;
      type: PersonType;
      hash: string;
      /** Source-owned fields whose value changes (for provenance). */
      changed: readonly string[];
      /** Link a hand-added person to this source record. */
      link: boolean;
      /** Turn access back on: only ever honoured when sync itself turned it off. */
      enable: boolean;
    }
  | { kind: 'hash'; personId: string; hash: string }
  | { kind: 'disable'; personId: string; removedAtSource: boolean; status: PersonStatus | null }
  | { kind: 'mark-removed'; personId: string }
  | { kind: 'hold'; personId: string; heldReason: HeldKind }
  | { kind: 'clear-held'; personId: string };

export interface HeldPlan {
  kind: HeldKind;
  record: NormalizedRecord;
  candidates: string[];
}

/** The fate of one record (or one removal) in a pass: becomes exactly one activity entry. */
export interface Decision {
  connId: string | null;
  connName: string;
  externalId: string | null;
  personId: string | null;
  personName: string;
  outcome: Outcome;
  reasonCode: ReasonCode | null;
  reason: string | null;
  /** The rules that decided it, in order, in plain words ("why not synced?"). */
  steps: string[];
  raw: Record<string, unknown> | null;
  writes: PersonWrite[];
  held: HeldPlan | null;
  /** Set on a skip decided by the record alone: remembered so the next pass settles it early. */
  memoFingerprint?: string;
  /** The record, when the pass writes its fingerprint: the fingerprint cache keeps its fields (taken after the pass, not held in the plan). */
  record?: SourceRecord;
}

export interface ConnectionResult {
  conn: SourceConnection;
  read: SourceRead | null;
  counts: Partial<Record<Outcome, number>>;
  /** External ids this pass decided about (a delta pass only replaces held rows for these). */
  touched: string[];
  /** Records exactly as in the last pass: logged as one compact batch, nothing else to do. */
  unchanged: BatchEntry[];
  /** External ids whose remembered skip no longer holds. */
  forget: string[];
  /** The policy tag (fingerprint.ts) this source's records were read under. */
  policy: string;
}

export interface PassPlan {
  decisions: Decision[];
  connections: ConnectionResult[];
  /** People on the site that came from a source: the base of the guard's percentage. */
  syncedPeople: number;
  /** Sources that returned nothing although people on this site came from them. */
  emptySources: { connId: string; name: string; people: number }[];
}

/**
 * What the planner may ask of the mirror. Narrow on purpose: a pass loads two columns for every
 * linked person, and the full state only of the few people the rules will look at.
 */
export interface PassState {
  /** Marks this pass in FingerprintEntry.seen (a number no earlier pass used). */
  readonly mark: number;
  /** External id → what the screen needs of the person linked to it, for one source. Read-only, except `seen`. */
  fingerprints(connId: string): FingerprintMap;
  /** Remembered record-only skips of one source. The planner may mutate the map and its values. */
  skipMemos(connId: string): Map<string, SkipMemo>;
  peopleByExternalId(connId: string, externalIds: string[]): PersonState[];
  /** People linked to this source with one of these emails. */
  linkedWithEmails(connId: string, emails: string[]): { externalId: string; email: string }[];
  manualPeople(): PersonState[];
  syncedPeople(): number;
  linkedCount(connId: string): number;
  /** People of this source whose access is on and who follow the source. */
  activeCount(connId: string): number;
}
