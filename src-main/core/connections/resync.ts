import { createHash, randomUUID } from 'node:crypto';
import type { DeliveryDto, ResyncResult } from '../../contract/calls/connections';
import { ApiError } from '../../contract/errors';
import type { PersonDetail } from '../../contract/dto';
import type { AccessPanel, AccountInput, RemoteAccount } from '../adapters/types';
import type { CoreContext } from '../handlers/core-context';
import { getPerson } from '../people/people-queries';
import { scrubSecrets } from '../secrets/connection-secrets';
import { asAccessSystem, readConnection } from './connection-store';
import type { StoredConnection } from './connection-store';
import { readDelivery, writeDelivery } from './deliveries';
import { accessAccountUpsert } from '../access/access-account-upsert';

/**
 * Per-person re-sync: push one person's current state to one access system, now.
 *
 * Idempotent by construction: with no linked account we create one (or, if access is off, do
 * nothing); with one we change only the fields that differ and suspend or resume to match
 * access. Pushing twice in a row therefore changes nothing the second time. Each push carries
 * idempotency keys that stay the same until the push succeeds, so a retry after a lost answer
 * can never make a second account.
 */

const inFlight = new Map<string, Promise<ResyncResult>>();

export function resyncPerson(ctx: CoreContext, personId: string, accessSystemId: string): Promise<ResyncResult> {
  const key = `${personId}|${accessSystemId}`;
  // Two clicks on Sync for the same person and system: the second waits for the first, then
  // runs against what the first left behind (and so finds nothing to change).
  const before = inFlight.get(key) ?? Promise.resolve(null);
  const run = before.catch(() => null).then(() => push(ctx, personId, accessSystemId));
  inFlight.set(key, run);
  // then(done, done), not finally(): finally() returns a promise that rejects with the push, and
  // nobody would handle that one (an unhandled rejection ends the core process).
  const done = () => {
    if (inFlight.get(key) === run) inFlight.delete(key);
  };
  run.then(done, done);
  return run;
}

interface LinkedRow {
  remote_id: string;
}

async function push(ctx: CoreContext, personId: string, accessSystemId: string): Promise<ResyncResult> {
  const { sqlite } = ctx.db;
  const person = getPerson(sqlite, personId);
  const system = readConnection(sqlite, accessSystemId);
  if (!system || system.role !== 'access') throw new ApiError('not_found', 'That access system does not exist (it may have been removed).');
  if (system.siteId !== person.siteId) throw new ApiError('invalid_input', `${system.name} belongs to another site than ${fullName(person)}.`);

  const prior = readDelivery(sqlite, personId, accessSystemId);
  // Keep the nonce of a push that has not succeeded yet, so its retry repeats the same requests.
  const nonce = prior && prior.state !== 'applied' && prior.idempotencyKey ? prior.idempotencyKey : randomUUID();
  const startedAt = ctx.now().toISOString();
  writeDelivery(sqlite, { personId, accessSystemId, siteId: system.siteId, state: 'pending', reason: null, at: startedAt, remoteId: prior?.remoteId ?? null, idempotencyKey: nonce });
  ctx.events.emit('people.changed', { siteId: system.siteId });

  try {
    if (!system.enabled) throw new Error(`${system.name} is turned off on the connections page.`);
    const panel = ctx.upstreams.panelFor(asAccessSystem(system));
    const outcome = await pushTo(ctx, panel, system, person, nonce);
    const at = ctx.now().toISOString();
    writeDelivery(sqlite, { personId, accessSystemId, siteId: system.siteId, state: 'applied', reason: outcome.summary, at, remoteId: outcome.remoteId, idempotencyKey: null });
    logActivity(ctx, person, system, outcome.changed ? 'updated' : 'processed', 'resync', `Re-synced to ${system.name} by hand: ${outcome.summary}`, outcome.remoteId);
    ctx.events.emit('people.changed', { siteId: system.siteId });
    return {
      ok: true,
      message: `Key re-synced to ${system.name}`,
      delivery: deliveryDto(ctx, person.id, system),
    };
  } catch (err) {
    const reason = scrubSecrets(err instanceof Error ? err.message : String(err), ctx.upstreams.secrets.allValues());
    const at = ctx.now().toISOString();
    writeDelivery(sqlite, { personId, accessSystemId, siteId: system.siteId, state: 'failed', reason, at, remoteId: prior?.remoteId ?? null, idempotencyKey: nonce });
    logActivity(ctx, person, system, 'error', 'resync_failed', `Re-sync to ${system.name} failed: ${reason}`, prior?.remoteId ?? null);
    ctx.events.emit('people.changed', { siteId: system.siteId });
    return { ok: false, message: `Could not re-sync to ${system.name}: ${reason}`, delivery: deliveryDto(ctx, person.id, system) };
  }
}

interface PushOutcome {
  remoteId: string | null;
  summary: string;
  changed: boolean;
}

async function pushTo(ctx: CoreContext, panel: AccessPanel, system: StoredConnection, person: PersonDetail, nonce: string): Promise<PushOutcome> {
  const { sqlite } = ctx.db;
  const keyFor = (op: string, payload: unknown) => `rc-${nonce}-${op}-${createHash('sha256').update(JSON.stringify(payload ?? null)).digest('hex').slice(0, 12)}`;
  const desired: AccountInput = {
    firstName: person.firstName,
    lastName: person.lastName,
    email: person.email,
    phone: person.phone,
    externalRef: person.externalId ?? person.id,
  };
  const wantSuspended = !person.accessEnabled;

  let account: RemoteAccount | null = null;
  const linked = sqlite
    .prepare<[string, string], LinkedRow>(`SELECT remote_id FROM access_account WHERE access_system_id = ? AND person_id = ? ORDER BY last_seen_at DESC`)
    .all(system.id, person.id);
  for (const row of linked) {
    account = await panel.get(row.remote_id);
    if (account) break;
    // Deleted in the access system since we last looked: our mirror row is stale.
    sqlite.prepare('DELETE FROM access_account WHERE access_system_id = ? AND remote_id = ?').run(system.id, row.remote_id);
  }

  if (!account) {
    if (wantSuspended) {
      return { remoteId: null, summary: `access is off, so no account was created`, changed: false };
    }
    const created = await panel.create(desired, { idempotencyKey: keyFor('create', desired) });
    // An access system without a field for our reference finds a person's account again by email
    // or name, and so may hand back one that already belongs to someone else here (two people
    // sharing an email). Taking it over would make this person's pushes suspend or change the
    // other's access: refuse, and leave the link where it is.
    const holder = sqlite
      .prepare<[string, string, string], { first_name: string; last_name: string }>(
        `SELECT p.first_name, p.last_name FROM access_account a JOIN person p ON p.id = a.person_id
         WHERE a.access_system_id = ? AND a.remote_id = ? AND a.person_id <> ?`,
      )
      .get(system.id, created.remoteId, person.id);
    if (holder) {
      throw new Error(
        `${system.name} already has an account with these details (${created.remoteId}), and it belongs to ${fullName({ firstName: holder.first_name, lastName: holder.last_name })}; one account cannot serve two people, so nothing was changed. Give each of them their own email.`,
      );
    }
    mirror(ctx, system, person.id, created);
    return { remoteId: created.remoteId, summary: 'account created', changed: true };
  }

  const done: string[] = [];
  const notes: string[] = [];
  const patch: Partial<AccountInput> = {};
  if (account.firstName !== desired.firstName) patch.firstName = desired.firstName;
  if (account.lastName !== desired.lastName) patch.lastName = desired.lastName;
  if (normal(account.email) !== normal(desired.email)) patch.email = desired.email;
  if (normal(account.phone) !== normal(desired.phone)) patch.phone = desired.phone;
  if (account.externalRef === null) patch.externalRef = desired.externalRef;
  const changedFields = Object.keys(patch).filter((k) => k !== 'externalRef');
  if (Object.keys(patch).length) {
    account = await panel.update(account.remoteId, patch, { idempotencyKey: keyFor('update', { patch, version: account.version }), ifVersion: account.version });
    // Report what the account now holds, not what was asked: some systems cannot clear a value.
    const after = account;
    const sameName = normal(`${after.firstName} ${after.lastName}`).replace(/\s+/g, ' ') === normal(`${desired.firstName} ${desired.lastName}`).replace(/\s+/g, ' ');
    const holds = (k: string) =>
      k === 'firstName' || k === 'lastName' ? sameName : normal(after[k as 'email' | 'phone']) === normal(desired[k as 'email' | 'phone']);
    const updated = changedFields.filter(holds);
    const kept = changedFields.filter((k) => !holds(k));
    if (updated.length) done.push(`updated ${updated.map((k) => FIELD_WORDS[k] ?? k).join(', ')}`);
    if (kept.length) notes.push(`${system.name} kept its own ${kept.map((k) => FIELD_WORDS[k] ?? k).join(', ')} (it could not be ${kept.every((k) => desired[k as keyof AccountInput] === null) ? 'cleared' : 'changed'} from here)`);
  }
  if (account.suspended !== wantSuspended) {
    const wo = { idempotencyKey: keyFor(wantSuspended ? 'suspend' : 'resume', { remoteId: account.remoteId, version: account.version }), ifVersion: account.version };
    account = wantSuspended ? await panel.suspend(account.remoteId, wo) : await panel.resume(account.remoteId, wo);
    done.push(wantSuspended ? 'suspended (access is off)' : 'resumed');
  }
  mirror(ctx, system, person.id, account);
  return { remoteId: account.remoteId, summary: [...(done.length ? done : ['already up to date']), ...notes].join('; '), changed: done.length > 0 };
}

const FIELD_WORDS: Record<string, string> = { firstName: 'first name', lastName: 'last name', email: 'email', phone: 'phone' };

function normal(v: string | null | undefined): string {
  return (v ?? '').trim().toLowerCase();
}

/** Keeps our copy of the account in step with what the access system just told us. */
function mirror(ctx: CoreContext, system: StoredConnection, personId: string, a: RemoteAccount) {
  accessAccountUpsert(ctx.db.sqlite)(system, a, personId, ctx.now().toISOString());
}

function logActivity(
  ctx: CoreContext,
  person: PersonDetail,
  system: StoredConnection,
  outcome: 'updated' | 'processed' | 'error',
  reasonCode: string,
  reason: string,
  remoteId: string | null,
) {
  // No run id: a re-sync by hand is not part of a pass, and "why?" reads passes only.
  ctx.db.sqlite
    .prepare(
      `INSERT INTO activity_entry (site_id, run_id, at, outcome, person_id, person_name, external_id, source_connection_id, reason_code, reason, detail)
       VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      person.siteId,
      ctx.now().toISOString(),
      outcome,
      person.id,
      fullName(person),
      person.externalId,
      person.sourceConnectionId,
      reasonCode,
      reason,
      JSON.stringify({ action: 'resync', accessSystemId: system.id, accessSystemName: system.name, remoteId }),
    );
  ctx.events.emit('activity.appended', { siteId: person.siteId, count: 1 });
}

function deliveryDto(ctx: CoreContext, personId: string, system: StoredConnection): DeliveryDto {
  const d = readDelivery(ctx.db.sqlite, personId, system.id);
  return {
    accessSystemId: system.id,
    accessSystemName: system.name,
    kind: system.kind,
    state: d?.state ?? null,
    reason: d?.reason ?? null,
    at: d?.at ?? null,
    remoteId: d?.remoteId ?? null,
  };
}

function fullName(p: { firstName: string; lastName: string }): string {
  return `${p.firstName} ${p.lastName}`.trim() || 'This person';
}
