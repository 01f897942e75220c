import { UpstreamError } from '../types';

/**
 * Vendors that page by handing back a "next" URL (MRI's nextLink, AppFolio's next_page_url)
 * decide where our next request goes. Following a link to another host would send the
 * connection's credentials there, so a link must stay on the origin the connection was
 * configured with (same scheme, host and port); anything else ends the read.
 */

export interface NextRequest {
  path: string;
  query: Record<string, string>;
}

/**
 * Resolves `link` against the URL that produced it and checks it stays on `origin`.
 * @param origin the configured address's origin, e.g. "https://acme.appfolio.com"
 * @param current the URL of the page that carried the link (relative links resolve against it)
 */
export function followLink(link: string, origin: string, current: string, systemName: string): NextRequest {
  let url: URL;
  try {
    url = new URL(link, current);
  } catch {
    throw new UpstreamError(`${capital(systemName)} sent a next-page link that is not a valid address; the read was stopped.`, null, false);
  }
  if (url.origin !== origin) {
    // Name only the host, never the full link: it may carry tokens.
    throw new UpstreamError(
      `${capital(systemName)} sent a next-page link to another address (${url.protocol}//${url.host}) than the one configured (${origin}). Rollcall does not send credentials elsewhere, so the read was stopped.`,
      null,
      false,
    );
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  return { path: url.pathname, query };
}

/** Splits a configured address into its origin and any path prefix ("https://h/MRIWeb/" → "/MRIWeb"). */
export function splitBase(baseUrl: string): { origin: string; prefix: string } {
  const url = new URL(baseUrl);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
