import type { ConnectionFieldDto, ConnectionRole } from '../../contract/calls/connections';
import { ApiError } from '../../contract/errors';
import { fieldsFor } from './config-form';
import { inSentence } from '../audit/change-audit';

/**
 * A saved secret is only ever sent to the address it was saved for. Secrets are write-only on
 * the page, but if an edit could point a connection at another server and keep its key, whoever
 * runs that server would read the key off the first request. So an edit that moves a connection
 * (another scheme, host or port in an address setting, or another name in a setting the host is
 * built from) must type each saved secret again or forget it. Another path on the same host, a
 * new name or any other setting keeps them.
 */

/**
 * What an address setting is compared by: scheme://host:port for a URL, where letter case and
 * the scheme's default port do not count; the trimmed, lower-cased text for a host name. Empty
 * means the adapter's own default (the embedded demo, the vendor's public address), which is a
 * place of its own.
 */
export function addressKey(field: Pick<ConnectionFieldDto, 'kind'>, value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value).trim();
  if (text === '') return '';
  if (field.kind !== 'url') return text.toLowerCase();
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}`;
  } catch {
    // Not a URL (the schema refuses it anyway): compared as typed, so any change counts.
    return text.toLowerCase();
  }
}

/** The address settings whose value points somewhere else after the edit. */
export function changedAddresses(fields: ConnectionFieldDto[], before: Record<string, unknown>, after: Record<string, unknown>): ConnectionFieldDto[] {
  return fields.filter((f) => f.address && addressKey(f, before[f.key]) !== addressKey(f, after[f.key]));
}

/**
 * Refuses an edit that would send saved secrets to a new address. `kept` are the secret fields
 * whose saved value would still be used after it (not typed again, not forgotten).
 */
export function assertSecretsStayWithAddress(
  role: ConnectionRole,
  kind: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  kept: string[],
): void {
  if (kept.length === 0) return;
  const fields = fieldsFor(role, kind) ?? [];
  if (changedAddresses(fields, before, after).length === 0) return;
  const labels = kept.map((key) => inSentence(fields.find((f) => f.key === key)?.label ?? key));
  const message =
    labels.length === 1
      ? `The address changed, so enter the ${labels[0]} again: a saved secret is only sent to the address it was saved for.`
      : `The address changed, so enter the ${listed(labels)} again: saved secrets are only sent to the address they were saved for.`;
  throw new ApiError(
    'invalid_input',
    message,
    kept.map((key) => `secrets.${key}: enter it again for the new address`),
  );
}

/** The secret fields an edit would keep using: the saved ones not typed again and not forgotten. */
export function keptSecrets(saved: string[], typed: Iterable<string>, forgotten: Iterable<string> = []): string[] {
  const replaced = new Set([...typed, ...forgotten]);
  return saved.filter((key) => !replaced.has(key));
}

function listed(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
