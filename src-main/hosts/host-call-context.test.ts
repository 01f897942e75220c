import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { clientOverPipe, pipePair } from '../contract/rpc';
import { serveOverPipe } from '../contract/dispatch';
import { coresPerTest } from '../core/decisions/test-core';
import { hostCallContext } from './host-call-context';

const start = coresPerTest();

describe('the call context a host serves the core with', () => {
  it('carries the role and an actor the host made: the OS user, the role, and "browser" for the browser host', () => {
    const user = userInfo().username;
    expect(hostCallContext('electron', 'frontDesk')).toEqual({ role: 'frontDesk', actor: `${user} (front desk)` });
    expect(hostCallContext('electron', 'manager')).toEqual({ role: 'manager', actor: `${user} (manager)` });
    expect(hostCallContext('browser', 'manager')).toEqual({ role: 'manager', actor: `${user} (manager, browser)` });
  });

  it("puts the host's actor on a decision and its audit entry made over the pipe, and refuses one sent in the input", async () => {
    const t = await start();
    // As core-process.ts serves the browser host: a real pipe, JSON on the wire.
    const [hostEnd, coreEnd] = pipePair();
    const server = serveOverPipe(t.core.handlers, coreEnd, hostCallContext('browser', 'manager'));
    const client = clientOverPipe(hostEnd);
    const who = `${userInfo().username} (manager, browser)`;
    try {
      const [alert] = await t.alerts('name_mismatch');
      const forged = client.invoke('decisions.decide', { alertId: alert.id, resolution: 'dismiss', actor: 'manager Alice' } as never);
      await expect(forged).rejects.toMatchObject({ code: 'invalid_input' });

      const res = await client.invoke('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
      expect((await client.invoke('decisions.get', { decisionId: res.decisionId! })).actor).toBe(who);
      const audit = (await client.invoke('audit.list', {})).rows;
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ kind: 'decision', actor: who });
    } finally {
      server.close();
      client.close();
    }
  });
});
