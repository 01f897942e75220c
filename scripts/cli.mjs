#!/usr/bin/env node
// `npm run cli -- <command>`: the headless CLI, built on demand, on the same core and database.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, root } from './ensure-build.mjs';

ensureBuilt({ quiet: true });
const child = spawn(process.execPath, [join(root, 'out/main/cli.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
