import type { ConnectionFieldDto, ConnectionKindDto, ConnectionRole } from '../../contract/calls/connections';
import { ApiError } from '../../contract/errors';
import type { ConfigField } from '../adapters/adapter-spec';
import { panelSpecFor, panelSpecs, sourceSpecFor, sourceSpecs } from '../adapters/registry';
import { NOT_ADDABLE } from './builtin-specs';

/**
 * Turns adapter specs into the forms of the connections page, and what a form sends back into a
 * stored configuration: secret fields are split off (they go to the secret store, never to the
 * database), empty answers are dropped, and the spec's own schema has the last word.
 */

/**
 * Every source is matched to the site by the vendor's property / location ids (the sync engine
 * reads `config.propertyCodes`). Specs that do not ask for them get this field added.
 */
export const PROPERTY_CODES_FIELD: ConnectionFieldDto = {
  key: 'propertyCodes',
  label: 'Property codes',
  kind: 'text',
  placeholder: 'e.g. 100234, HV-01',
  help: "The source's ids for this building, comma-separated. Leave empty if the source holds this building only.",
};

/**
 * Plain-text settings that name the upstream host: the address is built from them
 * (https://<database>.appfolio.com, https://<subdomain>.entrata.com). URL settings need no entry.
 */
const HOST_NAMING_FIELDS: Record<ConnectionRole, Record<string, readonly string[]>> = {
  source: { appfolio: ['database'], entrata: ['subdomain'] },
  access: {},
};

function toFieldDto(f: ConfigField, hostNaming: readonly string[]): ConnectionFieldDto {
  return {
    key: f.key,
    label: f.label,
    kind: f.kind,
    ...(f.required ? { required: true } : {}),
    ...(f.help ? { help: f.help } : {}),
    ...(f.placeholder ? { placeholder: f.placeholder } : {}),
    ...(f.options ? { options: f.options.map((o) => ({ ...o })) } : {}),
    // Where the secrets are sent: a saved secret must not follow a change of it (see address-change.ts).
    ...(f.address || f.kind === 'url' || hostNaming.includes(f.key) ? { address: true } : {}),
  };
}

export function fieldsFor(role: ConnectionRole, kind: string): ConnectionFieldDto[] | null {
  const spec = role === 'source' ? sourceSpecFor(kind) : panelSpecFor(kind);
  if (!spec) return null;
  const hostNaming = Object.hasOwn(HOST_NAMING_FIELDS[role], kind) ? HOST_NAMING_FIELDS[role][kind] : [];
  const fields = spec.fields.map((f) => toFieldDto(f, hostNaming));
  // A spec that asks for its own property ids (under whatever name) maps them itself.
  if (role === 'source' && kind !== 'csv' && !fields.some((f) => /^property(codes|ids?)$/i.test(f.key))) fields.push({ ...PROPERTY_CODES_FIELD });
  return fields;
}

export function listKinds(): { sources: ConnectionKindDto[]; access: ConnectionKindDto[] } {
  const sources = Object.values(sourceSpecs).map((s) => ({
    role: 'source' as const,
    kind: s.kind,
    label: s.label,
    block: s.block,
    fields: fieldsFor('source', s.kind) ?? [],
    addable: !NOT_ADDABLE.has(s.kind),
  }));
  const access = Object.values(panelSpecs).map((s) => ({
    role: 'access' as const,
    kind: s.kind,
    label: s.label,
    block: null,
    fields: fieldsFor('access', s.kind) ?? [],
    addable: true,
  }));
  const byLabel = (a: ConnectionKindDto, b: ConnectionKindDto) => a.label.localeCompare(b.label);
  return { sources: sources.sort(byLabel), access: access.sort(byLabel) };
}

export interface PreparedConfig {
  config: Record<string, unknown>;
  secrets: Record<string, string>;
}

/**
 * Validates a form's answers for one kind. `base` is the stored configuration when editing:
 * settings the form does not show (the demo flag of an alarm panel, a CSV file name) survive.
 */
export function prepareConfig(
  role: ConnectionRole,
  kind: string,
  input: Record<string, unknown>,
  secrets: Record<string, string>,
  base: Record<string, unknown> = {},
): PreparedConfig {
  const spec = role === 'source' ? sourceSpecFor(kind) : panelSpecFor(kind);
  const fields = fieldsFor(role, kind);
  if (!spec || !fields) throw new ApiError('invalid_input', `Rollcall has no adapter for ${role === 'source' ? 'sources' : 'access systems'} of kind "${kind}".`);
  const secretKeys = new Set(fields.filter((f) => f.kind === 'secret').map((f) => f.key));
  const plainKeys = new Set(fields.filter((f) => f.kind !== 'secret').map((f) => f.key));

  const config: Record<string, unknown> = { ...base };
  for (const key of secretKeys) delete config[key];
  for (const [key, value] of Object.entries(input)) {
    // A secret typed into a plain setting would end up in the database: refuse it by name only.
    if (secretKeys.has(key)) throw new ApiError('invalid_input', `${labelOf(fields, key)} is a secret; send it with the secrets, not the settings.`);
    if (!plainKeys.has(key)) throw new ApiError('invalid_input', `"${key}" is not a setting of ${spec.label}.`);
    const clean = typeof value === 'string' ? value.trim() : value;
    if (clean === '' || clean === null || clean === undefined) delete config[key];
    else config[key] = clean;
  }
  if (typeof config.propertyCodes === 'string') {
    config.propertyCodes = config.propertyCodes.split(/[\s,;]+/).filter(Boolean);
  }
  if (Array.isArray(config.propertyCodes) && config.propertyCodes.length === 0) delete config.propertyCodes;

  const cleanSecrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(secrets)) {
    if (!secretKeys.has(key)) throw new ApiError('invalid_input', `"${key}" is not a secret of ${spec.label}.`);
    const v = value.trim();
    if (v !== '') cleanSecrets[key] = v;
  }

  for (const f of fields) {
    if (f.required && f.kind !== 'secret' && (config[f.key] === undefined || config[f.key] === '')) {
      throw new ApiError('invalid_input', `${f.label} is required.`, [`config.${f.key}: required`]);
    }
  }
  const parsed = spec.configSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const label = key ? labelOf(fields, key) : 'The settings';
    throw new ApiError('invalid_input', `${label}: ${issue?.message ?? 'not valid'}`, [`config.${key || '(input)'}: ${issue?.message ?? 'invalid'}`]);
  }
  return { config, secrets: cleanSecrets };
}

/** Required secrets still missing after merging what is stored with what was typed. */
export function missingSecrets(role: ConnectionRole, kind: string, have: Record<string, string>): string[] {
  return (fieldsFor(role, kind) ?? []).filter((f) => f.kind === 'secret' && f.required && !have[f.key]).map((f) => f.label);
}

function labelOf(fields: ConnectionFieldDto[], key: string): string {
  return fields.find((f) => f.key === key)?.label ?? key;
}
