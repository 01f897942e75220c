/**
 * The code of the checkpointer's worker thread (see wal-checkpointer.ts), run with
 * `new Worker(code, { eval: true })`. It is a string rather than a module of its own so that no
 * bundle (electron-vite's, the bench's) needs an extra entry: an eval'd worker is CommonJS, and
 * it loads better-sqlite3 from the absolute path its parent resolved.
 *
 * workerData: { driver: string, file: string, intervalMs: number, sizeLimit: number }
 * Messages out: { type: 'ready' } once the connection is open; { type: 'checkpointed' } after each
 * 'checkpoint' request; { type: 'caught-up' } when a checkpoint copied every frame of a WAL file
 * bigger than sizeLimit (sent before that request's 'checkpointed'). Messages in: 'checkpoint' (copy what can be copied now), 'stop'.
 * Any error is left uncaught on purpose: the parent sees the thread die and falls back to
 * checkpointing on the core's own connection.
 */
export const CHECKPOINTER_THREAD_CODE = String.raw`
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);

// Its own connection: a checkpoint needs no transaction, so it runs beside the core's reads and
// writes. fileMustExist: the core created the file; this thread never should.
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const walFile = workerData.file + '-wal';

// Size and mtime of the -wal file when a checkpoint last found every frame copied: while they
// stay the same nothing was committed since, and a tick costs one stat().
let caughtUpAt = '';

function tick(force) {
  let st;
  try {
    st = statSync(walFile);
  } catch {
    return; // no WAL file (yet, or any more): nothing to copy
  }
  const stamp = st.size + ':' + st.mtimeMs;
  if (stamp === caughtUpAt && !force) return;
  // PASSIVE never waits and never blocks the writer: it copies what no reader still needs.
  // busy = 1 when another connection holds the checkpoint lock; the next tick tries again.
  const r = checkpoint.get();
  caughtUpAt = !r.busy && r.log === r.checkpointed ? stamp : '';
  // Everything is copied, but the file is still as big as the last big pass left it: the core
  // cuts it back now, while it is idle, rather than in its next write (see wal-checkpointer.ts).
  if (caughtUpAt && r.log > 0 && st.size > workerData.sizeLimit) parentPort.postMessage({ type: 'caught-up' });
}

const timer = setInterval(() => tick(false), workerData.intervalMs);
// The message port keeps this thread alive until 'stop'; the timer alone never should.
timer.unref();
parentPort.on('message', (m) => {
  if (m === 'checkpoint') {
    tick(true);
    parentPort.postMessage({ type: 'checkpointed' });
    return;
  }
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage({ type: 'ready' });
`;
