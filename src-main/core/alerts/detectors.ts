import { createHash } from 'node:crypto';
import type { AlertType } from '../../contract/dto';
import type {
  AccountSide,
  DetectedAlert,
  PairDetail,
  PersonSide,
  SharedEmailRecord,
  SourceSide,
} from './alert-detail';
import { diffFields, differingFields, displayName, emailKey, sameName } from './match';
import { sourceKey, type SiteSnapshot, type SnapshotAccount, type SnapshotHeld, type SnapshotPerson } from './site-snapshot';

/*
 * The four detectors, as pure functions of a site snapshot. Each condition gets a fingerprint
 * made only of stable ids (person, source record, access system, remote account, e-mail), never
 * run ids or positions, so the same condition maps to the same alert on every pass.
 */

/** Display name of our own stored record, for people that have no account to compare with. */
const OUR_RECORD = 'Rollcall';
/** Display name of the "source" of a person an admin added by hand. */
const MANUAL_SOURCE = 'Manual';

/**
 * One source record to compare: a person (with the held copy of their own record when the last
 * pass held a newer version back), or a held record that belongs to no person yet.
 */
interface Subject {
  key: string;
  person: SnapshotPerson | null;
  source: SourceSide;
  held: SnapshotHeld | null;
  ownAccounts: SnapshotAccount[];
}

type Counterpart = { kind: 'account'; account: SnapshotAccount } | { kind: 'person'; person: SnapshotPerson };

function hash(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
}

function nameOrPlaceholder(p: { firstName?: string | null; lastName?: string | null }): string {
  return displayName(p) || '(no name)';
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function detectConditions(snap: SiteSnapshot): Map<string, DetectedAlert> {
  const found = new Map<string, DetectedAlert>();
  const add = (alert: DetectedAlert) => {
    if (!found.has(alert.fingerprint)) found.set(alert.fingerprint, alert);
  };

  const accountsByPerson = new Map<string, SnapshotAccount[]>();
  const unlinkedByEmail = new Map<string, SnapshotAccount[]>();
  for (const a of snap.accounts) {
    if (a.personId) push(accountsByPerson, a.personId, a);
    else {
      const key = emailKey(a.email);
      if (key) push(unlinkedByEmail, key, a);
    }
  }
  const heldBySource = new Map<string, SnapshotHeld>();
  for (const h of snap.held) heldBySource.set(sourceKey(h.sourceConnectionId, h.externalId), h);

  const sourceName = (id: string | null) => (id ? (snap.sourceNames.get(id) ?? id) : MANUAL_SOURCE);
  const systemName = (id: string) => snap.accessSystemNames.get(id) ?? id;

  const fromPerson = (p: SnapshotPerson): SourceSide => ({
    personId: p.id,
    externalId: p.externalId,
    sourceConnectionId: p.sourceConnectionId,
    sourceName: sourceName(p.sourceConnectionId),
    held: false,
    firstName: p.firstName,
    lastName: p.lastName,
    email: p.email,
    phone: p.phone,
    unit: p.unit,
    status: p.status,
    type: p.type,
  });
  const fromHeld = (h: SnapshotHeld, personId: string | null): SourceSide => ({
    personId,
    externalId: h.externalId,
    sourceConnectionId: h.sourceConnectionId,
    sourceName: sourceName(h.sourceConnectionId),
    held: true,
    firstName: h.firstName,
    lastName: h.lastName,
    email: h.email,
    phone: h.phone,
    unit: h.unit,
    status: h.status,
    type: h.type,
  });
  const accountSide = (a: SnapshotAccount): AccountSide => ({
    accountId: a.id,
    remoteId: a.remoteId,
    accessSystemId: a.accessSystemId,
    accessSystemName: systemName(a.accessSystemId),
    personId: a.personId,
    firstName: a.firstName,
    lastName: a.lastName,
    email: a.email,
    phone: a.phone,
    suspended: a.suspended,
    version: a.version,
  });
  const personSide = (p: SnapshotPerson): PersonSide => ({
    personId: p.id,
    firstName: p.firstName,
    lastName: p.lastName,
    email: p.email,
    phone: p.phone,
  });
  const candidatesOf = (h: SnapshotHeld | null) => (h ? h.candidatePersonIds.filter((id) => snap.people.has(id)) : []);

  /** Builds one pair alert; `relevant` picks which fields a remembered dismissal watches. */
  const pairAlert = (
    type: AlertType,
    subject: Subject,
    other: Counterpart,
    title: (source: SourceSide, otherName: string, other: { firstName: string; lastName: string; email: string | null }) => string,
    relevant: (x: { firstName: string; lastName: string; email: string | null }) => unknown[],
  ): DetectedAlert => {
    const source = subject.source;
    const target = other.kind === 'account' ? other.account : other.person;
    const fields = diffFields(source, target);
    const detail: PairDetail = {
      source,
      account: other.kind === 'account' ? accountSide(other.account) : null,
      ...(other.kind === 'person' ? { person: personSide(other.person) } : {}),
      fields,
      differing: differingFields(fields),
    };
    const otherKey = other.kind === 'account' ? `${other.account.accessSystemId}:${other.account.remoteId}` : `person:${other.person.id}`;
    const otherName = other.kind === 'account' ? systemName(other.account.accessSystemId) : OUR_RECORD;
    const personIds = new Set<string>();
    if (source.personId) personIds.add(source.personId);
    for (const id of candidatesOf(subject.held)) personIds.add(id);
    if (other.kind === 'account' && other.account.personId) personIds.add(other.account.personId);
    if (other.kind === 'person') personIds.add(other.person.id);
    return {
      type,
      fingerprint: `${type}:${subject.key}:${otherKey}`,
      title: title(source, otherName, target),
      personIds: [...personIds],
      detail,
      recordsHash: hash([
        type,
        source.sourceConnectionId,
        source.externalId,
        ...relevant(source),
        otherKey,
        ...relevant(target),
      ]),
    };
  };

  const names = (x: { firstName: string; lastName: string }) => [x.firstName, x.lastName];
  const emails = (x: { email: string | null }) => [x.email];
  const identity = (x: { firstName: string; lastName: string; email: string | null }) => [x.firstName, x.lastName, x.email];

  const nameTitle = (s: SourceSide, otherName: string, o: { firstName: string; lastName: string }) =>
    `Name differs: ${s.sourceName} “${nameOrPlaceholder(s)}” vs ${otherName} “${nameOrPlaceholder(o)}”`;
  const emailTitle = (s: SourceSide, otherName: string, o: { email: string | null }) =>
    `Email differs for ${nameOrPlaceholder(s)}: ${s.sourceName} “${s.email ?? ''}” vs ${otherName} “${o.email ?? ''}”`;
  const duplicateTitle = (s: SourceSide) => `${nameOrPlaceholder(s)} is in the access system twice`;

  // Build the subjects: every person, then held records that belong to no person yet.
  const subjects: Subject[] = [];
  const coveredHeld = new Set<SnapshotHeld>();
  for (const p of snap.people.values()) {
    const own = p.sourceConnectionId && p.externalId ? heldBySource.get(sourceKey(p.sourceConnectionId, p.externalId)) : undefined;
    const held = own && (own.kind === 'name_mismatch' || own.kind === 'email_changed') ? own : null;
    if (held) coveredHeld.add(held);
    subjects.push({
      key: p.id,
      person: p,
      source: held ? fromHeld(held, p.id) : fromPerson(p),
      held,
      ownAccounts: accountsByPerson.get(p.id) ?? [],
    });
  }
  for (const h of snap.held) {
    if (coveredHeld.has(h) || (h.kind !== 'name_mismatch' && h.kind !== 'email_changed')) continue;
    const own: SnapshotAccount[] = [];
    for (const id of candidatesOf(h)) own.push(...(accountsByPerson.get(id) ?? []));
    subjects.push({
      key: `held:${h.sourceConnectionId}:${h.externalId}`,
      person: null,
      source: fromHeld(h, null),
      held: h,
      ownAccounts: own,
    });
  }

  for (const subject of subjects) {
    const { source, person, held, ownAccounts } = subject;
    const fromSource = person === null || person.sourceConnectionId !== null;
    const ownSystems = new Set(ownAccounts.map((a) => a.accessSystemId));
    const key = emailKey(source.email);
    // Unlinked accounts with this e-mail, in access systems where this record has no account:
    // the sync engine would otherwise create a second account for the same person there.
    const sameEmailUnlinked =
      fromSource && key ? (unlinkedByEmail.get(key) ?? []).filter((a) => !ownSystems.has(a.accessSystemId)) : [];

    for (const account of sameEmailUnlinked) {
      const other: Counterpart = { kind: 'account', account };
      if (person && sameName(source, account)) add(pairAlert('duplicate_accounts', subject, other, duplicateTitle, identity));
      else if (!sameName(source, account)) add(pairAlert('name_mismatch', subject, other, nameTitle, names));
    }
    // An account suspended while the person has an active one in the same system is retired
    // (e.g. "source is right" on an email mismatch, suspending the old account): it is history,
    // not a disagreement, and comparing it would raise alerts about an account nobody uses.
    const activeSystems = new Set(ownAccounts.filter((a) => !a.suspended).map((a) => a.accessSystemId));
    const compared = ownAccounts.filter((a) => !a.suspended || !activeSystems.has(a.accessSystemId));
    for (const account of compared) {
      const other: Counterpart = { kind: 'account', account };
      if (!sameName(source, account)) add(pairAlert('name_mismatch', subject, other, nameTitle, names));
      const accountKey = emailKey(account.email);
      // A missing e-mail on either side is a gap for sync to fill, not a conflict to resolve.
      if (key && accountKey && key !== accountKey) add(pairAlert('email_mismatch', subject, other, emailTitle, emails));
    }

    // A held record whose person(s) have no account yet: compare it with what we store, so the
    // reason it was held is still visible side by side.
    if (held && ownAccounts.length === 0) {
      const people = new Set<string>(candidatesOf(held));
      if (person) people.add(person.id);
      for (const id of people) {
        const other: Counterpart = { kind: 'person', person: snap.people.get(id)! };
        if (held.kind === 'name_mismatch' && !sameName(source, other.person)) {
          add(pairAlert('name_mismatch', subject, other, nameTitle, names));
        }
        const otherKey = emailKey(other.person.email);
        if (held.kind === 'email_changed' && key && otherKey && key !== otherKey) {
          add(pairAlert('email_mismatch', subject, other, emailTitle, emails));
        }
      }
    }
  }

  for (const alert of detectSharedEmails(snap, sourceName)) add(alert);
  return found;
}

/** duplicate_emails: one alert per shared address, listing every source record that uses it. */
function detectSharedEmails(snap: SiteSnapshot, sourceName: (id: string | null) => string): DetectedAlert[] {
  const heldByEmail = new Map<string, SnapshotHeld[]>();
  for (const h of snap.held) {
    if (h.kind !== 'duplicate_email') continue;
    const key = emailKey(h.email);
    if (key) push(heldByEmail, key, h);
  }
  if (heldByEmail.size === 0) return [];

  const personBySource = new Map<string, SnapshotPerson>();
  const sourcePeopleByEmail = new Map<string, SnapshotPerson[]>();
  for (const p of snap.people.values()) {
    if (!p.sourceConnectionId || !p.externalId) continue;
    personBySource.set(sourceKey(p.sourceConnectionId, p.externalId), p);
    const key = emailKey(p.email);
    if (key && heldByEmail.has(key)) push(sourcePeopleByEmail, key, p);
  }

  const alerts: DetectedAlert[] = [];
  for (const [email, held] of heldByEmail) {
    const records: SharedEmailRecord[] = [];
    const listed = new Set<string>();
    for (const h of held) {
      const k = sourceKey(h.sourceConnectionId, h.externalId);
      listed.add(k);
      records.push({
        externalId: h.externalId,
        sourceConnectionId: h.sourceConnectionId,
        sourceName: sourceName(h.sourceConnectionId),
        personId: personBySource.get(k)?.id ?? null,
        candidatePersonIds: h.candidatePersonIds.filter((id) => snap.people.has(id)),
        held: true,
        firstName: h.firstName,
        lastName: h.lastName,
        email: h.email ?? email,
      });
    }
    // People who synced with this address before it became shared are part of the problem too.
    for (const p of sourcePeopleByEmail.get(email) ?? []) {
      if (listed.has(sourceKey(p.sourceConnectionId!, p.externalId!))) continue;
      records.push({
        externalId: p.externalId!,
        sourceConnectionId: p.sourceConnectionId!,
        sourceName: sourceName(p.sourceConnectionId),
        personId: p.id,
        candidatePersonIds: [],
        held: false,
        firstName: p.firstName,
        lastName: p.lastName,
        email: p.email ?? email,
      });
    }
    records.sort(
      (a, b) =>
        a.sourceName.localeCompare(b.sourceName) ||
        a.sourceConnectionId.localeCompare(b.sourceConnectionId) ||
        a.externalId.localeCompare(b.externalId),
    );
    const personIds = new Set<string>();
    for (const r of records) {
      if (r.personId) personIds.add(r.personId);
      for (const id of r.candidatePersonIds) personIds.add(id);
    }
    const title =
      records.length > 1
        ? `${records.length} people share the email ${email}`
        : `${nameOrPlaceholder(records[0])}: the email ${email} is not unique`;
    alerts.push({
      type: 'duplicate_emails',
      fingerprint: `duplicate_emails:${email}`,
      title,
      personIds: [...personIds],
      detail: { email, records, differing: [] },
      recordsHash: hash([
        'duplicate_emails',
        ...records.map((r) => [r.sourceConnectionId, r.externalId, r.firstName, r.lastName, r.email]),
      ]),
    });
  }
  return alerts;
}
