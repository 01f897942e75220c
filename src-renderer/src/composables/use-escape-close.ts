import type { Ref } from 'vue';

/**
 * Escape for a header popover: closes it and hands the keyboard back to the button that opened
 * it (the one with aria-expanded in `root`). Without this, focus sat on a removed element and the
 * next Tab started again from the top of the page. With the popover closed, Escape goes on to
 * whatever is around it.
 */
export function useEscapeClose(open: Ref<boolean>, root: Ref<HTMLElement | null>): (e: KeyboardEvent) => void {
  return (e: KeyboardEvent) => {
    if (!open.value) return;
    e.stopPropagation();
    open.value = false;
    root.value?.querySelector<HTMLElement>('[aria-expanded]')?.focus();
  };
}
