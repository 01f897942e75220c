import { describe, expect, it } from 'vitest';
import { ELECTRON_CONTENT_SECURITY_POLICY, contentSecurityPolicy, parseContentSecurityPolicy } from './content-security-policy';

describe('contentSecurityPolicy', () => {
  it('allows only our own scripts, no eval and no inline script', () => {
    const p = parseContentSecurityPolicy(ELECTRON_CONTENT_SECURITY_POLICY);
    expect(p.get('script-src')).toEqual(["'self'"]);
    expect(ELECTRON_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval/);
    expect(p.get('object-src')).toEqual(["'none'"]);
    expect(p.get('frame-src')).toEqual(["'none'"]);
    expect(p.get('img-src')).toEqual(["'self'", 'data:']);
  });

  it('adds the browser host socket to connect-src only', () => {
    const p = parseContentSecurityPolicy(contentSecurityPolicy({ connectSrc: ['ws://127.0.0.1:43123'] }));
    expect(p.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:43123']);
    expect(p.get('default-src')).toEqual(["'self'"]);
  });

  it('refuses sources that would widen the policy or inject a directive', () => {
    for (const bad of ['*', 'https:', "'unsafe-inline'", 'data:', "ws://x; script-src *", 'a b', '']) {
      expect(() => contentSecurityPolicy({ connectSrc: [bad] }), bad).toThrow(/Refusing/);
    }
  });

  it('allows inline <style> only for the dev server', () => {
    expect(parseContentSecurityPolicy(contentSecurityPolicy()).get('style-src')).toEqual(["'self'"]);
    expect(parseContentSecurityPolicy(contentSecurityPolicy({ allowInlineStyleElements: true })).get('style-src')).toEqual([
      "'self'",
      "'unsafe-inline'",
    ]);
  });
});
