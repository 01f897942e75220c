import { onBeforeUnmount, onMounted } from 'vue';
import { useRouter } from 'vue-router';

const ROUTES: Record<string, string> = { p: '/people', a: '/activity', l: '/alerts', s: '/settings' };
const ALT_ROUTES: Record<string, string> = { Digit1: '/people', Digit2: '/activity', Digit3: '/alerts', Digit4: '/settings' };

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * App-wide keys: "g" then p/a/l/s (or Alt+1..4) to switch screens, "/" to jump to the screen's
 * search box. Keys typed into a field are left alone, except Escape, which leaves the field.
 */
export function useShortcuts() {
  const router = useRouter();
  let leader = 0;

  function onKey(e: KeyboardEvent) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey) return;
    if (e.altKey && ALT_ROUTES[e.code]) {
      e.preventDefault();
      void router.push(ALT_ROUTES[e.code]);
      return;
    }
    if (e.altKey) return;
    if (isTyping(e.target)) {
      if (e.key === 'Escape' && e.target instanceof HTMLInputElement && e.target.type === 'search' && !e.target.value) {
        e.target.blur();
      }
      return;
    }
    if (document.querySelector('dialog[open]')) return;
    if (e.key === '/') {
      const box = document.querySelector<HTMLInputElement>('[data-search]');
      if (box) {
        e.preventDefault();
        box.focus();
        box.select();
      }
      return;
    }
    if (leader && Date.now() - leader < 1200 && ROUTES[e.key]) {
      leader = 0;
      e.preventDefault();
      void router.push(ROUTES[e.key]);
      return;
    }
    leader = e.key === 'g' ? Date.now() : 0;
  }

  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}
