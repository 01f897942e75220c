import { z } from 'zod';
import type { SourceRecord } from '../types';
import { pickEmail, pickPhone as pickCellPhone } from '../contact-cells';
import { wireText as text } from '../wire-text';

/**
 * AppFolio Reports API v2, tenant directory:
 *
 *   POST https://<database>.appfolio.com/api/v2/reports/tenant_directory.json   (HTTP Basic: client id / secret)
 *   { "tenant_visibility": "all", "tenant_types": ["all"], "property_visibility": "all",
 *     "properties": { "properties_ids": [...] }, "paginate_results": true }
 *   → { "results": [ { selected_tenant_id, occupancy_id, property_id, unit_id, unit, tenant,
 *                      first_name, last_name, emails, phone_numbers, status, tenant_type, … } ],
 *       "next_page_url": "https://<database>.appfolio.com/…" | null }
 *
 * Without `paginate_results` the answer is the bare array of rows; both are accepted. The next
 * page is fetched from `next_page_url` (GET; POST if the server refuses GET there).
 *
 * Column names are the report's snake_case ones, and some differ between report versions
 * (`unit` / `unit_name`, `selected_tenant_id` / `tenant_id`). `emails` and `phone_numbers` are
 * text lists ("a@x.com, b@y.com"; "Mobile: (415) 555-0101, Home: …") or JSON lists. Ids arrive as
 * numbers or strings. This report has no "changed since" filter: the delta lives in the
 * Database API (appfolio-v0.ts).
 */

export const TENANT_DIRECTORY_PATH = '/api/v2/reports/tenant_directory.json';

const value = z.union([z.string(), z.number()]).nullable().optional();

/** A text list, or a JSON list of texts / { label, phone }-style objects. */
const listish = z.union([value, z.array(z.unknown())]);
export const tenantRowSchema = z
  .looseObject({
    selected_tenant_id: value,
    tenant_id: value,
    occupancy_id: value,
    property_id: value,
    property: value,
    property_name: value,
    unit_id: value,
    unit: value,
    unit_name: value,
    tenant: value,
    first_name: value,
    last_name: value,
    emails: listish,
    phone_numbers: listish,
    status: value,
    tenant_type: value,
  })
  .refine((r) => text(r.selected_tenant_id) ?? text(r.tenant_id), { message: 'a row has no selected_tenant_id' });
export type TenantRow = z.infer<typeof tenantRowSchema>;

export const tenantPageSchema = z.preprocess(
  // Unpaginated answers are the bare list of rows.
  (v) => (Array.isArray(v) ? { results: v, next_page_url: null } : v),
  z.looseObject({
    results: z.array(tenantRowSchema),
    next_page_url: z.string().nullable().optional(),
  }),
);

export { wireText as text } from '../wire-text';

export function tenantId(r: TenantRow): string {
  return (text(r.selected_tenant_id) ?? text(r.tenant_id))!;
}

/** The entries of a text list or a JSON list, as "label: value" texts. */
function entriesOf(v: unknown): string[] {
  if (Array.isArray(v)) {
    return v.flatMap((e) => {
      if (e && typeof e === 'object') {
        const o = e as Record<string, unknown>;
        const val = text(o.phone) ?? text(o.number) ?? text(o.phone_number) ?? text(o.email) ?? text(o.address) ?? text(o.value);
        if (!val) return [];
        const label = text(o.label) ?? text(o.type);
        return [label ? `${label}: ${val}` : val];
      }
      const t = text(e);
      return t ? [t] : [];
    });
  }
  const s = text(v);
  return s ? s.split(/[,;\n]/).map((x) => x.trim()).filter(Boolean) : [];
}

/** The first address of an email cell or list ("a@x.io, b@x.io"): read as the CSV importer reads such cells. */
function firstEmail(v: unknown): string | null {
  return pickEmail(entriesOf(v).join(', ') || null).value;
}

/** "Mobile: (415) 555-0101, Home: 415 555 0102" (or the same as a list) → the mobile number, else the first. */
export function pickPhone(v: unknown): string | null {
  return pickCellPhone(entriesOf(v).join(', ') || null).value;
}

/** The report's `tenant` is "Last, First" or "First Last"; used only when the name columns are empty. */
function splitTenant(v: unknown): { first: string | null; last: string | null } {
  const s = text(v);
  if (!s) return { first: null, last: null };
  const comma = s.indexOf(',');
  if (comma > 0) return { last: s.slice(0, comma).trim() || null, first: s.slice(comma + 1).trim() || null };
  const space = s.lastIndexOf(' ');
  return space > 0 ? { first: s.slice(0, space).trim(), last: s.slice(space + 1).trim() } : { first: null, last: s };
}

export function tenantRowToRecord(raw: Record<string, unknown>, r: TenantRow): SourceRecord {
  const fromTenant = splitTenant(r.tenant);
  const tags: string[] = [];
  const type = text(r.tenant_type);
  if (type) tags.push(type);
  return {
    externalId: tenantId(r),
    firstName: text(r.first_name) ?? fromTenant.first,
    lastName: text(r.last_name) ?? fromTenant.last,
    email: firstEmail(r.emails),
    phone: pickPhone(r.phone_numbers),
    unit: text(r.unit) ?? text(r.unit_name),
    // AppFolio's word (Current, Notice, Future, Past, Evict), for the engine to map.
    status: text(r.status),
    type: 'resident',
    tags,
    siteKey: text(r.property_id),
    raw: structuredClone(raw),
  };
}
