import { fork } from 'node:child_process';
import { CORE_EXEC_ARGV } from './core-process-flags';
import type { CoreProcess } from './core-supervisor';

/** The core in a Node child process: the browser host's counterpart of Electron's utilityProcess. */
export function childCoreProcess(entry: string, args: string[]): CoreProcess {
  const child = fork(entry, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: CORE_EXEC_ARGV });
  return {
    send: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => child.once('exit', (code) => cb(code)),
    kill: () => child.kill('SIGTERM'),
  };
}
