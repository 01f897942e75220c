import { randomBytes } from 'node:crypto';
import { basicCredentials, sameSecret } from '../http/fake-credentials';
import { jsonError, startFakeServer, fakeControls } from '../http/fake-server';
import type { BodyShapers, FakeReply, FakeRequest, Misbehaviour, RequestLogEntry } from '../http/fake-server';
import { MRI_ID_COLUMNS, MRI_RESIDENTS_API, MriRow } from './mri-wire';
import { MRI_PARTNER_KEY_HEADER } from './mri-source';

/**
 * A fake MRI API-services endpoint: real HTTP on 127.0.0.1.
 *
 *   GET /mriapiservices/api.asp?$api=MRI_S-PMRM_ResidentsByPropertyID&RMPROPID=<p>&$format=json[&$top=N][&$skip=M]
 *   → { "odata.metadata": "…", "value": [...], "nextLink": "<absolute URL of the next page>" }
 *     (no nextLink on the last page; errors as OData's { "odata.error": { code, message: { lang, value } } })
 *
 * HTTP Basic with MRI's composite user name "clientid/database/user/partnerkey", or (authStyle
 * 'header') "clientid/database/user" with the partner key in a header. Records are served exactly
 * as stored, so tests can add odd fields, numbers for ids or padded values; the property and id
 * columns are found under any of MRI's spellings (ResidentNameID / NameID, RMPROPID / RMPropID…).
 */

export type MriFakeResident = Record<string, unknown>;

export interface MriFakeOptions {
  /** Default: none. */
  residents?: MriFakeResident[];
  clientId?: string;
  databaseName?: string;
  userName?: string;
  partnerKey?: string;
  password?: string;
  /** Residents per page when the client does not say ($top); also the most it hands out. */
  pageSize?: number;
  /** Write nextLinks on this origin instead of the fake's own (to test that links elsewhere are refused). */
  nextLinkOrigin?: string;
  /** Name the link "@odata.nextLink" as OData servers do, instead of "nextLink". */
  odataLinkName?: boolean;
  /** How the partner key must arrive (default: inside the Basic user name). */
  authStyle?: 'composite' | 'header';
}

export interface MriFake {
  url: string;
  clientId: string;
  databaseName: string;
  userName: string;
  partnerKey: string;
  password: string;
  residents: {
    list(): MriFakeResident[];
    upsert(r: MriFakeResident): void;
    remove(nameId: string): void;
  };
  /** Query strings of every residents call, in order. */
  queries: URLSearchParams[];
  /** Change where nextLinks point from now on (null: back to the fake itself). */
  setNextLinkOrigin(origin: string | null): void;
  requestLog: RequestLogEntry[];
  misbehave(m: Misbehaviour): void;
  clearMisbehaviour(): void;
  close(): Promise<void>;
}

const idOf = (r: MriFakeResident) => new MriRow(r).personId() ?? '';
const propertyOf = (r: MriFakeResident) => new MriRow(r).get('propertyId') ?? '';
const odataError = (status: number, message: string): FakeReply => ({ status, body: { 'odata.error': { code: '', message: { lang: 'en-US', value: message } } } });

export async function startMriFake(opts: MriFakeOptions = {}): Promise<MriFake> {
  const creds = {
    clientId: opts.clientId ?? 'C123456',
    databaseName: opts.databaseName ?? 'HARBOURDB',
    userName: opts.userName ?? 'ROLLCALL',
    partnerKey: opts.partnerKey ?? `pk-${randomBytes(8).toString('hex')}`,
    password: opts.password ?? `pw-${randomBytes(9).toString('base64url')}`,
  };
  const expected =
    opts.authStyle === 'header'
      ? `${creds.clientId}/${creds.databaseName}/${creds.userName}:${creds.password}`
      : `${creds.clientId}/${creds.databaseName}/${creds.userName}/${creds.partnerKey}:${creds.password}`;
  const partnerHeader = MRI_PARTNER_KEY_HEADER.toLowerCase();
  const pageSize = opts.pageSize ?? 50;
  let residents = (opts.residents ?? []).map((r) => structuredClone(r));
  let linkOrigin = opts.nextLinkOrigin ?? null;
  const queries: URLSearchParams[] = [];
  let selfUrl = '';

  const residentsPage = (req: FakeRequest): FakeReply => {
    const q = req.query;
    queries.push(new URLSearchParams(q));
    if (q.get('$api') !== MRI_RESIDENTS_API) return jsonError(400, 'unknown_api', `Unknown $api "${q.get('$api') ?? ''}".`);
    if ((q.get('$format') ?? '').toLowerCase() !== 'json') return odataError(406, 'This fake only speaks $format=json.');
    const prop = q.get('RMPROPID');
    if (!prop) return odataError(400, 'RMPROPID is required.');
    const top = q.has('$top') ? Number(q.get('$top')) : pageSize;
    const skip = q.has('$skip') ? Number(q.get('$skip')) : 0;
    if (!Number.isInteger(top) || top < 1 || !Number.isInteger(skip) || skip < 0) return odataError(400, '$top and $skip must be whole numbers.');
    const size = Math.min(top, pageSize);
    const all = residents.filter((r) => propertyOf(r) === prop).sort((a, b) => idOf(a).localeCompare(idOf(b), undefined, { numeric: true }));
    const value = all.slice(skip, skip + size);
    const metadata = `${selfUrl}/mriapiservices/api.asp?$api=${MRI_RESIDENTS_API}&$metadata#MRI.${MRI_RESIDENTS_API.toLowerCase()}-container/${MRI_RESIDENTS_API.toLowerCase()}`;
    const body: Record<string, unknown> = { 'odata.metadata': metadata, value };
    if (skip + size < all.length) {
      const next = new URL('/mriapiservices/api.asp', linkOrigin ?? selfUrl);
      next.searchParams.set('$api', MRI_RESIDENTS_API);
      next.searchParams.set('RMPROPID', prop);
      next.searchParams.set('$format', 'json');
      next.searchParams.set('$top', String(size));
      next.searchParams.set('$skip', String(skip + size));
      body[opts.odataLinkName ? '@odata.nextLink' : 'nextLink'] = next.toString();
    }
    return { status: 200, body };
  };

  const server = await startFakeServer({
    token: 'unused',
    authorize: ({ headers }) => {
      if (!sameSecret(basicCredentials(headers.authorization), expected)) return false;
      const pk = headers[partnerHeader];
      return opts.authStyle !== 'header' || sameSecret(typeof pk === 'string' ? pk : undefined, creds.partnerKey);
    },
    shapers: mriShapers,
    routes: [{ method: 'GET', pattern: '/mriapiservices/api.asp', handler: residentsPage }],
  });
  selfUrl = server.url;

  return {
    url: server.url,
    ...creds,
    residents: {
      list: () => residents.map((r) => structuredClone(r)),
      upsert(r) {
        residents = residents.filter((x) => idOf(x) !== idOf(r));
        residents.push(structuredClone(r));
      },
      remove(nameId) {
        residents = residents.filter((x) => idOf(x) !== nameId);
      },
    },
    queries,
    setNextLinkOrigin(origin) {
      linkOrigin = origin;
    },
    ...fakeControls(server),
  };
}

const asPage = (body: unknown) => (body && typeof body === 'object' && Array.isArray((body as { value?: unknown }).value) ? (body as { value: Record<string, unknown>[] }) : null);

const mriShapers: BodyShapers = {
  malformed(body) {
    const page = asPage(body);
    if (!page || page.value.length === 0) return { value: 'not a list' };
    // The first resident loses both ids: valid JSON, unusable data.
    const [first, ...rest] = page.value;
    const idColumns = new Set(MRI_ID_COLUMNS.map((c) => c.toLowerCase()));
    const noIds = Object.fromEntries(Object.entries(first).filter(([k]) => !idColumns.has(k.toLowerCase())));
    return { ...page, value: [noIds, ...rest] };
  },
  duplicateIds(body) {
    const page = asPage(body);
    if (!page || page.value.length === 0) return body;
    const copy = [...page.value];
    if (copy.length === 1) copy.push(copy[0]);
    else copy[copy.length - 1] = copy[0];
    return { ...page, value: copy };
  },
  emptyList(body) {
    const page = asPage(body);
    return page ? { 'odata.metadata': (page as Record<string, unknown>)['odata.metadata'], value: [] } : body;
  },
};
