// A tiny stand-in for core-process.js in supervisor tests: a real Node process speaking the
// RpcMessage protocol over the IPC channel, with calls that let a test crash or stall it.
const args = process.argv.slice(2);
const send = (m) => process.connected && process.send(m);

process.on('message', (msg) => {
  if (!msg || msg.t !== 'req') return;
  const reply = (result) => send({ t: 'res', id: msg.id, ok: true, result });
  switch (msg.name) {
    case 'test.echo':
      return reply({ echoed: msg.args, pid: process.pid });
    case 'test.missing':
      return send({ t: 'res', id: msg.id, ok: false, error: { code: 'not_found', message: 'No such thing.' } });
    case 'test.slow':
      return void setTimeout(() => reply('late'), msg.args.ms);
    case 'test.emit':
      send({ t: 'evt', name: 'alerts.changed', payload: { siteId: 's1', open: 7 } });
      return reply(null);
    case 'test.crash':
      return process.exit(3);
    default:
      return send({ t: 'res', id: msg.id, ok: false, error: { code: 'unknown_call', message: msg.name } });
  }
});

// --fail-start <json>: say why it could not start (as core-process.ts does), then exit 1.
if (args.includes('--fail-start')) {
  const failure = JSON.parse(args[args.indexOf('--fail-start') + 1]);
  process.send(failure, () => process.exit(1));
} else if (!args.includes('--never-ready')) {
  const delay = Number(args[args.indexOf('--ready-after') + 1] || 0);
  setTimeout(() => send({ t: 'evt', name: 'core.ready', payload: { version: 'test' } }), delay);
}
// Keep the process alive while the channel is open (the IPC channel alone would do, but be explicit).
setInterval(() => {}, 1 << 30);
