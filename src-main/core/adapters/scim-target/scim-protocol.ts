import type { z } from 'zod';
import { parseWireJson } from '../wire-text';

/**
 * SCIM 2.0 protocol details both SCIM adapters (this target and ../scim-source) need to get
 * exactly right when talking to independent servers:
 *
 * - RFC 7643 §2.1: attribute names are case-insensitive, so a reply may say `username`,
 *   `Emails` or `resources`. Replies are brought to the RFC's own spelling before they are read.
 * - RFC 7644 §3.4.2.2: a filter value is a JSON string literal (quotes and backslashes escaped).
 * - Query strings are percent-encoded with %20 for spaces: `+` means a space only to form
 *   decoders, and a strict RFC 3986 decoder would read `userName+eq+...` as one word.
 * - A base URL may carry a path prefix (…/scim/v2), a trailing slash, a pasted `/Users`, or a
 *   query string some providers put in the tenant URL; every request keeps that query.
 */

export const SCIM_MEDIA_TYPE = 'application/scim+json';
/** RFC 7644 §8.1: servers speak application/scim+json; many answer application/json too. */
export const SCIM_ACCEPT = `${SCIM_MEDIA_TYPE}, application/json;q=0.9`;

export const CORE_USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The attribute and message names we read, in the RFCs' spelling. */
const CANONICAL = [
  // RFC 7643 §3.1 common attributes and meta
  'schemas', 'id', 'externalId', 'meta', 'resourceType', 'created', 'lastModified', 'location', 'version',
  // RFC 7643 §4.1 User
  'userName', 'name', 'formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix',
  'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone', 'active',
  'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates',
  // RFC 7643 §2.4 multi-valued sub-attributes
  'value', 'display', 'type', 'primary', '$ref',
  // RFC 7643 §4.3 enterprise extension
  'employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager',
  // RFC 7644 §3.4.2 ListResponse, §3.12 Error
  'totalResults', 'itemsPerPage', 'startIndex', 'Resources', 'status', 'scimType', 'detail',
  // RFC 7643 §5 ServiceProviderConfig
  'filter', 'supported', 'maxResults', 'patch', 'etag',
  // Schema URNs used as keys (extension attributes live under their schema URN)
  ENTERPRISE_USER_URN,
];
const CANONICAL_BY_LOWER = new Map(CANONICAL.map((n) => [n.toLowerCase(), n]));

/**
 * A copy of a parsed reply with every known attribute name in its canonical spelling (RFC 7643
 * §2.1). Unknown names are kept as sent; a name the reply already spells canonically wins over a
 * differently-cased twin, so nothing is silently overwritten.
 */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (!value || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(source)) {
    const canonical = CANONICAL_BY_LOWER.get(key.toLowerCase()) ?? key;
    if (canonical !== key && Object.hasOwn(source, canonical)) {
      // The canonical spelling is also present: keep this one under its own name.
      out[key] = canonicalize(v);
      continue;
    }
    if (Object.hasOwn(out, canonical)) continue;
    out[canonical] = canonicalize(v);
  }
  return out;
}

/** `attribute eq "value"`: the value as a JSON string literal (RFC 7644 §3.4.2.2 compValue). */
export function filterEq(attribute: string, value: string): string {
  return `${attribute} eq ${JSON.stringify(value)}`;
}

/** `attribute ge "value"` for date-times (meta.lastModified). */
export function filterGe(attribute: string, value: string): string {
  return `${attribute} ge ${JSON.stringify(value)}`;
}

/** A Boolean that some servers send as the strings "true"/"false". */
export function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

export interface ScimEndpoint {
  /** Origin and path prefix, no trailing slash, no `/Users`, no query. */
  baseUrl: string;
  /** Query parameters the configured URL carried; sent with every request. */
  fixedQuery: Array<[string, string]>;
}

/** Reads a configured SCIM base URL (with or without trailing slash, `/Users`, or a query). */
export function parseEndpoint(url: string): ScimEndpoint {
  const trimmed = url.trim();
  let parsed: URL | null = null;
  try {
    parsed = new URL(trimmed);
  } catch {
    parsed = null;
  }
  if (!parsed) return { baseUrl: trimmed.replace(/\/+$/, '').replace(/\/Users$/i, ''), fixedQuery: [] };
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/Users$/i, '').replace(/\/+$/, '');
  return { baseUrl: `${parsed.origin}${path}`, fixedQuery: [...parsed.searchParams.entries()] };
}

/**
 * A request path with its query percent-encoded by hand (spaces as %20), so upstream-http
 * sends it untouched. Parameters with null/undefined values are left out.
 */
export function withQuery(endpoint: ScimEndpoint, path: string, query: Record<string, string | number | null | undefined> = {}): string {
  const parts: string[] = [];
  for (const [k, v] of endpoint.fixedQuery) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

/**
 * Text a server put in an error `detail`, safe to show: control characters flattened, any
 * credential we hold cut out (some servers echo the Authorization header back), length capped.
 */
export function safeDetail(detail: string, secrets: string[], max = 200): string {
  let text = detail.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  for (const s of secrets) if (s && s.length >= 4) text = text.split(s).join('***');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Reads a SCIM JSON reply against its schema after canonicalising attribute names; words an
 * unusable answer the way parse-reply.ts does (cut-off JSON, or the first schema issue).
 */
export function readScim<T>(text: string, schema: z.ZodType<T>, unusable: (why: string) => Error): T {
  // Long numeric ids keep every digit (see wire-text.ts): rounded, two users become one.
  const parsed = parseWireJson(text);
  if (!parsed.ok) throw unusable('the answer is not complete JSON (it may have been cut off)');
  const result = schema.safeParse(canonicalize(parsed.value));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw unusable(`${issue.path.length ? issue.path.join('.') : 'the answer'}: ${issue.message}`);
  }
  return result.data;
}
