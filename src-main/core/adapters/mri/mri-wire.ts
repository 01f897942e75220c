import { z } from 'zod';
import type { SourceRecord } from '../types';

/**
 * MRI Residential (PMX) "MRI_S-PMRM_ResidentsByPropertyID" over MRI's API services:
 *
 *   GET {base}/mriapiservices/api.asp?$api=MRI_S-PMRM_ResidentsByPropertyID&RMPROPID=<prop>&$format=json
 *       Authorization: Basic base64("<clientid>/<database>/<user>/<partnerkey>:<password>")
 *   → { "value": [ { NameID, ResidentID, RMPropID, BuildingID, UnitID, FirstName, LastName,
 *                    Email, Phone, Status, ... } ], "nextLink": "https://…" }
 *
 * MRI keeps one ResidentID per household (the lease) and one NameID per person on it, so the
 * person's id is the NameID (the ResidentID when a system sends no NameID). Values come from
 * fixed-width columns and often carry trailing spaces; ids may be numbers.
 */

export const MRI_RESIDENTS_API = 'MRI_S-PMRM_ResidentsByPropertyID';

const value = z.union([z.string(), z.number()]).nullable().optional();

export const mriResidentSchema = z
  .looseObject({
    NameID: value,
    ResidentID: value,
    RMPropID: value,
    RMPropertyID: value,
    PropertyID: value,
    BuildingID: value,
    UnitID: value,
    FirstName: value,
    LastName: value,
    Email: value,
    Phone: value,
    MobilePhone: value,
    CellPhone: value,
    HomePhone: value,
    WorkPhone: value,
    Status: value,
    LeaseStatus: value,
  })
  .refine((r) => text(r.NameID) ?? text(r.ResidentID), { message: 'a resident has neither NameID nor ResidentID' });
export type MriResident = z.infer<typeof mriResidentSchema>;

export const mriPageSchema = z.looseObject({
  value: z.array(mriResidentSchema),
  nextLink: z.string().nullable().optional(),
  'odata.nextLink': z.string().nullable().optional(),
  '@odata.nextLink': z.string().nullable().optional(),
});
export type MriPage = z.infer<typeof mriPageSchema>;

export function nextLinkOf(page: MriPage): string | null {
  return text(page.nextLink) ?? text(page['@odata.nextLink']) ?? text(page['odata.nextLink']);
}

/** Trimmed text; empty → null. */
export function text(v: unknown): string | null {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

export function mriPersonId(r: MriResident): string {
  return (text(r.NameID) ?? text(r.ResidentID))!;
}

export function mriResidentToRecord(raw: Record<string, unknown>, r: MriResident, propertyId: string): SourceRecord {
  const building = text(r.BuildingID);
  const household = text(r.ResidentID);
  const tags: string[] = [];
  if (building) tags.push(`Building ${building}`);
  if (household && text(r.NameID)) tags.push(`Household ${household}`);
  return {
    externalId: mriPersonId(r),
    firstName: text(r.FirstName),
    lastName: text(r.LastName),
    email: text(r.Email),
    // Mobile first: access systems text it.
    phone: text(r.MobilePhone) ?? text(r.CellPhone) ?? text(r.Phone) ?? text(r.HomePhone) ?? text(r.WorkPhone),
    unit: text(r.UnitID),
    // MRI's own word (Current, Notice, Future, Former, Applicant…), for the engine to map.
    status: text(r.Status) ?? text(r.LeaseStatus),
    type: 'resident',
    tags,
    siteKey: text(r.RMPropID) ?? text(r.RMPropertyID) ?? text(r.PropertyID) ?? propertyId,
    raw: structuredClone(raw),
  };
}
