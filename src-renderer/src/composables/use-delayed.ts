import { onScopeDispose, ref, watch } from 'vue';
import type { Ref } from 'vue';

/**
 * Follows `source`, but only turns true after `ms`: fast loads never flash a spinner,
 * slow ones still say something is happening.
 */
export function useDelayed(source: Ref<boolean>, ms = 250): Ref<boolean> {
  const shown = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(
    source,
    (on) => {
      clearTimeout(timer);
      if (!on) shown.value = false;
      else timer = setTimeout(() => (shown.value = true), ms);
    },
    { immediate: true },
  );
  onScopeDispose(() => clearTimeout(timer));
  return shown;
}
