import type { IncomingHttpHeaders } from 'node:http';
import type { BodyShapers, FakeReply, FakeRequest } from '../http/fake-server';
import { SOAP_CONTENT_TYPE, isNode, parseSoap, soapEnvelope, soapFaultEnvelope } from './soap';
import type { XmlNode } from './soap';
import type { XMLParser } from 'fast-xml-parser';

/**
 * What the SOAP fakes (Yardi, RealPage) share on top of the common fake server: turning reply
 * objects into envelopes, errors into SOAP Faults, the envelope checks every call goes through
 * and the list misbehaviours. Test and demo code only.
 */

/** A reply body sent byte for byte (for hand-written envelopes in tests). */
export interface RawXml {
  __rawXml: string;
}

export function rawXml(text: string): RawXml {
  return { __rawXml: text };
}

/** The fake server's `encode` for a SOAP 1.1 service. Error bodies (`{ error }`) become Faults. */
export function encodeSoap(body: unknown, status: number, faultFor401: string): { contentType: string; text: string } {
  if (isNode(body) && typeof body.__rawXml === 'string') return { contentType: SOAP_CONTENT_TYPE, text: body.__rawXml };
  const error = isNode(body) && isNode(body.error) ? body.error : null;
  if (status >= 400 || error) {
    const message = status === 401 ? faultFor401 : typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
    const code = error?.code === 'client' ? 'soap:Client' : error?.code === 'server' ? 'soap:Server' : status >= 500 ? 'soap:Server' : 'soap:Client';
    return { contentType: SOAP_CONTENT_TYPE, text: soapFaultEnvelope(code, message) };
  }
  return { contentType: SOAP_CONTENT_TYPE, text: soapEnvelope(body as XmlNode) };
}

/** A fault the route answers; `blame` picks soap:Client or soap:Server (default: by status). */
export function faultReply(status: number, message: string, blame?: 'client' | 'server'): FakeReply {
  return { status, body: { error: { code: blame ?? (status >= 500 ? 'server' : 'client'), message } } };
}

/** The operation element inside a request envelope, or null when the request is not SOAP. */
export function requestOperation(rawBody: string, parser: XMLParser, operation: string): XmlNode | null {
  const parsed = parseSoap(rawBody, parser);
  if (!parsed.ok) return null;
  const op = parsed.body[operation];
  return isNode(op) ? op : op === '' ? {} : null;
}

/** SOAPAction as clients send it: quoted per SOAP 1.1, though some leave the quotes off. */
export function soapActionOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  return header.trim().replace(/^"(.*)"$/, '$1');
}

/** A request the fake saw, for tests that check what the client sends. */
export interface ReceivedSoap {
  soapAction: string | null;
  contentType: string | null;
  body: string;
}

/** What a SOAP fake's one operation insists on before the vendor looks at the arguments. */
export interface SoapCallRules {
  /** The operation element inside soap:Body (GetResidents, getresidentlistinfo…). */
  operation: string;
  /** The SOAPAction the operation answers to. */
  action: string;
  parser: XMLParser;
  /** The 415 fault message for a request that is not text/xml. */
  wrongContentType: string;
  /** The soap:Client fault message for any other SOAPAction. */
  wrongAction(action: string): string;
  /** The reply when the envelope holds no operation element (vendors blame different sides). */
  noOperation: FakeReply;
}

export interface SoapCallDesk {
  /** Every SOAP request as received, newest last (the last 500). */
  received: ReceivedSoap[];
  /** The next call that gets past the envelope checks answers this text as its whole body. */
  serveRawOnce(xml: string, status?: number): void;
  /**
   * Records the request and answers what the vendor answers before reading any argument: the
   * wrong content type, the wrong SOAPAction, no operation element, or a queued raw reply.
   * Otherwise hands back the operation element for the fake's own logic.
   */
  open(req: FakeRequest): { op: XmlNode } | { reply: FakeReply };
  /**
   * The fake server's `authorize`. Only SOAP requests that hold the operation carry credentials;
   * anything else passes here and falls through to the route's own answer (415, fault…).
   */
  authorize(check: (op: XmlNode) => boolean): (req: { rawBody: string; headers: IncomingHttpHeaders }) => boolean;
}

/** The envelope plumbing the SOAP fakes share, so each fake keeps only its vendor's rules. */
export function createSoapCallDesk(rules: SoapCallRules): SoapCallDesk {
  const received: ReceivedSoap[] = [];
  let raw: { xml: string; status: number } | null = null;
  return {
    received,
    serveRawOnce(xml, status = 200) {
      raw = { xml, status };
    },
    open(req) {
      received.push({ soapAction: soapActionOf(req.header('soapaction')), contentType: req.header('content-type') ?? null, body: req.rawBody });
      if (received.length > 500) received.shift();
      if (!/^text\/xml\b/i.test(req.header('content-type') ?? '')) return { reply: faultReply(415, rules.wrongContentType) };
      const action = soapActionOf(req.header('soapaction'));
      if (action !== rules.action) return { reply: faultReply(500, rules.wrongAction(action ?? ''), 'client') };
      const op = requestOperation(req.rawBody, rules.parser, rules.operation);
      if (!op) return { reply: rules.noOperation };
      if (raw !== null) {
        const { xml, status } = raw;
        raw = null;
        return { reply: { status, body: rawXml(xml) } };
      }
      return { op };
    },
    authorize(check) {
      return ({ rawBody, headers }) => {
        if (!/^text\/xml\b/i.test(String(headers['content-type'] ?? ''))) return true;
        const op = requestOperation(rawBody, rules.parser, rules.operation);
        return op ? check(op) : true;
      };
    },
  };
}

/** Where a fake's reply body keeps its list of people, for the shared fault shapers. */
export interface ListInBody {
  /** The list inside a reply body, or null when the body is not a list reply. */
  read(body: unknown): XmlNode[] | null;
  /** A copy of the body holding `list` instead. */
  write(body: unknown, list: XmlNode[]): unknown;
  /** A copy of the body whose result is there but not the shape the client expects. */
  unexpected(body: unknown): unknown;
  /** The item with every id field removed. */
  withoutId(item: XmlNode): XmlNode;
}

/**
 * The misbehaviours every list fake can play: an empty result that is not a list, a first item
 * with no id, the first item repeated as the last, and an empty list.
 */
export function listShapers(at: ListInBody): BodyShapers {
  return {
    malformed(body) {
      const list = at.read(body);
      if (!list) return body;
      if (list.length === 0) return at.unexpected(body);
      // Well-formed XML, unusable data: the first item has no id at all.
      const [first, ...rest] = list;
      return at.write(body, [at.withoutId(first), ...rest]);
    },
    duplicateIds(body) {
      const list = at.read(body);
      if (!list || list.length === 0) return body;
      const copy = [...list];
      if (copy.length === 1) copy.push(copy[0]);
      else copy[copy.length - 1] = copy[0];
      return at.write(body, copy);
    },
    emptyList(body) {
      return at.read(body) ? at.write(body, []) : body;
    },
  };
}
