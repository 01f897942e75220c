/**
 * The console's Content-Security-Policy, shared by both hosts so the renderer runs under the
 * same rules whether it sits in an Electron window or a browser tab.
 *
 * Style choice: `<style>` elements and stylesheets must come from our own files ('self'), but
 * inline `style="…"` attributes are allowed (style-src-attr). Vue's `:style` bindings go through
 * the CSSOM, which CSP does not restrict, but Vue may render large static subtrees through
 * innerHTML, and those can carry style attributes; blocking them would break layout silently.
 * Style attributes cannot run script and img-src still limits what CSS can fetch, so the cost is
 * small, while injected `<style>` blocks (the stronger CSS-injection tool) stay blocked.
 */
export interface ContentSecurityPolicyOptions {
  /** Extra connect-src sources, e.g. the browser host's `ws://127.0.0.1:PORT`. */
  connectSrc?: string[];
  /**
   * Allow inline `<style>` elements. Only for the Vite dev server, which injects CSS that way;
   * built bundles ship CSS as files.
   */
  allowInlineStyleElements?: boolean;
}

/** Sources that would reopen what the policy closes; refused so a caller cannot slip them in. */
const FORBIDDEN_SOURCES = /^(?:\*|'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|'wasm-unsafe-eval'|data:|blob:|https?:|wss?:)$/i;

export function contentSecurityPolicy(opts: ContentSecurityPolicyOptions = {}): string {
  const extraConnect = (opts.connectSrc ?? []).map((src) => {
    const s = src.trim();
    // Anything with a separator could add a whole directive; anything scheme-wide opens too much.
    if (!s || /[;,\s]/.test(s) || FORBIDDEN_SOURCES.test(s)) {
      throw new Error(`Refusing connect-src source ${JSON.stringify(src)} in the Content-Security-Policy.`);
    }
    return s;
  });
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', opts.allowInlineStyleElements ? ["'self'", "'unsafe-inline'"] : ["'self'"]],
    ['style-src-attr', ["'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", ...extraConnect]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['worker-src', ["'self'"]],
    ['base-uri', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

/** Parses a policy into directive → sources, for tests and for checks at start-up. */
export function parseContentSecurityPolicy(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), sources);
  }
  return out;
}

/** The policy of the Electron window: it talks to the core over IPC, so it needs no sockets. */
export const ELECTRON_CONTENT_SECURITY_POLICY = contentSecurityPolicy();
