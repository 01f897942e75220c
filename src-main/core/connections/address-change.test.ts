import { describe, expect, it } from 'vitest';
import { addressKey, changedAddresses, keptSecrets } from './address-change';
import { fieldsFor, listKinds } from './config-form';

const url = { kind: 'url' as const };

describe('what counts as the same address', () => {
  it('compares URLs by scheme, host and port only', () => {
    expect(addressKey(url, 'HTTPS://Host:443/')).toBe(addressKey(url, 'https://host/'));
    expect(addressKey(url, 'https://host/')).toBe('https://host');
    expect(addressKey(url, ' http://Host:80/a/b?c=d ')).toBe('http://host');
    expect(addressKey(url, 'https://host/v1')).toBe(addressKey(url, 'https://host/v2/scim'));
    expect(addressKey(url, 'https://user@host/')).toBe('https://host');
    expect(addressKey(url, 'https://host:8443/')).not.toBe(addressKey(url, 'https://host/'));
    expect(addressKey(url, 'http://host/')).not.toBe(addressKey(url, 'https://host/'));
    expect(addressKey(url, 'https://host.evil.test/')).not.toBe(addressKey(url, 'https://host/'));
  });

  it('reads empty as the default address, a place of its own', () => {
    expect(addressKey(url, undefined)).toBe('');
    expect(addressKey(url, '  ')).toBe('');
    expect(addressKey(url, 'https://host/')).not.toBe('');
  });

  it('compares a host name setting without letter case or spaces', () => {
    expect(addressKey({ kind: 'text' }, ' Acme ')).toBe(addressKey({ kind: 'text' }, 'acme'));
    expect(addressKey({ kind: 'text' }, 'acme')).not.toBe(addressKey({ kind: 'text' }, 'acme2'));
  });

  it('names only the address settings that moved', () => {
    const fields = fieldsFor('source', 'appfolio')!;
    const before = { database: 'acme', clientId: 'a', baseUrl: 'https://acme.example/api' };
    expect(changedAddresses(fields, before, { ...before, clientId: 'b', baseUrl: 'https://ACME.example/other' })).toEqual([]);
    expect(changedAddresses(fields, before, { ...before, databaseApiUrl: 'https://db.example' }).map((f) => f.key)).toEqual(['databaseApiUrl']);
    expect(changedAddresses(fields, before, { ...before, database: 'other' }).map((f) => f.key)).toEqual(['database']);
  });

  it('keeps the saved secrets that were neither typed again nor forgotten', () => {
    expect(keptSecrets(['apiKey', 'staffPassword'], ['apiKey'])).toEqual(['staffPassword']);
    expect(keptSecrets(['apiKey', 'staffPassword'], [], ['staffPassword', 'apiKey'])).toEqual([]);
  });
});

describe('address settings of the adapters', () => {
  const all = () => {
    const { sources, access } = listKinds();
    return [...sources, ...access].flatMap((k) => k.fields.map((f) => ({ ...f, id: `${k.role}:${k.kind}.${f.key}` })));
  };

  it('marks every URL setting, and the host names AppFolio and Entrata build their address from', () => {
    for (const f of all()) if (f.kind === 'url') expect(f, f.id).toMatchObject({ address: true });
    const text = all().filter((f) => f.kind !== 'url' && f.address).map((f) => f.id);
    expect(text.sort()).toEqual(['source:appfolio.database', 'source:entrata.subdomain']);
  });

  it('has decided for every setting that sounds like a host whether it is one', () => {
    // These go inside requests (a SOAP body, a header), not into the address.
    const notHosts = new Set(['source:yardi.serverName', 'source:yardi.database', 'source:mri.databaseName']);
    const hostLike = all().filter((f) => f.kind !== 'url' && f.kind !== 'secret' && /host|domain|server|tenant|database|endpoint|region/i.test(f.key));
    for (const f of hostLike) expect(f.address || notHosts.has(f.id), `${f.id}: does it name the host? Mark it in config-form.ts or here`).toBe(true);
  });
});
