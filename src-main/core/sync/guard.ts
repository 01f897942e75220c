import type { Outcome, OutcomeCounts, SiteSettings, SyncPreview as ContractPreview } from '../../contract/dto';
import type { PassPlan } from './plan-types';

export interface GuardResult {
  tripped: boolean;
  /** Plain sentences for the manager ("Would turn off access for 40 of 120 synced people"). */
  reasons: string[];
  disableCount: number;
  threshold: number;
  syncedPeople: number;
  disableIds: string[];
  emptySources: string[];
}

/** What a manager approved: the approved pass may do at most this much harm. */
export interface GuardApproval {
  disableIds: string[];
  emptySources: string[];
}

/**
 * The most people a pass may turn off without a manager: max(guardMinPeople, guardPercent % of
 * the base). "More than 10 %" of 105 is 11 or more, so the percentage is rounded down: rounding
 * up let 11 of 105 through.
 */
export function guardThreshold(settings: SiteSettings, syncedPeople: number): number {
  return Math.max(settings.guardMinPeople, Math.floor((syncedPeople * settings.guardPercent) / 100));
}

/**
 * The mass-change guard. A source that suddenly lists nobody, or a pass that would turn off
 * access for many people at once, is far more often a source hiccup than a real mass move-out;
 * holding the pass costs one approval, a wrong pass locks people out of their homes.
 */
export function evaluateGuard(
  plan: PassPlan,
  settings: SiteSettings,
  approval: GuardApproval | null,
  /**
   * The percentage's base: synced people whose access is on (and who follow their source). The
   * past residents a site keeps for years (removed people are never deleted) are nobody a pass
   * can lock out, and counting them let a hiccup disable half of the people who live there. A
   * count over every linked row, so it is asked only when the disables could trip the guard.
   */
  activePeople?: () => number,
): GuardResult {
  const disableIds: string[] = [];
  for (const d of plan.decisions) for (const w of d.writes) if (w.kind === 'disable') disableIds.push(w.personId);
  const syncedPeople = activePeople && disableIds.length > settings.guardMinPeople ? activePeople() : plan.syncedPeople;
  const threshold = guardThreshold(settings, syncedPeople);
  const reasons: string[] = [];
  const approvedDisables = new Set(approval?.disableIds ?? []);
  const approvedEmpty = new Set(approval?.emptySources ?? []);
  // An approval covers exactly what the manager saw: anything beyond it is held again.
  const beyondApproval = !approval || disableIds.some((id) => !approvedDisables.has(id));
  if (disableIds.length > threshold && beyondApproval) {
    reasons.push(
      `Would turn off access for ${disableIds.length} of ${syncedPeople} synced people with access (the limit is ${threshold})`,
    );
  }
  for (const e of plan.emptySources) {
    if (approvedEmpty.has(e.connId)) continue;
    reasons.push(`${e.name} returned nobody, although ${e.people} people here came from it`);
  }
  return {
    tripped: reasons.length > 0,
    reasons,
    disableCount: disableIds.length,
    threshold,
    syncedPeople,
    disableIds,
    emptySources: plan.emptySources.map((e) => e.connId),
  };
}

export interface PreviewPerson {
  personId: string | null;
  name: string;
  externalId: string | null;
  sourceConnectionId: string | null;
  outcome: Outcome;
  reasonCode: string | null;
  reason: string | null;
}

/**
 * What a dry run or a held pass would do, stored on the run for the review screen. A superset of
 * the contract's preview: the extra keys (guard numbers, reason counts) travel along as JSON.
 */
export interface SyncPreview extends ContractPreview {
  counts: OutcomeCounts;
  reasonCounts: Record<string, number>;
  guard: GuardResult;
  /** Everyone who would be added, updated, disabled or held (capped; `peopleTotal` says how many). */
  people: PreviewPerson[];
  peopleTotal: number;
  /** The same outcomes source by source (a pass reads every enabled source of the site). */
  sources: Array<{ sourceConnectionId: string; name: string; counts: OutcomeCounts }>;
}

export const PREVIEW_PEOPLE_CAP = 1000;

export function countOutcomes(plan: PassPlan): OutcomeCounts {
  const counts: OutcomeCounts = {};
  for (const d of plan.decisions) counts[d.outcome] = (counts[d.outcome] ?? 0) + 1;
  for (const c of plan.connections) {
    for (const e of c.unchanged) {
      const o = typeof e === 'string' ? 'processed' : 'skipped';
      counts[o] = (counts[o] ?? 0) + 1;
    }
  }
  return counts;
}

/** Activity entries the pass writes: one per decision and one per unchanged record. */
export function entryCount(plan: PassPlan): number {
  let n = plan.decisions.length;
  for (const c of plan.connections) n += c.unchanged.length;
  return n;
}

export function buildPreview(plan: PassPlan, guard: GuardResult): SyncPreview {
  const reasonCounts: Record<string, number> = {};
  const people: PreviewPerson[] = [];
  let peopleTotal = 0;
  // Disabled people first: they are what a manager must check before approving.
  const order: Outcome[] = ['disabled', 'skipped', 'added', 'updated'];
  for (const outcome of order) {
    for (const d of plan.decisions) {
      if (d.outcome !== outcome) continue;
      if (outcome === 'skipped' && !d.held) continue;
      peopleTotal++;
      if (people.length < PREVIEW_PEOPLE_CAP) {
        people.push({
          personId: d.personId,
          name: d.personName,
          externalId: d.externalId,
          sourceConnectionId: d.connId,
          outcome: d.outcome,
          reasonCode: d.reasonCode,
          reason: d.reason,
        });
      }
    }
  }
  for (const d of plan.decisions) if (d.reasonCode) reasonCounts[d.reasonCode] = (reasonCounts[d.reasonCode] ?? 0) + 1;
  for (const c of plan.connections) {
    for (const e of c.unchanged) if (typeof e !== 'string') reasonCounts[e[1]] = (reasonCounts[e[1]] ?? 0) + 1;
  }
  const reason = guard.tripped ? `Held for review: ${guard.reasons.join('; ')}` : null;
  const sources = plan.connections.map((c) => ({ sourceConnectionId: c.conn.id, name: c.conn.name, counts: c.counts }));
  return { reason, counts: countOutcomes(plan), reasonCounts, guard, people, peopleTotal, sources };
}
