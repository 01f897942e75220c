import { z } from 'zod';
import type { SourceRecord } from '../types';
import { mapStatus } from '../../sync/status-map';

/**
 * Entrata's JSON-RPC wire format, as its public API documents it:
 *
 *   POST https://<subdomain>.entrata.com/api/v1/<service>
 *   { "auth": { "type": "basic" }, "requestId": "...",
 *     "method": { "name": "getLeases", "version": "r1", "params": { "propertyId": ..., ... } } }
 *
 *   → { "response": { "requestId": "...", "code": 200, "result": { ... } } }
 *   → { "response": { "requestId": "...", "error": { "code": 301, "message": "..." } } }   (often with HTTP 200)
 *
 * People come from getLeases: each lease carries its customers (id, firstName, lastName,
 * emailAddress, phones, leaseCustomerStatus) with the unit, building and property they live in.
 * getCustomers has the names but no lease status, which the engine needs to disable people who
 * moved out, so getLeases is the read; getProperties backs the connection test.
 *
 * Entrata's JSON is converted from its XML model, so a one-element list may arrive as a bare
 * object, and ids arrive as numbers or strings; both are accepted.
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
  return z.preprocess((v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));
}

const id = z.union([z.string(), z.number()]).transform((v) => String(v).trim()).pipe(z.string().min(1, 'an id is empty'));
const optionalId = z.union([z.string(), z.number()]).nullable().optional().transform((v) => (v === null || v === undefined ? null : String(v).trim() || null));
const text = z.string().nullable().optional();

export const phoneSchema = z.looseObject({
  phoneTypeName: text,
  phoneType: text,
  phoneNumber: z.union([z.string(), z.number()]).nullable().optional(),
});

export const customerSchema = z.looseObject({
  id,
  customerType: text,
  relationshipName: text,
  firstName: text,
  lastName: text,
  emailAddress: text,
  leaseCustomerStatus: text,
  phones: z.looseObject({ phone: listOf(phoneSchema) }).nullable().optional(),
});
export type EntrataCustomer = z.infer<typeof customerSchema>;

export const leaseSchema = z.looseObject({
  id,
  propertyId: optionalId,
  leaseStatusTypeId: optionalId,
  leaseIntervalStatus: text,
  unitNumber: z.union([z.string(), z.number()]).nullable().optional(),
  buildingName: text,
  unitSpaces: z.looseObject({ unitSpace: listOf(z.looseObject({ unitSpace: z.union([z.string(), z.number()]).nullable().optional() })) }).nullable().optional(),
  customers: z.looseObject({ customer: listOf(customerSchema) }),
});
export type EntrataLease = z.infer<typeof leaseSchema>;

export const paginationSchema = z.looseObject({
  pageNo: z.coerce.number().int().min(1),
  perPageCount: z.coerce.number().int().min(1),
  totalCount: z.coerce.number().int().min(0).optional(),
});

/** getLeases' result: leases, and the page it is when paging was asked for. */
export const leasesResultSchema = z.looseObject({
  leases: z.looseObject({ lease: listOf(leaseSchema) }),
  pagination: paginationSchema.optional(),
});

export const propertiesResultSchema = z.looseObject({
  PhysicalProperty: z.looseObject({
    Property: listOf(z.looseObject({ PropertyID: id, MarketingName: text })),
  }),
});

export const errorSchema = z.looseObject({
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
});

export const envelopeSchema = z.object({
  response: z.looseObject({
    requestId: z.union([z.string(), z.number()]).optional(),
    code: z.union([z.number(), z.string()]).optional(),
    result: z.unknown().optional(),
    error: errorSchema.optional(),
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

function str(v: unknown): string | null {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** Mobile first (access systems text it), then the primary number, then any. */
function pickPhone(c: EntrataCustomer): string | null {
  const phones = c.phones?.phone ?? [];
  const mobile = phones.find((p) => /mobile|cell/i.test(`${p.phoneType ?? ''} ${p.phoneTypeName ?? ''}`) && str(p.phoneNumber));
  const primary = phones.find((p) => /primary/i.test(p.phoneTypeName ?? '') && str(p.phoneNumber));
  return str((mobile ?? primary ?? phones.find((p) => str(p.phoneNumber)))?.phoneNumber);
}

/** The status word for one customer on one lease: theirs, else the lease's. */
export function customerStatus(lease: EntrataLease, c: EntrataCustomer): string | null {
  return str(c.leaseCustomerStatus) ?? str(lease.leaseIntervalStatus) ?? (lease.leaseStatusTypeId ? (LEASE_STATUS_TYPES[lease.leaseStatusTypeId] ?? null) : null);
}

/**
 * One SourceRecord per customer of the lease. `rawLease` is the lease exactly as received;
 * each record's raw keeps its own customer as received plus the lease it came from (without the
 * other customers, who have records of their own).
 */
export function leaseToRecords(lease: EntrataLease, rawLease: Record<string, unknown>, fallbackPropertyId: string): SourceRecord[] {
  const { customers: rawCustomers, ...leaseOnly } = rawLease;
  const rawList = (rawCustomers as { customer?: unknown } | undefined)?.customer;
  const rawArray = Array.isArray(rawList) ? rawList : rawList ? [rawList] : [];
  const unit = str(lease.unitSpaces?.unitSpace?.[0]?.unitSpace) ?? str(lease.unitNumber);
  const building = str(lease.buildingName);
  const out: SourceRecord[] = [];
  lease.customers.customer.forEach((c, i) => {
    if (isGuarantor(c)) return;
    out.push({
      externalId: c.id,
      firstName: c.firstName ?? null,
      lastName: c.lastName ?? null,
      email: str(c.emailAddress),
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
