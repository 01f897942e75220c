import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: ['src-main/core/sync/zz-perf-probe.test.ts'], pool: 'forks', execArgv: ['--cpu-prof', '--cpu-prof-dir=/tmp/sx/prof'] } as never });
