import type { CallInput, CallName, CallOutput } from '../../contract/api';
import type { AuditEntryDto } from '../../contract/calls/decisions';
import type { Role } from '../../contract/define';
import { dispatch } from '../../contract/dispatch';
import type { Core } from '../core';

/*
 * Test-only helpers for the change audit: calls made as a named host actor (the way a host's call
 * context names the person at the keyboard), and the audit table read back whole.
 */

export type ActorCall = <K extends CallName>(name: K, input: CallInput<K>, role?: Role) => Promise<CallOutput<K>>;

export function callAs(core: Core, actor: string): ActorCall {
  return async (name, input, role = 'manager') => {
    const out = await dispatch(core.handlers, name, input, { role, actor });
    if (!out.ok) throw Object.assign(new Error(out.error.message), out.error);
    return out.result as CallOutput<typeof name>;
  };
}

/** Every change entry, oldest first, as the Audit screen gets them. */
export async function changeEntries(call: ActorCall): Promise<AuditEntryDto[]> {
  const page = await call('audit.list', { limit: 1000 });
  return page.rows.filter((r) => r.kind === 'change').reverse();
}

export function auditCount(core: Core): number {
  return core.db.sqlite.prepare('SELECT count(*) FROM audit_entry').pluck().get() as number;
}

/** The whole audit table as text, every column of every row: a secret must be nowhere in it. */
export function auditTableText(core: Core): string {
  return JSON.stringify(core.db.sqlite.prepare('SELECT * FROM audit_entry').all());
}
