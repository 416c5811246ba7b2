'use strict';
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');

/** Sends PING to a Redis URL; resolves true on +PONG (or an auth error, which still proves a server). */
function redisAnswers(url, timeoutMs = 1500) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => done(/^(\+PONG|-NOAUTH|-ERR)/.test(d.toString())));
  });
}

/** Connects with node-postgres; resolves {ok, error}. Missing database counts as an answering server. */
async function postgresAnswers(databaseUrl) {
  const { Client } = require('pg');
  const u = new URL(databaseUrl);
  u.searchParams.delete('schema');
  u.pathname = '/postgres';
  const c = new Client({ connectionString: u.toString(), connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err.message };
  } finally {
    await c.end().catch(() => undefined);
  }
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `bin` on env.PATH (like `command -v`), or null. */
function which(bin, env = process.env) {
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, bin);
    if (isExecutable(file)) return file;
  }
  return null;
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** PostgreSQL server binaries: on PATH or in Debian's versioned directory. */
function findPgBin(name) {
  const onPath = which(name);
  if (onPath) return onPath;
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return null;
  const versions = fs.readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const p = path.join(base, v, 'bin', name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

module.exports = { redisAnswers, postgresAnswers, which, isExecutable, isRoot, findPgBin, freePort };
