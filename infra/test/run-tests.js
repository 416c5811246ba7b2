#!/usr/bin/env node
'use strict';
/**
 * `npm test`: builds what the end-to-end tests start (services, web), then runs every jest
 * test (unit, integration against real Redis/PostgreSQL/S3/SMTP, browser), and ends with one
 * plain summary line. Lint (ESLint + Prettier) runs first when the whole suite runs. Extra
 * arguments go to jest (e.g. `npm test -- shared/src/worker`) and skip the lint.
 * ARKIVE_TEST_SKIP_BUILD=1 / ARKIVE_TEST_SKIP_LINT=1 skip those steps locally.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');
process.chdir(root);
const args = process.argv.slice(2);

if (!process.env.ARKIVE_TEST_SKIP_BUILD) {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('build failed; not running tests');
    process.exit(build.status || 1);
  }
}

// Guardrails first: typed ESLint rules (floating promises, exhaustive switches, ...) and Prettier.
if (!process.env.ARKIVE_TEST_SKIP_LINT && args.length === 0) {
  const lint = spawnSync('npm', ['run', 'lint', '--silent'], { stdio: 'inherit' });
  if (lint.status !== 0) {
    console.error('lint failed (npm run lint; npm run format fixes formatting); not running tests');
    console.log('tests: 0 passed, 1 failed');
    process.exit(lint.status || 1);
  }
}

const out = path.join(os.tmpdir(), `arkive-jest-${process.pid}.json`);
const jest = spawnSync(
  process.execPath,
  [
    require.resolve('jest/bin/jest'),
    ...(process.env.CI ? ['--ci'] : []),
    // Integration tests close their clients, but a socket in the middle of a failed reconnect can
    // outlive them by a few seconds; never let that hang CI.
    '--forceExit',
    '--json',
    `--outputFile=${out}`,
    ...args,
  ],
  {
    stdio: 'inherit',
  },
);
let summary = null;
try {
  summary = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
} catch {
  /* jest failed before writing results */
}
if (summary) {
  const skipped = summary.numPendingTests + summary.numTodoTests;
  const failedSuites = summary.numRuntimeErrorTestSuites;
  if (failedSuites) console.log(`${failedSuites} test file(s) failed to run`);
  console.log(
    `tests: ${summary.numPassedTests} passed, ${summary.numFailedTests + failedSuites} failed${skipped ? `, ${skipped} skipped` : ''}`,
  );
}
process.exit(jest.status === null ? 1 : jest.status);
