#!/usr/bin/env node
'use strict';
/**
 * `npm start`: brings up the whole system on its embedded defaults.
 * Builds (turbo caches, so only what changed), finds or starts Redis and PostgreSQL, applies
 * migrations, creates the first admin, then supervises the API, every service and the web.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { loadDotEnv } = require('./env');
const { redisAnswers, postgresAnswers } = require('./probe');
const { startPrivateRedis, startPrivatePostgres, MissingDependencyError } = require('./private-services');
const { Supervisor } = require('./supervisor');
const { checkNode } = require('./system-check');

const root = path.resolve(__dirname, '..', '..');
process.chdir(root);
const argv = new Set(process.argv.slice(2));
const log = (m) => console.log(`[arkive]         ${m}`);

// Every entry but the API is a worker service (what `ARKIVE_PROCESSES=workers` starts on a host).
const SERVICES = [
  { name: 'api', entry: 'services/api/dist/index.js', api: true },
  { name: 'compress', entry: 'services/compress/dist/index.js' },
  { name: 'restore', entry: 'services/restore/dist/index.js' },
  { name: 'upload-verify', entry: 'services/upload-verify/dist/index.js' },
  { name: 'backup', entry: 'services/backup/dist/index.js' },
  { name: 'gallery-archive', entry: 'services/gallery-archive/dist/index.js' },
  { name: 'migration', entry: 'services/migration/dist/index.js' },
  { name: 'run-sync', entry: 'services/run-sync/dist/index.js' },
];

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    console.error(`\n${what} failed (exit ${r.status}). Fix the error above and run npm start again.`);
    process.exit(r.status || 1);
  }
}

function webCommand() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'web', 'package.json'), 'utf8'));
  const script = pkg.scripts && pkg.scripts.start;
  if (!script) return null;
  const m = /^node\s+(.+)$/.exec(script.trim());
  return m ? [process.execPath, m[1].split(/\s+/)] : ['sh', ['-c', script]];
}

/** Optional tools: a missing one disables a feature (its API answers 503 TOOL_MISSING), never the start. */
function warnMissingTools() {
  const { missingFeatureTools, TOOL_INFO } = require(path.join(root, 'shared', 'dist', 'tools.js'));
  const missing = missingFeatureTools();
  for (const m of missing) log(`warning: ${m}`);
  if (missing.length === 0)
    log(
      `optional tools installed: ${TOOL_INFO.filter((t) => t.feature)
        .map((t) => t.tool)
        .join(', ')}`,
    );
}

/**
 * ARKIVE_PROCESSES: `all` (default) runs the whole system; `workers` runs only this host's worker
 * services (HOST_ID, RUNS_ROOT), joining the Redis and PostgreSQL another `npm start` set up: no
 * API, no web, no private databases, no migrations, no admin creation.
 */
function processesMode() {
  const mode = (process.env.ARKIVE_PROCESSES || 'all').trim();
  if (mode !== 'all' && mode !== 'workers')
    throw new MissingDependencyError(`ARKIVE_PROCESSES must be "all" or "workers", not "${mode}"`);
  return mode;
}

async function main() {
  const node = checkNode();
  if (node.problem) throw new MissingDependencyError(node.problem);
  loadDotEnv();
  const workersOnly = processesMode() === 'workers';
  process.env.DATA_DIR = path.resolve(process.env.DATA_DIR || '.arkive');
  fs.mkdirSync(process.env.DATA_DIR, { recursive: true });
  const stops = [];

  if (!argv.has('--no-build')) {
    log('building (cached parts are skipped)…');
    run('npm', ['run', 'build', '--silent'], 'The build');
  }
  warnMissingTools();

  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (workersOnly) return startWorkersOnly(redisUrl);
  if (await redisAnswers(redisUrl)) {
    log(`Redis answers at ${redisUrl}`);
    process.env.REDIS_URL = redisUrl;
  } else {
    log(`no Redis at ${redisUrl}`);
    const r = await startPrivateRedis(
      process.env.DATA_DIR,
      Number(process.env.ARKIVE_PRIVATE_REDIS_PORT || 6390),
      log,
    );
    process.env.REDIS_URL = r.url;
    stops.push(r.stop);
  }

  const databaseUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/arkive';
  const pg = await postgresAnswers(databaseUrl);
  if (pg.ok) {
    log(`PostgreSQL answers at ${new URL(databaseUrl).host}`);
    process.env.DATABASE_URL = databaseUrl;
  } else {
    log(`no PostgreSQL at ${new URL(databaseUrl).host} (${pg.error})`);
    const p = await startPrivatePostgres(
      process.env.DATA_DIR,
      Number(process.env.ARKIVE_PRIVATE_PG_PORT || 5433),
      log,
    );
    process.env.DATABASE_URL = p.url;
    stops.push(p.stop);
  }

  const { ensureDatabase, applyMigrations } = require(path.join(root, 'shared', 'dist', 'migrate.js'));
  if (await ensureDatabase(process.env.DATABASE_URL)) log('created the database');
  const migrated = await applyMigrations(
    process.env.DATABASE_URL,
    path.join(root, 'prisma', 'migrations'),
    log,
  );
  log(
    `database schema up to date (${migrated.applied.length} applied now, ${migrated.alreadyApplied.length} before)`,
  );

  const bootstrap = path.join(root, 'services', 'api', 'dist', 'bootstrap.js');
  if (fs.existsSync(bootstrap)) run(process.execPath, [bootstrap], 'Creating the first admin');

  const sup = new Supervisor({ env: process.env });
  for (const s of SERVICES) sup.add(s.name, process.execPath, [path.join(root, s.entry)]);
  const web = webCommand();
  if (web) sup.add('web', web[0], web[1], { cwd: path.join(root, 'web') });
  const stopping = stopOnSignals(sup, stops);

  const apiPort = process.env.API_PORT || 4000;
  const webPort = process.env.WEB_PORT || 3000;
  // "Up" means every part a user needs answers: the API's health and, when the web runs, its own.
  const checks = [{ name: 'the API', url: `http://127.0.0.1:${apiPort}/api/health` }];
  if (web) checks.push({ name: 'the web app', url: `http://127.0.0.1:${webPort}/healthz` });
  const healthy = new Set();
  for (let i = 0; i < 120 && !stopping(); i++) {
    for (const c of checks) {
      if (healthy.has(c.name)) continue;
      try {
        if ((await fetch(c.url)).ok) healthy.add(c.name);
      } catch {
        /* not yet */
      }
    }
    if (healthy.size === checks.length) {
      log(
        web
          ? `Arkive is up: open http://127.0.0.1:${webPort}  (API http://127.0.0.1:${apiPort}/api/health is healthy). Ctrl-C stops everything.`
          : `Arkive is up without the web app (API http://127.0.0.1:${apiPort}/api/health is healthy). Ctrl-C stops everything.`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (stopping()) return;
  const down = checks.filter((c) => !healthy.has(c.name)).map((c) => `${c.name} (${c.url})`);
  log(`not up after 60 s: ${down.join(' and ')} has not answered healthy; see its log lines above`);
}

/** Ctrl-C / SIGTERM stop every supervised process, then what `stops` holds; returns "stopping?". */
function stopOnSignals(sup, stops) {
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping every process…`);
    await sup.stopAll();
    for (const stop of stops.reverse()) await stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  return () => stopping;
}

/** `ARKIVE_PROCESSES=workers`: this host's workers only, on the system's existing Redis and PostgreSQL. */
async function startWorkersOnly(redisUrl) {
  const databaseUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/arkive';
  if (!(await redisAnswers(redisUrl)))
    throw new MissingDependencyError(
      `ARKIVE_PROCESSES=workers joins an existing system, but no Redis answers at ${redisUrl}: start the system first (npm start) and pass its REDIS_URL`,
    );
  const pg = await postgresAnswers(databaseUrl);
  if (!pg.ok)
    throw new MissingDependencyError(
      `ARKIVE_PROCESSES=workers joins an existing system, but PostgreSQL at ${new URL(databaseUrl).host} does not answer (${pg.error}): pass the system's DATABASE_URL`,
    );
  process.env.REDIS_URL = redisUrl;
  process.env.DATABASE_URL = databaseUrl;
  const host = process.env.HOST_ID || 'local';
  const sup = new Supervisor({ env: process.env });
  for (const s of SERVICES.filter((x) => !x.api))
    sup.add(s.name, process.execPath, [path.join(root, s.entry)]);
  stopOnSignals(sup, []);
  log(
    `workers of host ${host} started (RUNS_ROOT ${process.env.RUNS_ROOT || '(default)'}); they take this host's queued work first. Ctrl-C stops them.`,
  );
}

main().catch((err) => {
  if (err instanceof MissingDependencyError) console.error(`\n${err.message}\n`);
  else console.error(err);
  process.exit(1);
});
