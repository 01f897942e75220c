import { describe, expect, it } from 'vitest';
import { guessColumnMapping, headerKey, parseMappingString, resolveColumnMapping, uniqueHeaders } from './column-mapping';
import { CsvError } from './csv-error';
import { splitFullName } from './row-values';

const byField = (headers: string[]) => resolveColumnMapping(headers).byField;

describe('guessing columns from headers', () => {
  it('folds case, punctuation and "#"', () => {
    expect(headerKey('E-mail')).toBe('email');
    expect(headerKey('tenant_id')).toBe('tenantid');
    expect(headerKey('Member #')).toBe('membernumber');
    expect(headerKey('Unit No.')).toBe('unitnumber');
    expect(headerKey('externalId')).toBe('externalid');
  });

  it('maps common synonyms', () => {
    const cases: Array<[string, string]> = [
      ['Resident ID', 'externalId'],
      ['tenant_id', 'externalId'],
      ['Member #', 'externalId'],
      ['E-mail', 'email'],
      ['Mobile', 'phone'],
      ['Cell', 'phone'],
      ['Apt', 'unit'],
      ['Unit Number', 'unit'],
      ['Lease Status', 'status'],
      ['Property Code', 'siteKey'],
      ['First', 'firstName'],
      ['Given name', 'firstName'],
      ['Surname', 'lastName'],
    ];
    for (const [header, field] of cases) {
      const columns = guessColumnMapping(['Something Else', header]);
      expect({ header, field: Object.keys(columns).find((f) => columns[f as keyof typeof columns] === 1) }).toEqual({ header, field });
    }
  });

  it('reads a Yardi-like rent-roll export', () => {
    const headers = ['Property', 'Unit', 'Tenant Code', 'Tenant', 'Status', 'Email', 'Phone (Home)', 'Phone (Cell)', 'Move In', 'Lease To', 'Rent'];
    const mapping = resolveColumnMapping(headers);
    expect(mapping.byField).toEqual({
      externalId: 'Tenant Code',
      fullName: 'Tenant',
      email: 'Email',
      phone: 'Phone (Cell)',
      unit: 'Unit',
      status: 'Status',
      siteKey: 'Property',
    });
    expect(mapping.ignored).toEqual(['Phone (Home)', 'Move In', 'Lease To', 'Rent']);
  });

  it('reads a gym-member-like export', () => {
    const headers = ['Member #', 'First', 'Surname', 'E-mail', 'Mobile', 'Home Club', 'Membership Status', 'Membership Type', 'Join Date', 'Emergency Contact Phone'];
    const mapping = resolveColumnMapping(headers);
    expect(mapping.byField).toEqual({
      externalId: 'Member #',
      firstName: 'First',
      lastName: 'Surname',
      email: 'E-mail',
      phone: 'Mobile',
      status: 'Membership Status',
      siteKey: 'Home Club',
    });
    expect(mapping.ignored).toEqual(['Membership Type', 'Join Date', 'Emergency Contact Phone']);
  });

  it('finds fields by the words a longer header contains, but not in emergency-contact columns', () => {
    expect(byField(['Yardi Resident ID', 'Emergency Contact Email', 'Primary E-mail Address', 'Resident Mobile Phone'])).toEqual({
      externalId: 'Yardi Resident ID',
      email: 'Primary E-mail Address',
      phone: 'Resident Mobile Phone',
    });
  });
});

describe('explicit mapping', () => {
  const headers = ['ID', 'Member #', 'E-mail Address', 'Work Email', 'Name'];

  it('an object header→field overrides the guess for its fields only', () => {
    const mapping = resolveColumnMapping(headers, { 'Member #': 'externalId', 'Work Email': 'email' });
    expect(mapping.byField).toEqual({ externalId: 'Member #', email: 'Work Email', fullName: 'Name' });
    expect(mapping.explicitFields).toEqual(['externalId', 'email']);
    expect(mapping.ignored).toEqual(['ID', 'E-mail Address']);
  });

  it('a CLI string field=Header does the same, and header names may contain commas', () => {
    expect(parseMappingString('email=E-mail Address,externalId=ID')).toEqual([
      { field: 'email', header: 'E-mail Address' },
      { field: 'externalId', header: 'ID' },
    ]);
    expect(parseMappingString('fullName=Name, Last First,id=Member #')).toEqual([
      { field: 'fullName', header: 'Name, Last First' },
      { field: 'externalId', header: 'Member #' },
    ]);
    const mapping = resolveColumnMapping(headers, 'email=work email,externalId=Member #');
    expect(mapping.byField.email).toBe('Work Email');
    expect(mapping.byField.externalId).toBe('Member #');
  });

  it('can keep a column out of the guess', () => {
    const mapping = resolveColumnMapping(['ID', 'Email', 'Name'], { Email: 'ignore' });
    expect(mapping.byField).toEqual({ externalId: 'ID', fullName: 'Name' });
    expect(mapping.ignored).toEqual(['Email']);
  });

  it('rejects unknown headers and fields with the headers found', () => {
    expect(() => resolveColumnMapping(headers, 'email=Mail')).toThrow(/not in the file\. Headers found: "ID", "Member #"/);
    expect(() => resolveColumnMapping(headers, 'shoeSize=ID')).toThrow(/Unknown field "shoeSize"/);
    expect(() => resolveColumnMapping(headers, { ID: 'shoeSize' as never })).toThrow(/Unknown field/);
  });
});

describe('missing external id', () => {
  it('is an error that lists the headers found', () => {
    const run = () => resolveColumnMapping(['First Name', 'Last Name', 'Email']);
    expect(run).toThrow(CsvError);
    expect(run).toThrow('Headers found: "First Name", "Last Name", "Email"');
  });
});

describe('helpers', () => {
  it('makes blank and repeated headers unique', () => {
    expect(uniqueHeaders(['Phone', '', 'phone', 'Phone'])).toEqual(['Phone', 'Column 2', 'phone (2)', 'Phone (3)']);
  });

  it('splits full names sensibly', () => {
    expect(splitFullName('Cruz, Ana')).toEqual({ firstName: 'Ana', lastName: 'Cruz' });
    expect(splitFullName('Ana de la Cruz')).toEqual({ firstName: 'Ana', lastName: 'de la Cruz' });
    expect(splitFullName('Mary Ann Smith Jr.')).toEqual({ firstName: 'Mary Ann', lastName: 'Smith Jr.' });
    expect(splitFullName('Cher')).toEqual({ firstName: 'Cher', lastName: null });
  });
});

describe('headers from real exports', () => {
  it('maps the usual people-export headers without a mapping, whatever the case, punctuation and extra words', () => {
    const cases: Array<[string, string]> = [
      ['Resident ID', 'externalId'],
      ['Client ID', 'externalId'],
      ['RESIDENT_CODE', 'externalId'],
      ['TenantID', 'externalId'],
      ['Employee #', 'externalId'],
      ['Lease Status', 'status'],
      ['Tenant Status', 'status'],
      ['Mobile Phone', 'phone'],
      ['Cell', 'phone'],
      ['cell phone #', 'phone'],
      ['Phone Numbers', 'phone'],
      ['Tenant Phone Number', 'phone'],
      ['E-mail Address', 'email'],
      ['Primary Email', 'email'],
      ['Emails', 'email'],
      ['EMAIL_ADDRESS', 'email'],
      ['Unit #', 'unit'],
      ['Apt', 'unit'],
      ['Apt. No.', 'unit'],
      ['Bldg/Unit', 'unit'],
      ['Bldg-Unit', 'unit'],
      ['Property Code', 'siteKey'],
      ['Home Location', 'siteKey'],
      ['Tenant Tags', 'tags'],
      ['Resident Name', 'fullName'],
      ['First name', 'firstName'],
      ['Last name', 'lastName'],
    ];
    for (const [header, field] of cases) {
      const headers = field === 'externalId' ? [header, 'Name'] : ['Tenant Code', header];
      const { byField } = resolveColumnMapping(headers);
      expect({ header, field: Object.entries(byField).find(([, h]) => h === header)?.[0] }).toEqual({ header, field });
    }
  });

  it('prefers the mobile phone over home and work, wherever the columns are', () => {
    expect(byField(['ID', 'Home Phone', 'Work Phone', 'Mobile Phone']).phone).toBe('Mobile Phone');
    expect(byField(['ID', 'Tenant Phone', 'Tenant Mobile Phone']).phone).toBe('Tenant Mobile Phone');
    expect(byField(['ID', 'Phone (Home)', 'Phone (Cell)']).phone).toBe('Phone (Cell)');
    expect(byField(['ID', 'Home Phone', 'Office Phone']).phone).toBe('Home Phone');
    expect(byField(['ID', 'Fax', 'Mobile Provider', 'Phone Type', 'Emergency Contact Phone'])).toEqual({ externalId: 'ID' });
  });

  it('prefers the primary email, then a plain one, then work over personal; never a secondary or an opt-in flag', () => {
    expect(byField(['ID', 'Email', 'Primary Email']).email).toBe('Primary Email');
    expect(byField(['ID', 'Personal Email', 'Work Email']).email).toBe('Work Email');
    expect(byField(['ID', 'Secondary Email', 'Email Opt In', 'Email']).email).toBe('Email');
    expect(byField(['ID', 'Alternate email']).email).toBeUndefined();
  });

  it('reads Yardi\'s rent-roll "Resident" column as the tenant code when the name has its own column', () => {
    expect(byField(['Unit', 'Unit Type', 'Sq Ft', 'Resident', 'Name', 'Market Rent'])).toMatchObject({ externalId: 'Resident', fullName: 'Name', unit: 'Unit' });
    // Without a separate name column, "Tenant" is the name and nothing identifies people.
    expect(() => resolveColumnMapping(['Property', 'Unit', 'Tenant', 'Status'])).toThrow(CsvError);
  });

  it('takes a property code over the property name, and a person\'s tags over other tags', () => {
    expect(byField(['ID', 'Property Name', 'Property', 'Property Code']).siteKey).toBe('Property Code');
    expect(byField(['ID', 'Tags', 'Tenant Tags']).tags).toBe('Tenant Tags');
  });
});

describe('splitting one-column names', () => {
  it.each([
    ['Okafor, Grace', 'Grace', 'Okafor'],
    ['Okafor, Grace Nkechi', 'Grace Nkechi', 'Okafor'],
    ['Birdsong , Jason', 'Jason', 'Birdsong'],
    ['Grace Okafor', 'Grace', 'Okafor'],
    ['Mr. Tomás Ruiz', 'Tomás', 'Ruiz'],
    ['Dr Priya Raman', 'Priya', 'Raman'],
    ['Ruiz, Mrs. Ana', 'Ana', 'Ruiz'],
    ['Mr. Smith', null, 'Smith'],
    ['John Smith, Jr.', 'John', 'Smith Jr.'],
    ['Smith, Jr., John', 'John', 'Smith Jr.'],
    ['Smith Jr., John', 'John', 'Smith Jr.'],
    ['Samuel Oyelaran Sr.', 'Samuel', 'Oyelaran Sr.'],
    ['David Pair, CPA', 'David', 'Pair'],
    ['Pair, David, CPA', 'David', 'Pair'],
    ['Raman, Priya, M.D.', 'Priya', 'Raman'],
    ['Hannah de Vries', 'Hannah', 'de Vries'],
  ])('%s', (full, firstName, lastName) => {
    expect(splitFullName(full)).toEqual({ firstName, lastName });
  });
});
