import { UpstreamError } from '../types';
import type { ListOptions, SourceConnector, SourceRecord, TestResult } from '../types';
import { createUpstreamHttp } from '../http/upstream-http';
import type { RetryPolicy } from '../http/upstream-http';
import { SOAP_CONTENT_TYPE, malformedAnswer, parseSoap, retryUnlessClientFault, soapFault, soapReplyError, soundsLikeAuth, vendorText } from './soap';
import { GET_RESIDENTS_ACTION, getResidentsEnvelope, personIdOf, personToRecord, readResidentsAnswer, yardiParser } from './yardi-wire';
import type { YardiLogin } from './yardi-wire';

/**
 * Yardi Voyager source. GetResidents is not paged: each configured property is one call and
 * one page, read whole and checked before it is handed on (ids present, none twice, the answer
 * for the property that was asked for). Roommates listed under a lease holder are people of
 * their own. A property that fails ends the read with an error; a partial list would read as
 * move-outs.
 */

const SYSTEM = 'Yardi Voyager';
const SETTINGS_HINT = 'Check the user name, password and interface license in the connection settings.';
/** An external id longer than this is not a Yardi tenant code. */
const MAX_ID = 64;

export interface YardiSourceOptions extends YardiLogin {
  /** The full address of ItfResidentData.asmx. */
  url: string;
  /** Yardi property codes, one GetResidents call each. */
  propertyIds: string[];
  retry?: Partial<RetryPolicy>;
}

export function createYardiSource(opts: YardiSourceOptions): SourceConnector {
  const http = createUpstreamHttp({ baseUrl: opts.url, auth: { kind: 'none' }, systemName: SYSTEM, retry: opts.retry, accept: 'text/xml' });
  const secrets = [opts.password, opts.interfaceLicense];
  const properties = [...new Set(opts.propertyIds.map((p) => p.trim()).filter((p) => p !== ''))];

  /** One property's residents, validated; throws UpstreamError for anything else. */
  const readProperty = async (propertyId: string, what: string, signal?: AbortSignal, maxAttempts?: number): Promise<SourceRecord[]> => {
    const reply = await http.request({
      method: 'POST',
      path: '',
      body: { contentType: SOAP_CONTENT_TYPE, text: getResidentsEnvelope(opts, propertyId) },
      // SOAP 1.1 wants the action quoted.
      headers: { soapaction: `"${GET_RESIDENTS_ACTION}"` },
      // A read: safe to send again, except after a fault that blames the request.
      retryable: true,
      retryIf: retryUnlessClientFault(yardiParser),
      maxAttempts,
      signal,
    });
    if (reply.status !== 200) throw soapReplyError(SYSTEM, what, reply, yardiParser, secrets, SETTINGS_HINT);
    const parsed = parseSoap(reply.text, yardiParser);
    if (!parsed.ok) throw malformedAnswer(SYSTEM, what, parsed.why);
    const fault = soapFault(parsed.body);
    if (fault) throw soapReplyError(SYSTEM, what, reply, yardiParser, secrets, SETTINGS_HINT);
    const answer = readResidentsAnswer(parsed.body, propertyId);
    if (answer.kind === 'malformed') throw malformedAnswer(SYSTEM, what, answer.why);
    if (answer.kind === 'refused') {
      const said = vendorText(answer.messages.join(' / '), secrets);
      const hint = soundsLikeAuth(said) ? ` ${SETTINGS_HINT}` : ' Check the property id, server and database in the connection settings.';
      throw new UpstreamError(`${SYSTEM} refused the request for property ${propertyId}: "${said}".${hint}`);
    }
    const seen = new Set<string>();
    return answer.people.map((p, i) => {
      const who = p.household ? `roommate ${i + 1}` : `resident ${i + 1}`;
      const id = personIdOf(p.node);
      if (!id) throw malformedAnswer(SYSTEM, what, `${who} has no resident code (tCode, Code or Identification IDValue)`);
      if (id.length > MAX_ID) throw malformedAnswer(SYSTEM, what, `${who} has a resident code of ${id.length} characters`);
      if (seen.has(id)) throw malformedAnswer(SYSTEM, what, `resident ${id} appears more than once`);
      seen.add(id);
      return personToRecord(p, id, propertyId);
    });
  };

  return {
    kind: 'yardi',

    async test(): Promise<TestResult> {
      if (properties.length === 0) return { ok: false, message: 'No Yardi property id is set in the connection settings.' };
      try {
        let total = 0;
        for (const p of properties) total += (await readProperty(p, `checking property ${p}`, undefined, 2)).length;
        const props = properties.length === 1 ? `property ${properties[0]}` : `${properties.length} properties`;
        return { ok: true, message: `Connected to Yardi Voyager (${props}): ${total} resident record${total === 1 ? '' : 's'} on file.` };
      } catch (err) {
        if (err instanceof UpstreamError) return { ok: false, message: err.message };
        throw err;
      }
    },

    async *list(listOpts?: ListOptions): AsyncGenerator<SourceRecord[]> {
      if (properties.length === 0) throw new UpstreamError('No Yardi property id is set in the connection settings.');
      for (const p of properties) {
        if (listOpts?.signal?.aborted) throw new UpstreamError(`The read from ${SYSTEM} was cancelled.`);
        yield await readProperty(p, `reading the residents of property ${p}`, listOpts?.signal);
      }
    },
  };
}
