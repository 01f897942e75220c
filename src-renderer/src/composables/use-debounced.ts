import { onScopeDispose, ref, watch } from 'vue';
import type { Ref } from 'vue';

/** A copy of `source` that settles `ms` after the last change (search boxes). */
export function useDebounced<T>(source: Ref<T>, ms = 150): Ref<T> {
  const out = ref(source.value) as Ref<T>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(source, (v) => {
    clearTimeout(timer);
    timer = setTimeout(() => (out.value = v), ms);
  });
  onScopeDispose(() => clearTimeout(timer));
  return out;
}
