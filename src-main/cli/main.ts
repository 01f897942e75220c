/** Entry of the built CLI (out/main/cli.js); `npm run cli` builds and runs it. */
import { CliError, runCli } from './run-cli';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof CliError ? err.message : `Error: ${(err as Error).message}`);
    process.exit(1);
  },
);
