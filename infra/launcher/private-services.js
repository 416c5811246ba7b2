'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { findPgBin, which, isRoot, redisAnswers, postgresAnswers } = require('./probe');

const INSTALL_HINT = {
  redis: 'sudo apt-get install -y redis-server   (macOS: brew install redis)',
  postgres: 'sudo apt-get install -y postgresql   (macOS: brew install postgresql@16)',
};

class MissingDependencyError extends Error {}

/** Runs a command as the `postgres` OS user when we are root (initdb and postgres refuse root). */
function asPgUser(cmd, args) {
  if (!isRoot()) return [cmd, args];
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    throw new MissingDependencyError(
      'PostgreSQL cannot run as root and there is no "postgres" user: create one (sudo useradd -r postgres) or run Arkive as a normal user.',
    );
  }
  return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
}

/** A private redis-server under DATA_DIR/redis, supervised as a child (append-only file so queued jobs survive). */
async function startPrivateRedis(dataDir, port, log) {
  const bin = which('redis-server');
  if (!bin)
    throw new MissingDependencyError(
      `Redis is not reachable and redis-server is not installed. Install it: ${INSTALL_HINT.redis}  — or set REDIS_URL to a running server.`,
    );
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const url = `redis://127.0.0.1:${port}`;
  if (await redisAnswers(url)) {
    log(`using the private Redis already running at ${url}`);
    return { url, stop: async () => {} };
  }
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', () => {});
  child.stderr.on('data', (d) => log(d.toString().trim()));
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await redisAnswers(url))) throw new Error(`private redis-server did not start on port ${port}`);
  log(`started a private Redis at ${url} (data in ${dir})`);
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A private PostgreSQL cluster under DATA_DIR/postgres: initdb once, then pg_ctl start/stop. */
async function startPrivatePostgres(dataDir, port, log) {
  const initdb = findPgBin('initdb');
  const pgCtl = findPgBin('pg_ctl');
  if (!initdb || !pgCtl)
    throw new MissingDependencyError(
      `PostgreSQL is not reachable and its server binaries are not installed. Install them: ${INSTALL_HINT.postgres}  — or set DATABASE_URL to a running server.`,
    );
  const dir = path.join(dataDir, 'postgres');
  const sock = path.join(dataDir, 'postgres-socket');
  const logFile = path.join(dataDir, 'postgres.log');
  fs.mkdirSync(sock, { recursive: true });
  const url = `postgresql://postgres@127.0.0.1:${port}/arkive`;
  if ((await postgresAnswers(url)).ok) {
    log(`using the private PostgreSQL already running on port ${port}`);
    return { url, stop: async () => {} };
  }
  if (isRoot()) {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('chown', ['-R', 'postgres', dir, sock]);
    fs.closeSync(fs.openSync(logFile, 'a'));
    execFileSync('chown', ['postgres', logFile]);
  }
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    log(`initialising a private PostgreSQL cluster in ${dir}`);
    const [c, a] = asPgUser(initdb, [
      '-D',
      dir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-instructions',
    ]);
    execFileSync(c, a, { stdio: 'ignore' });
  }
  const opts = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1`;
  const [c, a] = asPgUser(pgCtl, ['-D', dir, '-o', opts, '-l', logFile, '-w', 'start']);
  execFileSync(c, a, { stdio: 'ignore' });
  log(`started a private PostgreSQL on 127.0.0.1:${port} (data in ${dir}, log ${logFile})`);
  return {
    url,
    stop: async () => {
      const [sc, sa] = asPgUser(pgCtl, ['-D', dir, '-m', 'fast', '-w', 'stop']);
      try {
        execFileSync(sc, sa, { stdio: 'ignore' });
      } catch {
        /* already stopped */
      }
    },
  };
}

module.exports = { startPrivateRedis, startPrivatePostgres, MissingDependencyError };
