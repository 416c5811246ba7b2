#!/usr/bin/env node
'use strict';
/**
 * `npm test`: a preflight first (infra/test/preflight.js: Node, PostgreSQL, Redis, the Debian tools;
 * it starts or installs what it can, otherwise stops with the exact command), then builds what the
 * end-to-end tests start (services, web), then runs every jest test (unit, integration against real
 * Redis/PostgreSQL/S3/SMTP, browser), and ends with one plain summary line. Lint (ESLint + Prettier) runs first when the whole suite runs. Extra
 * arguments go to jest (e.g. `npm test -- shared/src/worker`) and skip the lint.
 * ARKIVE_TEST_SKIP_PREFLIGHT=1 / ARKIVE_TEST_SKIP_BUILD=1 / ARKIVE_TEST_SKIP_LINT=1 skip those steps
 * locally. Jest's JSON report is left in test-results/jest.json (inside the checkout, gitignored).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { preflight, PreflightError } = require('./preflight');

const root = path.resolve(__dirname, '..', '..');
process.chdir(root);
const args = process.argv.slice(2);

main().catch((err) => {
  if (err instanceof PreflightError) {
    console.error(`\npreflight: ${err.message}`);
    console.log('tests: 0 passed, 1 failed (preflight)');
  } else console.error(err);
  process.exit(1);
});

async function main() {
  if (!process.env.ARKIVE_TEST_SKIP_PREFLIGHT) await preflight();

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

  const out = path.join(root, 'test-results', 'jest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true }); // never read a previous run's report
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
}
