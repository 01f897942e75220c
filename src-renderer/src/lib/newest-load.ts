import type { Ref } from 'vue';
import { errorMessage } from './format';

/**
 * Loads where only the newest call counts. The site switcher, a filter change and a core event
 * can each start a load while an earlier one is still out; an older answer landing last must
 * not overwrite the newer one, nor clear the newer one's spinner or error.
 */
export interface NewestLoad {
  /** Fetches, and applies the answer only if no newer load or stale() came since. */
  run<T>(fetch: () => Promise<T>, apply: (value: T) => void): Promise<void>;
  /** Makes loads in flight stale (the site changed, or a save just put newer data in place). */
  stale(): void;
  /** A mark to hand to follow-up requests (next page, refresh); current(mark) says if it still holds. */
  mark(): number;
  current(mark: number): boolean;
}

export function newestLoad(state: { loading: Ref<boolean>; error: Ref<string | null>; loaded: Ref<boolean> }): NewestLoad {
  let generation = 0;
  return {
    async run(fetch, apply) {
      const gen = ++generation;
      state.loading.value = true;
      try {
        const value = await fetch();
        if (gen !== generation) return;
        apply(value);
        state.error.value = null;
        state.loaded.value = true;
      } catch (err) {
        if (gen === generation) state.error.value = errorMessage(err);
      } finally {
        if (gen === generation) state.loading.value = false;
      }
    },
    stale: () => {
      generation++;
    },
    mark: () => generation,
    current: (mark) => mark === generation,
  };
}
