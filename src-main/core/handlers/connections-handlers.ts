import { randomUUID } from 'node:crypto';
import type { Handlers } from '../../contract/rpc';
import type { connectionsCalls, ConnectionTestResult } from '../../contract/calls/connections';
import { ApiError } from '../../contract/errors';
import type { TestResult } from '../adapters/types';
import { ConnectionSecrets, scrubSecrets } from '../secrets/connection-secrets';
import { fieldsFor, listKinds, missingSecrets, prepareConfig } from '../connections/config-form';
import { assertSecretsStayWithAddress, keptSecrets } from '../connections/address-change';
import { asAccessSystem, asSourceConnection, kindLabel, listStoredConnections, readConnection, toConnectionDto } from '../connections/connection-store';
import type { StoredConnection } from '../connections/connection-store';
import type { ConnectionRole } from '../../contract/calls/connections';
import { diffSettings, inSentence, keyLabel, recordChange, scrubValue } from '../audit/change-audit';
import type { ChangeRow } from '../audit/change-audit';
import { sourceSpecFor } from '../adapters/registry';
import { listDeliveries } from '../connections/deliveries';
import { resyncPerson } from '../connections/resync';
import { callActor, requireSite } from './core-context';
import type { CoreContext } from './core-context';

/** A live test gets this long in all, retries included, before we say the system did not answer. */
const TEST_TIMEOUT_MS = 30_000;

/*
 * The audit side of the connections page: what an entry says about a connection. Settings are named
 * by their form labels, with values before and after; secrets only ever by their labels.
 */

/** Plain settings in the order the form shows them, then any the form does not show (a CSV file name). */
function settingKeys(role: ConnectionRole, kind: string, ...configs: Record<string, unknown>[]): string[] {
  const fields = (fieldsFor(role, kind) ?? []).filter((f) => f.kind !== 'secret').map((f) => f.key);
  return [...new Set([...fields, ...configs.flatMap((c) => Object.keys(c))])];
}

function labelOf(role: ConnectionRole, kind: string, key: string): string {
  return fieldsFor(role, kind)?.find((f) => f.key === key)?.label ?? keyLabel(key);
}

/** "Seam access system", "Yardi source" (a label's list of brands in brackets left out). */
function kindWords(role: ConnectionRole, kind: string): string {
  return `${kindLabel(role, kind).replace(/\s*\(.*\)$/, '')} ${role === 'source' ? 'source' : 'access system'}`;
}

/** "Connection 'Doors' updated: name, API address; secrets changed: API key". */
function sentence(head: string, settings: string[], secretsWord: string, secretLabels: string[]): string {
  const parts = [...(settings.length ? [settings.join(', ')] : []), ...(secretLabels.length ? [`${secretsWord}: ${secretLabels.join(', ')}`] : [])];
  return parts.length ? `${head}: ${parts.join('; ')}` : head;
}

/**
 * The connections page and per-person re-sync. Secrets come in through add / update / test and
 * go straight to the secret store; nothing here ever returns or logs one (the DTOs carry only
 * which secret fields are set).
 */
export function connectionsHandlers(ctx: CoreContext): Pick<Handlers, keyof typeof connectionsCalls> {
  const { sqlite } = ctx.db;
  const secrets = ctx.upstreams.secrets;

  const dto = (c: StoredConnection) => toConnectionDto(sqlite, c, secrets);
  const mustRead = (id: string) => {
    const c = readConnection(sqlite, id);
    if (!c) throw new ApiError('not_found', 'That connection does not exist (it may have been removed).');
    return c;
  };
  /** Which secrets to ask for when the saved ones cannot be read: the required ones, or all. */
  const secretKeysToRetype = (c: StoredConnection) => {
    const all = (fieldsFor(c.role, c.kind) ?? []).filter((f) => f.kind === 'secret');
    const required = all.filter((f) => f.required);
    return (required.length ? required : all).map((f) => f.key);
  };
  const changed = (siteId: string) => {
    ctx.events.emit('sites.changed', {});
    ctx.events.emit('people.changed', { siteId });
  };

  const runTest = async (test: () => Promise<TestResult>): Promise<ConnectionTestResult> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<TestResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, message: `No answer within ${TEST_TIMEOUT_MS / 1000} seconds.` }), TEST_TIMEOUT_MS);
      });
      const result = await Promise.race([test(), timeout]);
      return { ok: result.ok, message: scrubSecrets(result.message, secrets.allValues()), at: ctx.now().toISOString() };
    } catch (err) {
      // Building the adapter can fail too (a missing key, a bad address): that is a test result, not an error.
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, message: scrubSecrets(message, secrets.allValues()), at: ctx.now().toISOString() };
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    'connections.kinds': () => ({ ...listKinds(), secretStorage: secrets.store.describe() }),

    'connections.list': (input) => {
      requireSite(ctx, input.siteId);
      const { sources, access } = listStoredConnections(sqlite, input.siteId);
      return { siteId: input.siteId, sources: sources.map(dto), access: access.map(dto), secretStorage: secrets.store.describe() };
    },

    'connections.add': async (input, call) => {
      requireSite(ctx, input.siteId);
      if (input.role === 'source' && input.kind === 'csv') {
        throw new ApiError('invalid_input', 'A CSV source is made by importing a file, not added here.');
      }
      const prepared = prepareConfig(input.role, input.kind, input.config, input.secrets);
      const missing = missingSecrets(input.role, input.kind, prepared.secrets);
      if (missing.length) throw new ApiError('invalid_input', `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required.`);
      const id = randomUUID();
      const ref = Object.keys(prepared.secrets).length ? ConnectionSecrets.refFor(id) : null;
      // Secrets first: if the store refuses them, nothing half-made is left in the database.
      if (ref) await secrets.save(ref, prepared.secrets);
      const at = ctx.now().toISOString();
      const known = [...secrets.allValues(), ...Object.values(prepared.secrets)];
      const clean = (v: string | null) => scrubValue(v, known);
      // Values are scrubbed of every known secret (and any address password) as they are diffed.
      const settings = diffSettings({}, prepared.config, settingKeys(input.role, input.kind, prepared.config), (k) => labelOf(input.role, input.kind, k), known);
      const secretLabels = Object.keys(prepared.secrets).map((k) => labelOf(input.role, input.kind, k));
      try {
        // The connection and its audit entry commit together.
        sqlite.transaction(() => {
          if (input.role === 'source') {
            const block = sourceSpecFor(input.kind)?.block ?? 'integrations';
            sqlite
              .prepare(
                `INSERT INTO source_connection (id, site_id, kind, block, name, enabled, config, secret_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              )
              .run(id, input.siteId, input.kind, block, input.name, input.enabled ? 1 : 0, JSON.stringify(prepared.config), ref, at);
          } else {
            sqlite
              .prepare(`INSERT INTO access_system (id, site_id, kind, name, enabled, config, secret_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
              .run(id, input.siteId, input.kind, input.name, input.enabled ? 1 : 0, JSON.stringify(prepared.config), ref, at);
          }
          const name = clean(input.name) ?? '';
          recordChange(sqlite, {
            siteId: input.siteId,
            at,
            actor: callActor(ctx, call),
            action: 'connection-added',
            target: name,
            message: sentence(
              `Connection '${name}' added (${kindWords(input.role, input.kind)}${input.enabled ? '' : ', turned off'})`,
              settings.map((r) => inSentence(r.label)),
              'secrets set',
              secretLabels,
            ),
            detail: { subject: 'connection', connectionId: id, role: input.role, kind: input.kind, enabled: input.enabled, changes: settings, secretsChanged: secretLabels },
          });
        })();
      } catch (err) {
        if (ref) await secrets.remove(ref).catch(() => undefined);
        throw err;
      }
      changed(input.siteId);
      return dto(mustRead(id));
    },

    'connections.update': async (input, call) => {
      const c = mustRead(input.id);
      const typed = input.secrets ?? {};
      const prepared = prepareConfig(c.role, c.kind, input.config ?? {}, typed, c.config);
      const secretsChanged = Object.keys(prepared.secrets).length > 0 || (input.clearSecrets ?? []).length > 0;
      // Before anything is saved: a saved secret never follows the connection to a new address.
      // Secrets that cannot be read stay in the store unless this edit replaces them, so a move
      // then needs the secrets typed again, whichever were saved.
      const unreadable = secrets.failure(c.secretRef) !== null && !secretsChanged;
      const saved = unreadable ? secretKeysToRetype(c) : secrets.keysSet(c.secretRef);
      assertSecretsStayWithAddress(c.role, c.kind, c.config, prepared.config, keptSecrets(saved, Object.keys(prepared.secrets), input.clearSecrets));
      const stored = secrets.peek(c.secretRef);
      const merged = { ...stored, ...prepared.secrets };
      for (const key of input.clearSecrets ?? []) delete merged[key];

      // What the audit entry says changed, worked out before the old secrets leave the store.
      const known = [...secrets.allValues(), ...Object.values(stored), ...Object.values(prepared.secrets)];
      const clean = (v: string | null) => scrubValue(v, known);
      const name = input.name ?? c.name;
      const enabled = input.enabled ?? c.enabled;
      const settings: ChangeRow[] = [
        ...(name !== c.name ? [{ key: 'name', label: 'Name', from: clean(c.name), to: clean(name) }] : []),
        ...diffSettings(c.config, prepared.config, settingKeys(c.role, c.kind, c.config, prepared.config), (k) => labelOf(c.role, c.kind, k), known),
      ];
      // A secret typed again with the value it already had is not a change; one that cannot be read is.
      const replaced = Object.entries(prepared.secrets).filter(([k, v]) => unreadable || stored[k] !== v).map(([k]) => k);
      const cleared = (input.clearSecrets ?? []).filter((k) => saved.includes(k) && !(k in prepared.secrets));
      const secretLabels = [...new Set([...replaced, ...cleared])].map((k) => labelOf(c.role, c.kind, k));

      let ref = c.secretRef;
      // What the store held under the new ref before this edit, to put back if the edit is not saved.
      const newRef = ConnectionSecrets.refFor(c.id);
      const before = c.secretRef === newRef && secrets.failure(c.secretRef) === null ? stored : {};
      if (secretsChanged) {
        ref = newRef;
        await secrets.save(ref, merged);
        if (Object.keys(merged).length === 0) ref = null;
      }
      const table = c.role === 'source' ? 'source_connection' : 'access_system';
      const save = sqlite.transaction(() => {
        sqlite.prepare(`UPDATE ${table} SET name = ?, enabled = ?, config = ?, secret_ref = ? WHERE id = ?`).run(name, enabled ? 1 : 0, JSON.stringify(prepared.config), ref, c.id);
        const switched = enabled !== c.enabled;
        if (!switched && !settings.length && !secretLabels.length) return;
        const target = clean(name) ?? '';
        const onOff = enabled ? 'turned on' : 'turned off';
        const onlySwitched = switched && !settings.length && !secretLabels.length;
        recordChange(sqlite, {
          siteId: c.siteId,
          at: ctx.now().toISOString(),
          actor: callActor(ctx, call),
          action: onlySwitched ? `connection-${onOff.replace(' ', '-')}` : 'connection-updated',
          target,
          message: onlySwitched
            ? `Connection '${target}' ${onOff}`
            : sentence(`Connection '${target}' updated`, [...(switched ? [onOff] : []), ...settings.map((r) => inSentence(r.label))], 'secrets changed', secretLabels),
          detail: {
            subject: 'connection',
            connectionId: c.id,
            role: c.role,
            kind: c.kind,
            changes: [...(switched ? [{ key: 'enabled', label: 'Status', from: c.enabled ? 'on' : 'off', to: enabled ? 'on' : 'off' }] : []), ...settings],
            secretsChanged: secretLabels,
          },
        });
      });
      try {
        save();
      } catch (err) {
        // The database still has the old address: the secrets typed for the new one must not stay
        // where the next request to the old address would pick them up.
        if (secretsChanged) await secrets.save(newRef, before).catch(() => undefined);
        throw err;
      }
      changed(c.siteId);
      return dto(mustRead(c.id));
    },

    'connections.test': async (input) => {
      if (!('siteId' in input)) {
        const c = mustRead(input.id);
        return runTest(() => (c.role === 'source' ? ctx.upstreams.sourceFor(asSourceConnection(c)) : ctx.upstreams.panelFor(asAccessSystem(c))).test());
      }
      requireSite(ctx, input.siteId);
      // Editing a saved connection: the secrets not typed again are the stored ones.
      const saved = input.id ? readConnection(sqlite, input.id) : null;
      const base = saved && saved.kind === input.kind && saved.role === input.role ? saved : null;
      const prepared = prepareConfig(input.role, input.kind, input.config, input.secrets, base?.config ?? {});
      // The form's address may differ from the saved one: the saved secrets are not tried there.
      if (base) assertSecretsStayWithAddress(base.role, base.kind, base.config, prepared.config, keptSecrets(secrets.keysSet(base.secretRef), Object.keys(prepared.secrets)));
      const merged = { ...(base ? secrets.peek(base.secretRef) : {}), ...prepared.secrets };
      const name = input.name ?? base?.name ?? 'this connection';
      return runTest(() =>
        (input.role === 'source'
          ? ctx.upstreams.sourceFromDraft(input.kind, name, prepared.config, merged)
          : ctx.upstreams.panelFromDraft(input.kind, name, prepared.config, merged)
        ).test(),
      );
    },

    'connections.remove': async (input, call) => {
      const c = mustRead(input.id);
      let peopleKept = 0;
      sqlite.transaction(() => {
        if (c.role === 'source') {
          // The people stay (a source going away is not those people leaving): the foreign key
          // unlinks them, so they show as added by hand and no later pass disables them.
          peopleKept = Number(sqlite.prepare('SELECT count(*) FROM person WHERE source_connection_id = ?').pluck().get(c.id));
          sqlite.prepare('DELETE FROM source_connection WHERE id = ?').run(c.id);
        } else {
          // Its mirrored accounts and delivery states go with it; the people stay.
          sqlite.prepare('DELETE FROM access_system WHERE id = ?').run(c.id);
        }
        const name = scrubValue(c.name, secrets.allValues()) ?? '';
        const kept = peopleKept ? ` (the ${peopleKept.toLocaleString('en-US')} ${peopleKept === 1 ? 'person' : 'people'} it brought in stay, no longer synced)` : '';
        recordChange(sqlite, {
          siteId: c.siteId,
          at: ctx.now().toISOString(),
          actor: callActor(ctx, call),
          action: 'connection-removed',
          target: name,
          message: `Connection '${name}' removed${kept}`,
          detail: { subject: 'connection', connectionId: c.id, role: c.role, kind: c.kind, peopleKept },
        });
      })();
      if (c.secretRef) await secrets.remove(c.secretRef).catch(() => undefined);
      changed(c.siteId);
      return { removed: true, peopleKept };
    },

    // Refusals (a removed person or system, another site's system) are typed errors from
    // resyncPerson itself, which never leaves a rejection unhandled.
    'people.resync': (input) => resyncPerson(ctx, input.personId, input.accessSystemId),

    'people.deliveries': (input) => listDeliveries(sqlite, input.personId),
  };
}
