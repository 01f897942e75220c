/** Entry of the built CLI (out/main/cli.js); `npm run cli` builds and runs it. */
import { CliError, runCli } from './run-cli';

/** Exits only once stdout has drained: a piped `--json` answer must arrive whole. */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

runCli(process.argv.slice(2)).then(exitWhenFlushed, (err) => {
  console.error(err instanceof CliError ? err.message : `Error: ${(err as Error).message}`);
  exitWhenFlushed(1);
});
