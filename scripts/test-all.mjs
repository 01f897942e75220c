#!/usr/bin/env node
// `npm test`: typecheck, lint, unit tests, build, end-to-end tests in Chromium, in that order,
// stopping at the first failure, and ending with one "N passed, N failed" line for CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tmp = mkdtempSync(join(tmpdir(), 'rollcall-test-'));
const unitJson = join(tmp, 'unit.json');
const e2eJson = join(tmp, 'e2e.json');
const only = process.argv.slice(2); // e.g. `npm test -- unit e2e`

const steps = [
  ['typecheck', 'npm', ['run', '-s', 'typecheck']],
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['unit', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`]],
  ['build', 'npm', ['run', '-s', 'build']],
  ['e2e', 'npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson }],
];

let passed = 0;
let failed = 0;
let broken = null;
for (const [name, cmd, args, env] of steps) {
  if (only.length && !only.includes(name)) continue;
  console.log(`\n── ${name} ──`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (name === 'unit' && existsSync(unitJson)) {
    const j = JSON.parse(readFileSync(unitJson, 'utf8'));
    passed += j.numPassedTests ?? 0;
    failed += j.numFailedTests ?? 0;
  }
  if (name === 'e2e' && existsSync(e2eJson)) {
    const s = JSON.parse(readFileSync(e2eJson, 'utf8')).stats ?? {};
    passed += s.expected ?? 0;
    failed += (s.unexpected ?? 0) + (s.flaky ?? 0);
  }
  if (r.status !== 0) {
    broken = name;
    break;
  }
}
if (broken) console.log(`\nThe ${broken} step failed.`);
console.log(`\n${passed} passed, ${failed + (broken && failed === 0 ? 1 : 0)} failed`);
process.exit(broken ? 1 : 0);
