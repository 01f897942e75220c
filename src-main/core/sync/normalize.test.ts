import { describe, expect, it } from 'vitest';
import { nameKey, normalizeEmail, normalizeName, normalizePhone, normalizeRecord } from './normalize';
import { mapStatus } from './status-map';
import { hasRequiredIdentifier, siteMatch, statusIncluded } from './policies';
import { defaultSiteSettings } from './site-defaults';

describe('normalisation', () => {
  it('trims names, collapses inner whitespace and composes accents (NFC)', () => {
    expect(normalizeName('  Ana \t  María  ')).toBe('Ana María');
    const decomposed = 'Jose\u0301'; // e + combining acute
    expect(normalizeName(decomposed)).toBe('José');
    expect(normalizeName(decomposed)).toBe(normalizeName('José'));
    expect(normalizeName(null)).toBe('');
  });

  it('matches names regardless of case and accents', () => {
    expect(nameKey('JOSÉ', 'Núñez')).toBe(nameKey('jose', 'nunez'));
    expect(nameKey('Ana', 'Ruiz')).not.toBe(nameKey('Anna', 'Ruiz'));
  });

  it('lower-cases emails and treats invalid ones as missing, keeping why', () => {
    expect(normalizeEmail('  Ana.Ruiz@Example.COM ')).toEqual({ value: 'ana.ruiz@example.com', problem: null });
    for (const bad of ['ana@', 'ana at example.com', 'ana@example', 'a..b@example.com', '@example.com']) {
      const r = normalizeEmail(bad);
      expect(r.value, bad).toBeNull();
      expect(r.problem, bad).toMatch(/not a valid address/);
    }
    expect(normalizeEmail('   ')).toEqual({ value: null, problem: null });
  });

  it('turns phones into E.164 using the site region', () => {
    expect(normalizePhone('(415) 555-0123', 'US').value).toBe('+14155550123');
    expect(normalizePhone('1-415-555-0123', 'US').value).toBe('+14155550123');
    expect(normalizePhone('+1 415 555 0123', 'GB').value).toBe('+14155550123');
    expect(normalizePhone('020 7946 0018', 'GB').value).toBe('+442079460018');
    expect(normalizePhone('06 12 34 56 78', 'FR').value).toBe('+33612345678');
    const bad = normalizePhone('12', 'US');
    expect(bad.value).toBeNull();
    expect(bad.problem).toMatch(/not a usable number/);
  });

  it('maps vendor status words onto our statuses, ignoring case and punctuation', () => {
    expect(mapStatus('Current')).toBe('current');
    expect(mapStatus('ACTIVE')).toBe('active');
    expect(mapStatus('On-Notice')).toBe('notice');
    expect(mapStatus('Notice')).toBe('notice');
    expect(mapStatus('Approved')).toBe('future');
    expect(mapStatus('pending')).toBe('future');
    expect(mapStatus('Moved Out')).toBe('past');
    expect(mapStatus('Evicted')).toBe('past');
    expect(mapStatus('Former')).toBe('past');
    expect(mapStatus('Prospect')).toBe('applicant');
    expect(mapStatus('Cancelled')).toBe('inactive');
    expect(mapStatus('Expired')).toBe('inactive');
    expect(mapStatus('Sabbatical')).toBe('unknown');
  });

  it('knows the rent-roll and renewal words of real exports, and keeps the doubtful ones unknown', () => {
    // Still living there: renewing, holding over, or on notice whether or not the unit is re-let.
    expect(mapStatus('Pending Renewal')).toBe('current');
    expect(mapStatus('Holdover')).toBe('current');
    expect(mapStatus('Notice-Unrented')).toBe('notice');
    expect(mapStatus('Notice-Rented')).toBe('notice');
    expect(mapStatus('Lease Signed')).toBe('future');
    expect(mapStatus('Cancelled Applicant')).toBe('inactive');
    // A guess here could take access away; unknown leaves a synced person's access as it is.
    for (const doubtful of ['Transferred', 'Vacant', 'Paused', 'On Leave', 'Applicant - Approved']) expect(mapStatus(doubtful)).toBe('unknown');
  });

  it('keeps the reasons an email or phone was dropped on the normalised record', () => {
    const n = normalizeRecord({ externalId: ' R-1 ', firstName: ' Zoë ', lastName: 'Smith', email: 'nope', phone: '99', status: 'Current', raw: {} }, 'US');
    expect(n.externalId).toBe('R-1');
    expect(n.firstName).toBe('Zoë');
    expect(n.email).toBeNull();
    expect(n.phone).toBeNull();
    expect(n.problems).toHaveLength(2);
  });
});

describe('policies', () => {
  it('require identifier: each option', () => {
    const e = 'a@b.co';
    const p = '+14155550123';
    expect(hasRequiredIdentifier('emailOrPhone', null, p).ok).toBe(true);
    expect(hasRequiredIdentifier('emailOrPhone', null, null).ok).toBe(false);
    expect(hasRequiredIdentifier('email', null, p).ok).toBe(false);
    expect(hasRequiredIdentifier('email', e, null).ok).toBe(true);
    expect(hasRequiredIdentifier('phone', e, null).ok).toBe(false);
    expect(hasRequiredIdentifier('both', e, null).ok).toBe(false);
    expect(hasRequiredIdentifier('both', e, p).ok).toBe(true);
  });

  it('included statuses default to future, current, notice and active', () => {
    const s = defaultSiteSettings();
    for (const ok of ['future', 'current', 'notice', 'active'] as const) expect(statusIncluded(s, ok, ok).ok).toBe(true);
    for (const no of ['applicant', 'past', 'inactive', 'unknown'] as const) expect(statusIncluded(s, no, no).ok).toBe(false);
    expect(statusIncluded(s, 'unknown', null).ok).toBe(true);
  });

  it('site mapping: no key on the record, a foreign key, a mapped key', () => {
    expect(siteMatch(['hv1'], 'HV1', 'Harbor').kind).toBe('ok');
    expect(siteMatch(['hv1'], 'OTHER', 'Harbor').kind).toBe('other');
    expect(siteMatch(['hv1'], null, 'Harbor').kind).toBe('none');
    expect(siteMatch([], undefined, 'Harbor').kind).toBe('ok');
  });
});
