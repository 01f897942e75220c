import type { EventMap, EventName } from '../contract/events';

/** The core's outgoing events. Hosts subscribe once and forward to every window. */
export class CoreEvents {
  private readonly subs = new Set<<E extends EventName>(name: E, payload: EventMap[E]) => void>();

  emit<E extends EventName>(name: E, payload: EventMap[E]): void {
    for (const cb of this.subs) cb(name, payload);
  }

  subscribe(cb: <E extends EventName>(name: E, payload: EventMap[E]) => void): () => void {
    this.subs.add(cb);
    return () => this.subs.delete(cb);
  }
}
