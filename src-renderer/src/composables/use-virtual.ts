import { computed, onBeforeUnmount, onMounted, ref } from 'vue';
import type { Ref } from 'vue';

/**
 * Browsers cap an element's height (Chrome near 33.5M px). Past this many pixels the list
 * scrolls a shorter sizer and maps its scroll position onto the real one, so a million rows
 * still reach the end.
 */
const MAX_SCROLL_PX = 8_000_000;

/**
 * Fixed-height windowing: only the rows in view (plus a little overscan) exist in the DOM.
 * Fixed heights keep the maths O(1), which is what makes 100k rows scroll like 100.
 */
export function useVirtual(container: Ref<HTMLElement | null>, count: Ref<number>, rowHeight: number, overscan = 8) {
  const scrollTop = ref(0);
  const height = ref(600);
  let observer: ResizeObserver | undefined;
  let frame = 0;

  const realHeight = computed(() => count.value * rowHeight);
  const totalHeight = computed(() => Math.min(realHeight.value, MAX_SCROLL_PX));
  /** Real pixels per scrolled pixel: 1 unless the list is taller than the cap. */
  const ratio = computed(() =>
    realHeight.value > MAX_SCROLL_PX ? (realHeight.value - height.value) / (MAX_SCROLL_PX - height.value) : 1,
  );
  const virtualTop = computed(() => scrollTop.value * ratio.value);

  const start = computed(() => Math.max(0, Math.floor(virtualTop.value / rowHeight) - overscan));
  const end = computed(() => Math.min(count.value, Math.ceil((virtualTop.value + height.value) / rowHeight) + overscan));
  /** Where the rendered window sits inside the sizer. */
  const offset = computed(() => scrollTop.value + (start.value * rowHeight - virtualTop.value));
  /** Rows fully in view, for PageUp/PageDown. */
  const pageRows = computed(() => Math.max(1, Math.floor(height.value / rowHeight) - 1));

  function onScroll() {
    // One update per frame however fast the wheel spins.
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (container.value) scrollTop.value = container.value.scrollTop;
    });
  }

  /** Scrolls just enough to show row `index`. */
  function reveal(index: number) {
    const el = container.value;
    if (!el) return;
    const top = index * rowHeight;
    const viewTop = virtualTop.value;
    let target: number | null = null;
    if (top < viewTop) target = top;
    else if (top + rowHeight > viewTop + el.clientHeight) target = top + rowHeight - el.clientHeight;
    if (target === null) return;
    el.scrollTop = target / ratio.value;
    scrollTop.value = el.scrollTop;
  }

  function toTop() {
    if (container.value) container.value.scrollTop = 0;
    scrollTop.value = 0;
  }

  onMounted(() => {
    const el = container.value;
    if (!el) return;
    height.value = el.clientHeight;
    observer = new ResizeObserver(() => (height.value = el.clientHeight));
    observer.observe(el);
  });
  onBeforeUnmount(() => {
    observer?.disconnect();
    cancelAnimationFrame(frame);
  });

  return { start, end, totalHeight, offset, pageRows, onScroll, reveal, toTop };
}
