import type { LocationDifferenceDto, PanelUserView } from '../../contract/calls/locations';
import { personIdOf } from '../adapters/alarm-panel/alarm-panel-access';
import type { StoredUser } from './location-store';
import { maskCode } from './user-codes';

export function userView(u: StoredUser): PanelUserView {
  return { slot: u.slot, name: u.name, code: maskCode(u.code), partitions: [...u.partitions], personId: personIdOf(u.externalRef) };
}

const sameSet = (a: number[], b: number[]) => a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

/**
 * Slot by slot, what the service holds against what the panel reported. The id is the slot:
 * one slot has at most one difference, and the id stays the same until it is resolved.
 */
export function computeDifferences(service: StoredUser[], panel: StoredUser[]): LocationDifferenceDto[] {
  const bySlot = new Map<number, { s?: StoredUser; p?: StoredUser }>();
  for (const s of service) bySlot.set(s.slot, { ...bySlot.get(s.slot), s });
  for (const p of panel) bySlot.set(p.slot, { ...bySlot.get(p.slot), p });
  const out: LocationDifferenceDto[] = [];
  for (const [slot, { s, p }] of [...bySlot.entries()].sort((a, b) => a[0] - b[0])) {
    const id = `slot-${slot}`;
    if (s && !p) {
      out.push({ id, slot, kind: 'missing_on_panel', fields: [], service: userView(s), panel: null, summary: `${s.name} (slot ${slot}) is at the service but not on the panel.` });
    } else if (p && !s) {
      out.push({ id, slot, kind: 'extra_on_panel', fields: [], service: null, panel: userView(p), summary: `${p.name} (slot ${slot}) is on the panel but not at the service.` });
    } else if (s && p) {
      const fields: LocationDifferenceDto['fields'] = [];
      if (s.name !== p.name) fields.push('name');
      if (s.code !== p.code) fields.push('code');
      if (!sameSet(s.partitions, p.partitions)) fields.push('partitions');
      if (fields.length) {
        out.push({ id, slot, kind: 'differs', fields, service: userView(s), panel: userView(p), summary: `Slot ${slot}: the ${fields.join(' and ')} differ between the service and the panel.` });
      }
    }
  }
  return out;
}
