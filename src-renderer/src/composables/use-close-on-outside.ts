import { onBeforeUnmount, watch } from 'vue';
import type { Ref } from 'vue';

/**
 * Closes a popover when the mouse goes down anywhere outside `root`. The document listener is
 * only there while the popover is open, so closed menus cost nothing.
 */
export function useCloseOnOutside(open: Ref<boolean>, root: Ref<HTMLElement | null>): void {
  function onOutside(e: MouseEvent) {
    if (root.value && !root.value.contains(e.target as Node)) open.value = false;
  }
  watch(open, (o) => {
    if (o) document.addEventListener('mousedown', onOutside);
    else document.removeEventListener('mousedown', onOutside);
  });
  onBeforeUnmount(() => document.removeEventListener('mousedown', onOutside));
}
