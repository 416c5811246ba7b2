#!/usr/bin/env node
'use strict';
/**
 * `npm test`'s first step, in seconds: Node version; PostgreSQL and Redis at TEST_DATABASE_URL /
 * TEST_REDIS_URL (started when installed but down); the Debian tools the tests use (installed with
 * apt-get when we are root, otherwise we stop with the exact command). One line per check.
 * ARKIVE_TEST_SKIP_PREFLIGHT=1 skips it. Run alone: `node infra/test/preflight.js`.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { which, isRoot, redisAnswers, postgresAnswers } = require('../launcher/probe');
const {
  checkTools,
  aptPlan,
  installCommand,
  redisStartPlan,
  postgresStartPlan,
  checkNode,
} = require('../launcher/system-check');

const root = path.resolve(__dirname, '..', '..');
const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

class PreflightError extends Error {}

const line = (what, status) => `preflight: ${what.padEnd(28)} ${status}`;

function hostOf(url) {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)}`;
}

/** Runs a command with its output shown; throws with the command line when it fails. */
function runVisible(cmd, args, env, log) {
  log(`preflight: running ${[cmd, ...args].map((a) => (a === '' ? '""' : a)).join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0)
    throw new PreflightError(
      `${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status}`})`,
    );
}

async function waitFor(check, ms = 15000) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

/**
 * One service (PostgreSQL or Redis): answers → ok; installed but down → started; otherwise returns
 * what a person must do ({package} to install or {command} to run).
 */
async function ensureService(s, opts) {
  const { log, run } = opts;
  const first = await s.answers();
  if (first.ok) {
    log(line(`${s.name} ${hostOf(s.url)}`, 'ok'));
    return null;
  }
  // Something listens but refuses us (authentication, ...): starting a server would not help.
  if (!/ECONNREFUSED|no answer/.test(first.error)) {
    log(line(`${s.name} ${hostOf(s.url)}`, `answers but refuses: ${first.error}`));
    return {
      reason: `${s.name} at ${s.url} refuses the tests' connection (${first.error}); fix its access or set ${s.envName}`,
    };
  }
  const plan = s.plan();
  if (plan.kind === 'start') {
    log(line(`${s.name} ${hostOf(s.url)}`, 'down; starting it'));
    for (const dir of plan.mkdirs || []) fs.mkdirSync(dir, { recursive: true });
    run(plan.cmd, plan.args, {}, log);
    if (await waitFor(async () => (await s.answers()).ok)) {
      log(line(`${s.name} ${hostOf(s.url)}`, 'started, ok'));
      return null;
    }
    return { reason: `${s.name} was started but does not answer at ${s.url}: ${(await s.answers()).error}` };
  }
  log(line(`${s.name} ${hostOf(s.url)}`, `not reachable (${first.error})`));
  if (plan.kind === 'missing') return { package: plan.package, reason: `${s.name} is not installed` };
  if (plan.kind === 'stop') return { command: plan.command, reason: `${s.name} is installed but down` };
  return { reason: `${s.name} at ${s.url} does not answer (${first.error}); start it or set ${s.envName}` };
}

/**
 * Checks (and where it can, fixes) everything the test suite needs. Resolves when all is there;
 * rejects with a PreflightError whose message says exactly what to run. The options exist for tests.
 */
async function preflight({
  env = process.env,
  log = console.log,
  asRoot = isRoot(),
  run = runVisible,
  nodeVersion = process.versions.node,
  etcPostgres = '/etc/postgresql',
  workDir = path.join(root, '.arkive', 'test-services'),
} = {}) {
  const node = checkNode(nodeVersion);
  if (node.problem) throw new PreflightError(node.problem);
  log(line(`node ${nodeVersion}`, `ok (needs ${node.range})`));

  const apt = Boolean(which('apt-get', env));
  const databaseUrl = env.TEST_DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = env.TEST_REDIS_URL || DEFAULT_REDIS_URL;
  const services = [
    {
      name: 'postgresql',
      url: databaseUrl,
      envName: 'TEST_DATABASE_URL',
      answers: () => postgresAnswers(databaseUrl),
      plan: () => postgresStartPlan(databaseUrl, { env, root: asRoot, etcDir: etcPostgres }),
    },
    {
      name: 'redis',
      url: redisUrl,
      envName: 'TEST_REDIS_URL',
      answers: async () =>
        (await redisAnswers(redisUrl)) ? { ok: true } : { ok: false, error: 'no answer to PING' },
      plan: () => redisStartPlan(redisUrl, { env, root: asRoot, workDir }),
    },
  ];
  const needs = [];
  for (const s of services) {
    const need = await ensureService(s, { log, run });
    if (need) needs.push(need);
  }

  const tools = checkTools(env);
  for (const t of tools)
    log(line(t.tool, t.found ? `ok (${t.found})` : `missing (Debian package ${t.package})`));
  const missing = tools.filter((t) => !t.found);

  // A service we cannot start needs a person: one message with everything that is missing.
  if (needs.length) {
    const packages = [...needs.filter((n) => n.package), ...missing].map((x) => x.package);
    const todo = needs.filter((n) => n.command).map((n) => n.command);
    if (packages.length) todo.push(installCommand(packages, { root: asRoot, apt }));
    throw new PreflightError(
      `${needs.map((n) => n.reason).join('; ')}.${todo.length ? ` Run:\n\n  ${todo.join('\n  ')}\n\nthen npm test again.` : ''}`,
    );
  }

  const plan = aptPlan(
    missing.map((t) => t.package),
    { root: asRoot, apt },
  );
  if (plan.kind === 'stop')
    throw new PreflightError(
      `The tests need ${missing.map((t) => t.tool).join(', ')}. Run:\n\n  ${plan.command}\n\nthen npm test again.`,
    );
  if (plan.kind === 'install') {
    log(line('installing', `${plan.packages.join(' ')} (apt-get, as root)`));
    for (const step of plan.steps) run(step.cmd, step.args, step.env, log);
    const still = checkTools(env).filter((t) => !t.found);
    if (still.length)
      throw new PreflightError(
        `after apt-get install, still missing: ${still.map((t) => `${t.tool}${t.pathEnv && env[t.pathEnv] ? ` (${t.pathEnv}=${env[t.pathEnv]})` : ''}`).join(', ')}`,
      );
    log(line('installed', `${plan.packages.join(' ')}, ok`));
  }
}

module.exports = { preflight, PreflightError };

if (require.main === module) {
  preflight().catch((err) => {
    console.error(`\npreflight: ${err instanceof PreflightError ? err.message : err.stack}`);
    process.exit(1);
  });
}
