import { z } from 'zod';
import type { SourceRecord } from '../types';
import { wireText as str } from '../wire-text';
import { mapStatus } from '../../sync/status-map';

/**
 * Entrata's JSON-RPC wire format (docs.entrata.com/api/v1/documentation, getLeases):
 *
 *   POST https://<subdomain>.entrata.com/api/v1/<service>?page_no=1&per_page=500   (Basic)
 *   POST https://apis.entrata.com/ext/orgs/<subdomain>/v1/<service>?page_no=…       (X-Api-Key gateway)
 *   { "auth": { "type": "basic" | "apikey" }, "requestId": 15,
 *     "method": { "name": "getLeases", "version": "r1", "params": { "propertyId": ... } } }
 *
 *   → { "response": { "requestId": "15", "code": 200, "result": { ... } } }
 *   → { "response": { "requestId": "15", "error": { "code": 301, "message": "..." } } }   (often with HTTP 200)
 *
 * Paging is asked for in the query string (`page_no`, `per_page`), not in the method params; the
 * answer does not reliably say how many pages there are, so a page that is not full is the last.
 * Older documentation shows the bare `/api/<service>` path, and some answers carry a pagination
 * block with a total: both are accepted.
 *
 * People come from getLeases: each lease carries its customers (id, firstName, lastName,
 * emailAddress, phones, leaseCustomerStatus) with the unit, building and property they live in.
 * getCustomers has the names but no lease status, which the engine needs to disable people who
 * moved out, so getLeases is the read; getProperties backs the connection test.
 *
 * Entrata's JSON is converted from its XML model, so a list may arrive wrapped
 * (`{ "lease": [...] }`), bare (`[...]`), as a single object where one element was meant, or as
 * an empty string; ids arrive as numbers or strings. All of these are accepted.
 */

export const ENTRATA_METHOD_VERSION = 'r1';

/** Entrata's lease status type ids (getLeases `leaseStatusTypeId`) and their words. */
export const LEASE_STATUS_TYPES: Record<string, string> = {
  '1': 'Applicant',
  '2': 'Cancelled',
  '3': 'Future',
  '4': 'Current',
  '5': 'Notice',
  '6': 'Past',
};

/** A list Entrata may send as an array, a single object, or leave out. */
function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => asList(v), z.array(item));
}

/** Array, single object, empty string or nothing → an array. */
export function asList(v: unknown): unknown[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * A wrapped list (`{ "customer": [...] }`, the XML model's shape) or a bare one (`[...]`), keyed
 * by the element name. A wrapper without the element (`{}`) is an empty list.
 */
export function wrappedList(v: unknown, element: string): unknown[] {
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') {
    const inner = (v as Record<string, unknown>)[element];
    if (inner !== undefined) return asList(inner);
    // A single element sent without its wrapper still has an id of its own.
    if ('id' in (v as Record<string, unknown>)) return [v];
    return [];
  }
  return [v];
}

/** Schema for a wrapped-or-bare list; the parsed value is always `{ [element]: T[] }`. */
function wrapped<K extends string, T extends z.ZodType>(element: K, item: T): z.ZodType<Record<K, z.output<T>[]>> {
  const shape = { [element]: z.array(item) } as Record<K, z.ZodArray<T>>;
  return z.preprocess((v) => ({ [element]: wrappedList(v, element) }), z.object(shape)) as unknown as z.ZodType<Record<K, z.output<T>[]>>;
}

const id = z.union([z.string(), z.number()]).transform((v) => String(v).trim()).pipe(z.string().min(1, 'an id is empty'));
const optionalId = z.union([z.string(), z.number()]).nullable().optional().transform((v) => (v === null || v === undefined ? null : String(v).trim() || null));
const text = z.string().nullable().optional();

const scalar = z.union([z.string(), z.number()]).nullable().optional();

export const phoneSchema = z.looseObject({
  phoneTypeName: text,
  phoneType: text,
  type: text,
  phoneNumber: scalar,
  number: scalar,
});
export type EntrataPhone = z.infer<typeof phoneSchema>;

export const customerSchema = z.looseObject({
  id,
  customerType: text,
  relationshipName: text,
  firstName: text,
  lastName: text,
  nameFull: text,
  emailAddress: text,
  email: text,
  leaseCustomerStatus: text,
  customerStatus: text,
  phones: wrapped('phone', phoneSchema).optional(),
  phoneNumber: scalar,
});
export type EntrataCustomer = z.infer<typeof customerSchema>;

export const leaseSchema = z.looseObject({
  id,
  propertyId: optionalId,
  leaseStatusTypeId: optionalId,
  leaseStatusType: text,
  leaseIntervalStatus: text,
  unitNumber: scalar,
  unitSpace: scalar,
  buildingName: text,
  unitSpaces: wrapped('unitSpace', z.looseObject({ unitSpace: scalar, unitNumber: scalar })).optional(),
  // A lease without customers names nobody: it is read as an empty list, not as a broken page.
  customers: wrapped('customer', customerSchema),
});
export type EntrataLease = z.infer<typeof leaseSchema>;

export const paginationSchema = z.looseObject({
  pageNo: z.coerce.number().int().min(1),
  perPageCount: z.coerce.number().int().min(1),
  totalCount: z.coerce.number().int().min(0).optional(),
});
export type EntrataPaging = z.infer<typeof paginationSchema>;

/** getLeases' result: leases, and (from some servers) the page it is. */
export const leasesResultSchema = z.looseObject({
  leases: wrapped('lease', leaseSchema),
  // A paging block this reader does not understand (links, other names) is ignored, not fatal.
  pagination: paginationSchema.optional().catch(undefined),
});

export const propertiesResultSchema = z.looseObject({
  PhysicalProperty: z.looseObject({
    Property: listOf(z.looseObject({ PropertyID: id, MarketingName: text })),
  }),
});

/** `response.error`: an object, a one-element list of them (XML), or a bare sentence. */
export const errorSchema = z.preprocess(
  (v) => {
    const first = Array.isArray(v) ? v[0] : v;
    return typeof first === 'string' ? { message: first } : first;
  },
  z.looseObject({
    code: z.union([z.number(), z.string()]).optional(),
    message: z.string().optional(),
  }),
);
export type EntrataError = z.infer<typeof errorSchema>;

export const envelopeSchema = z.object({
  response: z.looseObject({
    requestId: z.union([z.string(), z.number()]).nullable().optional(),
    code: z.union([z.number(), z.string()]).optional(),
    result: z.unknown().optional(),
    error: errorSchema.optional(),
    pagination: paginationSchema.optional().catch(undefined),
  }),
});

/**
 * When several leases name one person (a transfer, a renewal kept as a new lease, a past lease
 * still on file), the lease that gives them the strongest claim to be in the building wins.
 */
const STATUS_RANK: Record<string, number> = { current: 6, notice: 5, future: 4, applicant: 3, active: 3, past: 2, inactive: 1, unknown: 0 };

export function statusRank(word: string | null | undefined): number {
  return STATUS_RANK[mapStatus(word)] ?? 0;
}

/** Guarantors sign for a lease but do not live there: they never get a door. */
export function isGuarantor(c: EntrataCustomer): boolean {
  return /guarantor/i.test(c.customerType ?? '') || /guarantor/i.test(c.relationshipName ?? '');
}


const numberOf = (p: EntrataPhone) => str(p.phoneNumber) ?? str(p.number);
const kindOf = (p: EntrataPhone) => `${p.phoneType ?? ''} ${p.phoneTypeName ?? ''} ${p.type ?? ''}`;

/** Mobile first (access systems text it), then the primary number, then any. */
export function pickPhone(c: EntrataCustomer): string | null {
  const phones = (c.phones?.phone ?? []).filter((p) => numberOf(p));
  const mobile = phones.find((p) => /mobile|cell/i.test(kindOf(p)));
  const primary = phones.find((p) => /primary/i.test(kindOf(p)));
  const chosen = mobile ?? primary ?? phones[0];
  return chosen ? numberOf(chosen) : str(c.phoneNumber);
}

/** The status word for one customer on one lease: theirs, else the lease's. */
export function customerStatus(lease: EntrataLease, c: EntrataCustomer): string | null {
  return (
    str(c.leaseCustomerStatus) ??
    str(c.customerStatus) ??
    str(lease.leaseIntervalStatus) ??
    str(lease.leaseStatusType) ??
    (lease.leaseStatusTypeId ? (LEASE_STATUS_TYPES[lease.leaseStatusTypeId] ?? null) : null)
  );
}

/** "Lopez, Ana" or "Ana Lopez" when the name parts are missing. */
function splitFull(full: string | null): { first: string | null; last: string | null } {
  if (!full) return { first: null, last: null };
  const comma = full.indexOf(',');
  if (comma > 0) return { last: full.slice(0, comma).trim() || null, first: full.slice(comma + 1).trim() || null };
  const space = full.lastIndexOf(' ');
  return space > 0 ? { first: full.slice(0, space).trim(), last: full.slice(space + 1).trim() } : { first: null, last: full };
}

/**
 * One SourceRecord per customer of the lease. `rawLease` is the lease exactly as received;
 * each record's raw keeps its own customer as received plus the lease it came from (without the
 * other customers, who have records of their own).
 */
export function leaseToRecords(lease: EntrataLease, rawLease: Record<string, unknown>, fallbackPropertyId: string): SourceRecord[] {
  const { customers: rawCustomers, ...leaseOnly } = rawLease;
  const rawArray = wrappedList(rawCustomers, 'customer');
  const space = lease.unitSpaces?.unitSpace?.[0];
  const unit = str(space?.unitSpace) ?? str(space?.unitNumber) ?? str(lease.unitNumber) ?? str(lease.unitSpace);
  const building = str(lease.buildingName);
  const out: SourceRecord[] = [];
  lease.customers.customer.forEach((c, i) => {
    if (isGuarantor(c)) return;
    const full = splitFull(str(c.nameFull));
    out.push({
      externalId: c.id,
      firstName: str(c.firstName) ?? full.first,
      lastName: str(c.lastName) ?? full.last,
      email: str(c.emailAddress) ?? str(c.email),
      phone: pickPhone(c),
      unit,
      status: customerStatus(lease, c),
      type: 'resident',
      tags: building ? [`Building ${building}`] : [],
      siteKey: lease.propertyId ?? fallbackPropertyId,
      raw: structuredClone({ customer: rawArray[i] as Record<string, unknown>, lease: leaseOnly }),
    });
  });
  return out;
}
