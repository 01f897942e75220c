import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PersonType } from '../../../contract/dto';
import type { SourceRecord } from '../types';
import { createCsvSource } from './csv-source';

/*
 * One synthetic file per vendor export shape (fixtures/), each imported with no mapping at all,
 * the way a manager would drop the file in. Names, numbers and addresses are made up.
 */

async function importFixture(name: string, defaultType: PersonType = 'resident') {
  const src = createCsvSource({ bytes: new Uint8Array(readFileSync(join(__dirname, 'fixtures', name))), fileName: name, defaultType });
  const records: SourceRecord[] = [];
  for await (const page of src.list()) records.push(...page);
  return { records, report: src.report(), test: await src.test() };
}

const pick = (r: SourceRecord) => [r.externalId, r.firstName, r.lastName, r.email, r.phone, r.unit, r.status];

describe('vendor exports import without a mapping', () => {
  it('AppFolio Tenant Directory: labelled phones, several emails, blank line under the header, Total line', async () => {
    const { records, report, test } = await importFixture('appfolio-tenant-directory.csv');
    expect(records.map(pick)).toEqual([
      ['4101', 'Grace N.', 'Okafor', 'grace.okafor@example.com', '(217) 555-0101', '101', 'Current'],
      ['4102', 'Erik', 'Lindqvist', 'erik.l@example.com', '(217) 555-0102', '102', 'Notice'],
      ['4103', 'Jean-Luc', 'Moreau Jr.', null, '(217) 555-0103', '103', 'Evict'],
      ['4104', 'Mei', 'Tan', 'mei.tan@example.com', null, '104', 'Future'],
      ['4105', 'David', 'Pair', 'dpair@example.com', '(217) 555-0195', '105', 'Past'],
    ]);
    expect(records[0].tags).toEqual(['Pet Owner', 'Parking']);
    expect(records[0].siteKey).toBe('MAPLE - Maple Court 100 Example St Springfield, IL 62701');
    // The whole cell stays in raw for the activity detail.
    expect(records[1].raw['Phone Numbers']).toBe('Home: (217) 555-0192, Mobile: (217) 555-0102');
    expect(records[1].raw.Emails).toBe('erik.l@example.com, erik.work@example.org');
    expect(report.mapping).toMatchObject({ externalId: 'Tenant ID', fullName: 'Tenant', phone: 'Phone Numbers', email: 'Emails', tags: 'Tenant Tags' });
    expect(report.skippedRows).toEqual([{ line: 9, reason: 'a summary line ("Total")' }]);
    expect(report.badRowCount).toBe(0);
    expect(test.ok).toBe(true);
    expect(test.message).toContain('Skipped 1 line that name nobody (line 9: a summary line ("Total"))');
  });

  it('Yardi resident directory: title block above the header, Windows-1252 text, "Last, First" names', async () => {
    const { records, report, test } = await importFixture('yardi-resident-directory.csv');
    expect(report.encoding).toBe('latin1');
    expect(report.headerLine).toBe(5);
    expect(test.message).toContain('Header row found on line 5');
    expect(records.map(pick)).toEqual([
      ['t0004411', 'José', 'Núñez', 'jose.nunez@example.com', '(312) 555-0151', '1A', 'Current'],
      ['t0004412', 'Zoë A.', 'Brontë', 'zoe.bronte@example.com', null, '1B', 'Notice'],
      // The cell phone column is the phone; a home number in another column is not taken instead.
      ['t0004413', 'Siobhán', 'O’Brien', null, null, '2A', 'Eviction'],
      ['t0004414', 'Karim', 'Haddad', 'karim.h@example.com', '(312) 555-0154', '2B', 'Future'],
      ['t0004415', 'Anya', 'Ivanova', 'anya.i@example.com', '(312) 555-0155', '3A', 'Applicant'],
      ['t0004399', 'Lena', 'Fischer', null, null, '3B', 'Past'],
    ]);
    expect(report.mapping).toMatchObject({ externalId: 'Tenant Code', fullName: 'Name', phone: 'Cell Phone', siteKey: 'Property' });
    expect(report.skippedRows).toEqual([{ line: 13, reason: 'a summary line ("Total Residents: 6")' }]);
    expect(records[2].raw['Home Phone']).toBe('(312) 555-0143');
  });

  it('Yardi rent roll: two-row header, section lines, charge lines, a vacant unit and totals are skipped', async () => {
    const { records, report } = await importFixture('yardi-rent-roll.csv');
    expect(records.map((r) => [r.externalId, r.firstName, r.lastName, r.unit])).toEqual([
      ['t0004411', 'José', 'Núñez', '1A'],
      ['t0004412', 'Zoë A.', 'Brontë', '1B'],
      ['t0004414', 'Karim', 'Haddad', '2B'],
    ]);
    expect(report.headerLine).toBe(6);
    expect(report.mapping).toMatchObject({ externalId: 'Resident', fullName: 'Name', unit: 'Unit' });
    expect(report.headers).toContain('Lease Expiration');
    expect(report.badRowCount).toBe(0);
    expect(report.skippedRows.map((s) => [s.line, s.reason])).toEqual([
      [8, 'a title or note line ("Current/Notice/Vacant Residents")'],
      [10, 'no id, name, email or phone on this row (a continuation or section line)'],
      [12, 'a vacant unit'],
      [13, 'a summary line ("Total")'],
      [14, 'a title or note line ("Future Residents/Applicants")'],
      [16, 'a summary line ("Grand Total")'],
    ]);
  });

  it('Entrata resident list: report heading, honorifics and suffixes, two emails in one cell', async () => {
    const { records, report } = await importFixture('entrata-resident-list.csv');
    expect(report.headerLine).toBe(5);
    expect(records.map(pick)).toEqual([
      ['88120', 'Amara', 'Nwosu', 'amara.nwosu@example.com', '(602) 555-0110', 'A-101', 'Current'],
      ['88121', 'Tomás', 'Ruiz', 'tomas.ruiz@example.com', '(602) 555-0111', 'A-102', 'Notice'],
      ['88122', 'Priya', 'Raman', 'priya.raman@example.com', null, 'A-103', 'Future'],
      ['88123', 'Hannah', 'de Vries', 'hannah.dv@example.com', '(602) 555-0113', 'B-201', 'Applicant'],
      ['88124', 'Samuel', 'Oyelaran Sr.', null, '(602) 555-0114', 'B-202', 'Past'],
    ]);
    expect(report.mapping).toMatchObject({ externalId: 'Resident ID', fullName: 'Resident Name', status: 'Lease Status', phone: 'Mobile Phone', unit: 'Bldg-Unit' });
  });

  it('RealPage OneSite resident list: the cell phone over the home phone, a quoted multi-line note', async () => {
    const { records, report } = await importFixture('realpage-onesite-resident-list.csv');
    expect(records.map(pick)).toEqual([
      ['R100231', 'Inés', 'Castillo', 'ines.castillo@example.com', '(480) 555-0130', '01-101', 'Current'],
      ['R100232', 'Dana', 'Walker', 'dana.walker@example.com', '(480) 555-0131', '01-102', 'Notice'],
      ['R100233', 'Joon', 'Kim', 'joon.kim@example.com', null, '01-103', 'Former'],
      ['R100234', 'Chidi', 'Abara', 'chidi.abara@example.com', '(480) 555-0134', '02-201', 'Applicant'],
    ]);
    expect(records[1].raw.Notes).toBe('Gave notice by email.\r\nForwarding address on file.');
    expect(report.mapping).toMatchObject({ externalId: 'Resident ID', fullName: 'Resident', phone: 'Cell Phone', unit: 'Bldg/Unit' });
  });

  it('Buildium tenants: separate first/last columns, the primary email over the alternate', async () => {
    const { records, report } = await importFixture('buildium-tenants.csv');
    expect(records.map(pick)).toEqual([
      ['30011', 'Noor', 'Haddad', 'noor.haddad@example.com', '(503) 555-0150', '12', 'Active'],
      ['30012', 'Felix', 'Braun', null, null, '14', 'Future'],
      ['30013', 'Ada', 'Mensah', 'ada.mensah@example.com', '5035550152', '16', 'Past'],
    ]);
    expect(report.mapping).toMatchObject({ email: 'Primary email', phone: 'Mobile phone', siteKey: 'Property', status: 'Lease status' });
  });

  it('Rent Manager tenants: the cell number out of a semicolon-separated phone cell', async () => {
    const { records } = await importFixture('rent-manager-tenants.csv');
    expect(records.map(pick)).toEqual([
      ['7001', 'Lucas', 'Ferreira', 'lucas.f@example.com', '555-010-0171', '10', 'Current'],
      ['7002', 'Elif', 'Yilmaz', 'elif.y@example.com', '555-010-0172', '11', 'Past'],
      ['7003', 'Petra', 'Novak', 'petra.n@example.com', null, '12', 'Future'],
    ]);
  });

  it('Mindbody clients re-saved by Excel: a rounded phone is a warning, ="000047" and \'+1… are unwrapped', async () => {
    const { records, report } = await importFixture('mindbody-clients.csv', 'member');
    expect(records.map((r) => [r.externalId, r.firstName, r.lastName, r.phone, r.status, r.siteKey, r.type])).toEqual([
      ['100045', 'Rosa', 'Alvarez', '(720) 555-0160', 'Active', 'Downtown Studio', 'member'],
      ['100046', 'Wei', 'Chen', null, 'Suspended', 'Downtown Studio', 'member'],
      ['000047', 'Kwame', 'Osei', '+17205550162', 'Non-Member', 'Uptown Studio', 'member'],
      ['100048', 'Ingrid', 'Larsen', null, 'Terminated', 'Downtown Studio', 'member'],
      ['100049', 'Arjun', 'Patel', '(720) 555-0164', 'Expired', 'Uptown Studio', 'member'],
      ['100050', 'Claire', 'Dubois', null, 'Declined', 'Uptown Studio', 'member'],
    ]);
    expect(records[1].raw['Mobile Phone']).toBe('5.55012E+9');
    expect(report.warnings).toEqual([
      'line 3: phone "5.55012E+9" was rounded by Excel into a number in scientific notation, so its digits are lost; it was not used (format the column as text before exporting)',
    ]);
    expect(report.mapping).toMatchObject({ externalId: 'Client ID', phone: 'Mobile Phone', siteKey: 'Home Location' });
  });

  it('HR staff list from Excel: BOM, "sep=;" line, work email over personal', async () => {
    const { records, report } = await importFixture('hr-staff.csv', 'staff');
    expect(report).toMatchObject({ delimiter: ';', encoding: 'utf-8', headerLine: 2 });
    expect(records.map((r) => [r.externalId, r.firstName, r.lastName, r.email, r.phone, r.status, r.type])).toEqual([
      ['E-0101', 'Marta', 'Kowalska', 'marta.kowalska@example.com', '+48 555 010 101', 'Active', 'staff'],
      ['E-0102', 'Jonas', 'Berg', 'jonas.berg@example.com', '+47 555 01 102', 'On Leave', 'staff'],
      ['E-0103', 'Aoife', 'Byrne', 'aoife.byrne@example.com', null, 'Terminated', 'staff'],
    ]);
    expect(report.mapping).toMatchObject({ email: 'Work Email', phone: 'Cell', status: 'Employment Status' });
  });
});
