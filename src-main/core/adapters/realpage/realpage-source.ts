import { UpstreamError } from '../types';
import type { ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp } from '../http/upstream-http';
import type { RetryPolicy } from '../http/upstream-http';
import { SOAP_CONTENT_TYPE, malformedAnswer, parseSoap, retryUnlessClientFault, soapFault, soapReplyError, soundsLikeAuth, vendorText } from '../yardi/soap';
import { GET_RESIDENT_LIST_INFO_ACTION, RPX_STATUS_LISTS, readResidentList, residentKey, residentListEnvelope, residentToRecord, rpxParser } from './realpage-wire';
import type { RpxAuth, RpxStatusCode } from './realpage-wire';

/**
 * RealPage (OneSite through the RPX gateway) source. getresidentlistinfo has no paging: each
 * site is read as three whole lists (current, pending, former), one page each. Each answer is
 * checked (ids present, none twice in one list); a person in more than one list is kept from
 * the most current one, so a renewing resident stays "Current".
 */

const SYSTEM = 'RealPage';
const SETTINGS_HINT = 'Check the PMC id, site ids, license key, user name and password in the connection settings.';
const MAX_ID = 64;

export interface RealPageSourceOptions extends RpxAuth {
  /** The partner's RPX gateway address (…/rpxgateway/partner/<name>/<name>.svc). */
  url: string;
  siteIds: string[];
  retry?: Partial<RetryPolicy>;
}

export function createRealPageSource(opts: RealPageSourceOptions): SourceConnector {
  const http = createUpstreamHttp({ baseUrl: opts.url, auth: { kind: 'none' }, systemName: SYSTEM, retry: opts.retry, accept: 'text/xml' });
  const secrets = [opts.licenseKey, opts.password ?? ''];
  const sites = [...new Set(opts.siteIds.map((s) => s.trim()).filter((s) => s !== ''))];

  const readList = async (siteId: string, status: RpxStatusCode, what: string, signal?: AbortSignal, maxAttempts?: number): Promise<SourceRecord[]> => {
    const reply = await http.request({
      method: 'POST',
      path: '',
      body: { contentType: SOAP_CONTENT_TYPE, text: residentListEnvelope(opts, siteId, status) },
      headers: { soapaction: `"${GET_RESIDENT_LIST_INFO_ACTION}"` },
      retryable: true,
      retryIf: retryUnlessClientFault(rpxParser),
      maxAttempts,
      signal,
    });
    if (reply.status !== 200) throw soapReplyError(SYSTEM, what, reply, rpxParser, secrets, SETTINGS_HINT);
    const parsed = parseSoap(reply.text, rpxParser);
    if (!parsed.ok) throw malformedAnswer(SYSTEM, what, parsed.why);
    if (soapFault(parsed.body)) throw soapReplyError(SYSTEM, what, reply, rpxParser, secrets, SETTINGS_HINT);
    const answer = readResidentList(parsed.body);
    if (answer.kind === 'malformed') throw malformedAnswer(SYSTEM, what, answer.why);
    if (answer.kind === 'refused') {
      const said = vendorText(answer.message, secrets);
      const hint = soundsLikeAuth(said) ? ` ${SETTINGS_HINT}` : ' Check the site ids in the connection settings.';
      throw new UpstreamError(`${SYSTEM} refused the request for site ${siteId}: "${said}".${hint}`);
    }
    const seen = new Set<string>();
    return answer.residents.map((r, i) => {
      const id = residentKey(r);
      if (!id) throw malformedAnswer(SYSTEM, what, `resident ${i + 1} has no residentid`);
      if (id.length > MAX_ID) throw malformedAnswer(SYSTEM, what, `resident ${i + 1} has a residentid of ${id.length} characters`);
      if (seen.has(id)) throw malformedAnswer(SYSTEM, what, `resident ${id} appears more than once`);
      seen.add(id);
      return residentToRecord(r, id, siteId);
    });
  };

  return {
    kind: 'realpage',

    async test(): Promise<TestResult> {
      if (sites.length === 0) return { ok: false, message: 'No RealPage site id is set in the connection settings.' };
      try {
        let total = 0;
        // The current list is enough to prove the credentials and the site.
        for (const s of sites) total += (await readList(s, 'C', `checking site ${s}`, undefined, 2)).length;
        const where = sites.length === 1 ? `site ${sites[0]}` : `${sites.length} sites`;
        return { ok: true, message: `Connected to RealPage (${where}): ${total} current resident${total === 1 ? '' : 's'}.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncGenerator<SourceRecord[]> {
      if (sites.length === 0) throw new UpstreamError('No RealPage site id is set in the connection settings.');
      for (const site of sites) {
        const kept = new Set<string>();
        for (const { code, label } of RPX_STATUS_LISTS) {
          if (listOpts?.signal?.aborted) throw new UpstreamError(`The read from ${SYSTEM} was cancelled.`);
          const page = await readList(site, code, `reading the ${label} of site ${site}`, listOpts?.signal);
          yield page.filter((r) => {
            if (kept.has(r.externalId)) return false;
            kept.add(r.externalId);
            return true;
          });
        }
      }
    },
  };
}
