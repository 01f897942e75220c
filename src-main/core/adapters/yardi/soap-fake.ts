import { timingSafeEqual } from 'node:crypto';
import type { FakeReply } from '../http/fake-server';
import { SOAP_CONTENT_TYPE, isNode, parseSoap, soapEnvelope, soapFaultEnvelope } from './soap';
import type { XmlNode } from './soap';
import type { XMLParser } from 'fast-xml-parser';

/**
 * What the SOAP fakes (Yardi, RealPage) share on top of the common fake server: turning reply
 * objects into envelopes, errors into SOAP Faults, reading the operation out of a request, and
 * comparing credentials in constant time. Test and demo code only.
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

export function sameSecret(given: string | null | undefined, want: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
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
