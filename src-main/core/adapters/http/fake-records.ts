/**
 * The people a fake serves, keyed by id. Stored and handed out as copies, so a test that changes
 * its own object afterwards does not silently change what the fake answers. Test and demo code only.
 */
export interface FakeRecords<R extends { id: string }> {
  /** Copies of every record, in the order they were first added. */
  list(): R[];
  /** Adds or replaces the record with this id. */
  upsert(r: R): void;
  /** False when there was no such record. */
  remove(id: string): boolean;
  /** The stored records themselves, for the fake's own handlers (which must not change them). */
  stored(): R[];
}

/**
 * `onStore` sees every record stored (fakes use it to learn their sites): the initial ones once
 * loaded, so a record replaced by a later one with the same id is not seen, then each upsert.
 */
export function createFakeRecords<R extends { id: string }>(initial: readonly R[], onStore?: (r: R) => void): FakeRecords<R> {
  const byId = new Map<string, R>();
  for (const r of initial) byId.set(r.id, structuredClone(r));
  for (const r of byId.values()) onStore?.(r);
  return {
    list: () => [...byId.values()].map((r) => structuredClone(r)),
    upsert(r) {
      byId.set(r.id, structuredClone(r));
      onStore?.(r);
    },
    remove: (id) => byId.delete(id),
    stored: () => [...byId.values()],
  };
}
