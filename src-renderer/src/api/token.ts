const STORAGE_KEY = 'rollcall.token';

/**
 * The browser host hands out `/?token=…` (or `#/…?token=…`). Take the token, keep it in
 * sessionStorage so a reload still works, and strip it from the address bar so it does not
 * end up in screenshots, bookmarks or shared links.
 */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  let token = url.searchParams.get('token');
  let hash = url.hash;
  if (token) {
    url.searchParams.delete('token');
  } else {
    const q = hash.indexOf('?');
    if (q >= 0) {
      const params = new URLSearchParams(hash.slice(q + 1));
      token = params.get('token');
      if (token) {
        params.delete('token');
        const rest = params.toString();
        hash = hash.slice(0, q) + (rest ? `?${rest}` : '');
      }
    }
  }
  if (token) {
    try {
      sessionStorage.setItem(STORAGE_KEY, token);
    } catch {
      // Storage can be disabled; the token still works for this page load.
    }
    window.history.replaceState(window.history.state, '', url.pathname + url.search + hash);
    return token;
  }
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}
