/**
 * Runs `fn` at most once per `ms`, always including a trailing call, so a burst of events
 * during a pass (hundreds of activity.appended) costs a few refreshes, and the last state shows.
 */
export function throttle(fn: () => void, ms: number): () => void {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    const wait = last + ms - Date.now();
    if (wait <= 0 && !timer) {
      last = Date.now();
      fn();
      return;
    }
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      fn();
    }, Math.max(0, wait));
  };
}
