import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { UpstreamError } from '../types';
import { statusError } from '../http/upstream-http';
import type { HttpReply } from '../http/upstream-http';

/**
 * SOAP 1.1 plumbing shared by the SOAP property systems (Yardi Voyager, RealPage RPX) and
 * their fakes: envelopes built with fast-xml-parser's builder (so every value is escaped),
 * answers parsed with its parser after a validation pass (a cut-off answer must fail, and the
 * parser alone would happily return the part it saw), faults read from the standard
 * faultcode/faultstring pair, and vendor text made safe to show.
 */

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

/** A parsed element: child elements by local name, attributes as "@_name", text as "#text". */
export type XmlNode = Record<string, unknown>;

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  processEntities: true,
  suppressEmptyNode: true,
  format: false,
});

/** A SOAP 1.1 envelope around `body` (one element: `{ OperationName: {...} }`). */
export function soapEnvelope(body: XmlNode): string {
  const xml = builder.build({
    'soap:Envelope': {
      '@_xmlns:soap': SOAP_ENV_NS,
      '@_xmlns:xsi': XSI_NS,
      '@_xmlns:xsd': XSD_NS,
      'soap:Body': body,
    },
  }) as string;
  return `<?xml version="1.0" encoding="utf-8"?>${xml}`;
}

/** Elements as XML text, without an envelope (a vendor that nests a document in a string). */
export function xmlFragment(node: XmlNode): string {
  return builder.build(node) as string;
}

/** A SOAP 1.1 Fault body, as a service sends it for an error. */
export function soapFaultEnvelope(code: 'soap:Client' | 'soap:Server', message: string): string {
  return soapEnvelope({ 'soap:Fault': { faultcode: code, faultstring: message } });
}

/**
 * A parser for one vendor's answers. `arrayTags` are elements that may repeat: they always
 * come back as arrays, so one resident and many look the same. Values stay strings (ids like
 * "007" and phone numbers must not become numbers); namespace prefixes are dropped so a
 * vendor's choice of prefix does not matter.
 */
export function soapParser(arrayTags: readonly string[]): XMLParser {
  // Case-insensitive, like `child`: "resident" and "Resident" repeat alike.
  const repeating = new Set(arrayTags.map((t) => t.toLowerCase()));
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    // Also decodes numeric character references (&#233;), which XML allows anywhere.
    htmlEntities: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name, _path, _leaf, isAttribute) => !isAttribute && repeating.has(name.toLowerCase()),
  });
}

export type XmlParse = { ok: true; doc: XmlNode } | { ok: false; why: string };

/** Parses an XML document after checking it is complete and carries no DTD. */
export function parseXml(raw: string, parser: XMLParser): XmlParse {
  // .NET services often start a UTF-8 answer (or a nested document) with a byte-order mark,
  // which the validator would otherwise take for text before the root element.
  const text = raw.replace(/^\uFEFF/, '');
  if (text.trim() === '') return { ok: false, why: 'the answer is empty' };
  // SOAP messages must not carry a DTD; refusing one also rules out entity-expansion bombs.
  if (/<!DOCTYPE/i.test(text)) return { ok: false, why: 'the answer carries a document type declaration, which SOAP does not allow' };
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, why: `the answer is not complete XML (line ${valid.err.line}); it may have been cut off` };
  try {
    const doc = parser.parse(text) as unknown;
    return isNode(doc) ? { ok: true, doc } : { ok: false, why: 'the answer holds no XML element' };
  } catch {
    return { ok: false, why: 'the answer is not XML the parser can read' };
  }
}

export type SoapParse = { ok: true; body: XmlNode } | { ok: false; why: string };

/** The Body of a SOAP envelope. */
export function parseSoap(text: string, parser: XMLParser): SoapParse {
  const parsed = parseXml(text, parser);
  if (!parsed.ok) return parsed;
  const envelope = parsed.doc.Envelope;
  if (!isNode(envelope)) return { ok: false, why: 'the answer is not a SOAP envelope' };
  const body = envelope.Body;
  if (body === '' || body === undefined) return { ok: false, why: 'the SOAP envelope has an empty Body' };
  if (!isNode(body)) return { ok: false, why: 'the SOAP envelope has no Body' };
  return { ok: true, body };
}

export interface SoapFault {
  /** "soap:Client", "s:Server", "a:InternalServiceFault", "soap:Sender"… as sent. */
  code: string;
  message: string;
}

/**
 * The Fault in a SOAP Body, in either dialect: SOAP 1.1 (faultcode / faultstring) or SOAP 1.2
 * (Code/Value with an optional Subcode, Reason/Text). ASMX and WCF services speak both.
 */
export function soapFault(body: XmlNode): SoapFault | null {
  const fault = body.Fault;
  if (fault === undefined) return null;
  const node = isNode(fault) ? fault : {};
  const code12 = isNode(node.Code) ? node.Code : null;
  const reason12 = isNode(node.Reason) ? node.Reason : null;
  const code = textOf(node.faultcode) ?? (code12 ? textOf(code12.Value) : null);
  const message = textOf(node.faultstring) ?? (reason12 ? textOf(reason12.Text) : null);
  return { code: code ?? 'unknown', message: message ?? 'no reason given' };
}

/**
 * A fault that blames the request (bad credentials, bad arguments): sending it again cannot
 * help. SOAP 1.1 calls that side "Client", SOAP 1.2 "Sender".
 */
export function isClientFault(fault: SoapFault): boolean {
  return /(^|[:.])(client|sender)$/i.test(fault.code.trim());
}

/**
 * For HttpCall.retryIf: SOAP 1.1 answers every fault with 500, so the status alone would retry
 * a refused login — and Yardi locks an interface account after repeated failed logins.
 */
export function retryUnlessClientFault(parser: XMLParser): (reply: { status: number; text: string }) => boolean {
  return (reply) => {
    if (reply.status !== 500) return true;
    const parsed = parseSoap(reply.text, parser);
    const fault = parsed.ok ? soapFault(parsed.body) : null;
    return !(fault && isClientFault(fault));
  };
}

/** Words that say the vendor refused who we are, in fault strings and in-body messages. */
const AUTH_WORDS = /(password|user ?name|login|log in|credential|licen[cs]e|unauthori[sz]ed|not authori[sz]ed|access (is )?denied|permission|entity)/i;

export function soundsLikeAuth(text: string): boolean {
  return AUTH_WORDS.test(text);
}

/**
 * Vendor text fit for a message: one line, bounded, and with every credential we hold blanked
 * out (a server may echo the request, and a fault may quote a field).
 */
export function vendorText(text: string, secrets: readonly string[], max = 200): string {
  const oneLine = (t: string) => t.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  let out = oneLine(text);
  // A secret is looked for as given and as the text above flattens it: an interface license is
  // a long block that may span lines, and an echo of it is flattened with the rest.
  for (const s of secrets) for (const form of new Set([s, oneLine(s ?? '')])) if (form && form.length >= 3) out = out.split(form).join('•••');
  if (out.length > max) out = `${out.slice(0, max - 1)}…`;
  return out === '' ? 'no reason given' : out;
}

/**
 * The error for an answer that is not a 200: the SOAP fault's own words when there is one,
 * otherwise the shared status wording.
 */
export function soapReplyError(
  system: string,
  what: string,
  reply: HttpReply,
  parser: XMLParser,
  secrets: readonly string[],
  settingsHint: string,
): UpstreamError {
  const parsed = reply.text ? parseSoap(reply.text, parser) : null;
  const fault = parsed?.ok ? soapFault(parsed.body) : null;
  const tries = reply.attempts > 1 ? ` after ${reply.attempts} tries` : '';
  if (reply.status === 401 || reply.status === 403 || (fault && isClientFault(fault) && soundsLikeAuth(fault.message))) {
    const said = fault ? `: "${vendorText(fault.message, secrets)}"` : '';
    return new UpstreamError(`${capital(system)} refused the credentials (${reply.status})${said}. ${settingsHint}`, reply.status);
  }
  if (fault) {
    const client = isClientFault(fault);
    const said = vendorText(fault.message, secrets);
    return new UpstreamError(
      `${capital(system)} answered with a SOAP fault (${reply.status}, ${vendorText(fault.code, secrets, 60)})${tries} while ${what}: "${said}".`,
      reply.status,
      !client && reply.status >= 500,
    );
  }
  return statusError(system, what, reply);
}

export function malformedAnswer(system: string, what: string, why: string): UpstreamError {
  return new UpstreamError(`${capital(system)} sent an unusable answer while ${what}: ${why}.`, null, true);
}

export function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray<T = unknown>(v: unknown): T[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

/** The text of an element or attribute value; null when absent or blank. */
export function textOf(v: unknown): string | null {
  if (Array.isArray(v)) return textOf(v[0]);
  if (typeof v === 'string') {
    const t = v.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
    return t === '' ? null : t;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isNode(v) && '#text' in v) return textOf(v['#text']);
  return null;
}

/**
 * A child element by name, ignoring case: vendors and their versions disagree on capitals
 * ("residentlist" / "ResidentList"), and the exact spelling is tried first.
 */
export function child(node: XmlNode, name: string): unknown {
  if (name in node) return node[name];
  const want = name.toLowerCase();
  for (const key of Object.keys(node)) if (!key.startsWith('@_') && key.toLowerCase() === want) return node[key];
  return undefined;
}

/** The first of several child names that is present (see `child`). */
export function firstChild(node: XmlNode, names: readonly string[]): unknown {
  for (const n of names) {
    const v = child(node, n);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** An element's value given either as an attribute (MITS style) or as a child element. */
export function field(node: XmlNode, name: string): string | null {
  return textOf(node[`@_${name}`]) ?? textOf(node[name]);
}

/** Cuts a mapped value to a sane length: one hostile field must not fill the database. */
export function clip(value: string | null, max: number): string | null {
  if (value === null) return null;
  return value.length > max ? value.slice(0, max) : value;
}

const RAW_TEXT_MAX = 1000;
const RAW_DEPTH_MAX = 8;

/** The record as received for the activity view, with any oversized text cut short. */
export function boundedRaw(node: XmlNode): Record<string, unknown> {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return v.length > RAW_TEXT_MAX ? `${v.slice(0, RAW_TEXT_MAX)}… (${v.length} characters, cut)` : v;
    if (depth >= RAW_DEPTH_MAX) return typeof v === 'object' && v !== null ? '(nested too deep)' : v;
    if (Array.isArray(v)) return v.slice(0, 50).map((x) => walk(x, depth + 1));
    if (isNode(v)) return Object.fromEntries(Object.entries(v).slice(0, 200).map(([k, x]) => [k, walk(x, depth + 1)]));
    return v;
  };
  return walk(node, 0) as Record<string, unknown>;
}

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
