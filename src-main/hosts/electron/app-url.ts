import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where the window's page comes from, and the one rule for "is this URL our own page?". */
export interface RendererTarget {
  /** What BrowserWindow.loadURL gets. */
  url: string;
  /** True for the built files, false for the Vite dev server. */
  isFile: boolean;
  /** True if `candidate` is our console page (any route/hash of it), false for anything else. */
  isAppUrl(candidate: string): boolean;
}

/**
 * The built renderer (out/renderer/index.html beside out/main) unless a dev server URL is given.
 * The dev URL is only honoured for unpackaged runs: in a shipped app an environment variable
 * must not be able to point a window that holds the core's IPC channel at another site.
 */
export function rendererTarget(opts: { mainDir: string; devServerUrl?: string; isPackaged: boolean }): RendererTarget {
  if (opts.devServerUrl && !opts.isPackaged) {
    const dev = new URL(opts.devServerUrl);
    if (dev.protocol !== 'http:' && dev.protocol !== 'https:') {
      throw new Error(`ELECTRON_RENDERER_URL must be http(s), got ${dev.protocol}`);
    }
    return {
      url: dev.href,
      isFile: false,
      isAppUrl: (candidate) => {
        const u = safeUrl(candidate);
        return !!u && u.origin === dev.origin;
      },
    };
  }
  const file = pathToFileURL(join(opts.mainDir, '..', 'renderer', 'index.html'));
  return {
    url: file.href,
    isFile: true,
    isAppUrl: (candidate) => {
      const u = safeUrl(candidate);
      // Same file exactly: file:// has no origin, so another local file must not count as "us".
      return !!u && u.protocol === 'file:' && u.host === file.host && u.pathname === file.pathname;
    },
  };
}

function safeUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** Links the console may hand to the OS browser: https only, no credentials in the URL. */
export function isExternalLinkAllowed(candidate: string): boolean {
  const u = safeUrl(candidate);
  return !!u && u.protocol === 'https:' && !u.username && !u.password;
}
