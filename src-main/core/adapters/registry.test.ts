import { describe, expect, it } from 'vitest';
import { SOURCE_KINDS, ACCESS_SYSTEM_KINDS } from '../../contract/dto';
import { panelSpecFor, panelSpecs, sourceSpecFor, sourceSpecs } from './registry';
import { listKinds, prepareConfig } from '../connections/config-form';

describe('the adapter registry', () => {
  it('holds each spec under its own kind, and only kinds the contract knows', () => {
    for (const [kind, spec] of Object.entries(sourceSpecs)) {
      expect(spec!.kind).toBe(kind);
      expect(SOURCE_KINDS).toContain(kind);
    }
    for (const [kind, spec] of Object.entries(panelSpecs)) {
      expect(spec!.kind).toBe(kind);
      expect(ACCESS_SYSTEM_KINDS).toContain(kind);
    }
    expect(sourceSpecFor('demo')?.label).toBeTruthy();
    expect(panelSpecFor('demo')?.label).toBe('Demo Access');
    expect(sourceSpecFor('constructor')).toBeNull();
    expect(panelSpecFor('nope')).toBeNull();
  });

  it('describes every kind for the connections page; secret fields are marked, CSV is not offered', () => {
    const kinds = listKinds();
    const csv = kinds.sources.find((k) => k.kind === 'csv');
    expect(csv?.addable).toBe(false);
    for (const k of [...kinds.sources, ...kinds.access]) {
      expect(k.label).toBeTruthy();
      const keys = k.fields.map((f) => f.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
    // Sources are matched to the site by property codes; every addable source form asks for them.
    for (const k of kinds.sources.filter((s) => s.addable)) {
      expect(k.fields.some((f) => /^property(codes|ids?)$/i.test(f.key))).toBe(true);
    }
    const demoAccess = kinds.access.find((k) => k.kind === 'demo')!;
    expect(demoAccess.fields.find((f) => f.key === 'token')?.kind).toBe('secret');
  });

  it('splits secrets from settings and refuses a secret sent as a setting', () => {
    const out = prepareConfig('source', 'demo', { url: ' http://127.0.0.1:1234 ', propertyCodes: 'HV-01, HV-02' }, { token: ' abc ' });
    expect(out.config).toEqual({ url: 'http://127.0.0.1:1234', propertyCodes: ['HV-01', 'HV-02'] });
    expect(out.secrets).toEqual({ token: 'abc' });
    expect(() => prepareConfig('source', 'demo', { token: 'abc' }, {})).toThrow(/secret/);
    expect(() => prepareConfig('source', 'demo', { url: 'not a url' }, {})).toThrow(/Address/);
    expect(() => prepareConfig('access', 'demo', {}, { password: 'x' })).toThrow(/not a secret/);
  });
});
