'use strict';
/**
 * What Arkive needs from the machine and what to do when something is missing: `npm test`'s preflight
 * (infra/test/preflight.js) uses all of it, `npm start` the Node check. The decisions are plain
 * functions over what a PATH and the filesystem hold, so a test drives them with a fake PATH
 * directory. The tool table is shared/src/tools.json, which the services read through tools.ts.
 */
const fs = require('node:fs');
const path = require('node:path');
const TOOLS = require('../../shared/src/tools.json');
const { which, isExecutable } = require('./probe');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** `{tool, package, feature?, found}` for every Debian tool in shared/src/tools.json; `found` is a path or null. */
function checkTools(env = process.env, tools = TOOLS) {
  return tools.map((t) => {
    const fixed = t.path && ((t.pathEnv && env[t.pathEnv]) || t.path);
    return { ...t, found: fixed ? (isExecutable(fixed) ? fixed : null) : which(t.tool, env) };
  });
}

/**
 * Debian packages to install → what to do: run apt-get ourselves (root with apt-get), or stop and
 * give a person the exact command.
 */
function aptPlan(packages, { root, apt }) {
  const pkgs = [...new Set(packages)];
  if (pkgs.length === 0) return { kind: 'none' };
  if (root && apt) {
    return {
      kind: 'install',
      packages: pkgs,
      steps: [
        { cmd: 'apt-get', args: ['update', '-q'], env: {} },
        {
          cmd: 'apt-get',
          args: ['install', '-y', '-q', '--no-install-recommends', ...pkgs],
          env: { DEBIAN_FRONTEND: 'noninteractive' },
        },
      ],
    };
  }
  return { kind: 'stop', packages: pkgs, command: installCommand(pkgs, { root, apt }) };
}

/** The command a person runs to install Debian packages (sudo unless root). */
function installCommand(packages, { root, apt }) {
  const pkgs = [...new Set(packages)].join(' ');
  const command = `${root ? '' : 'sudo '}apt-get install -y ${pkgs}`;
  return apt ? command : `install ${pkgs} with your package manager (Debian: ${command})`;
}

function loopbackPort(url, defaultPort) {
  const u = new URL(url);
  if (!LOOPBACK.has(u.hostname)) return null;
  return Number(u.port || defaultPort);
}

/**
 * Redis at `url` does not answer: start the installed redis-server with CI's settings (root: Debian's
 * /var/lib/redis; otherwise under `workDir`), or name the package to install.
 */
function redisStartPlan(url, { env = process.env, root, workDir }) {
  const port = loopbackPort(url, 6379);
  if (port === null) return { kind: 'remote' };
  const bin = which('redis-server', env);
  if (!bin) return { kind: 'missing', package: 'redis-server' };
  const dir = root ? '/var/lib/redis' : path.join(workDir, 'redis');
  const logfile = root ? '/var/log/redis/ci.log' : path.join(workDir, 'redis.log');
  return {
    kind: 'start',
    mkdirs: [dir, path.dirname(logfile)],
    cmd: bin,
    args: [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '-::1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      logfile,
    ],
  };
}

/** Debian's PostgreSQL clusters: versions under /etc/postgresql that have a `main` cluster, newest last. */
function postgresClusters(etcDir = '/etc/postgresql') {
  let versions;
  try {
    versions = fs.readdirSync(etcDir);
  } catch {
    return [];
  }
  return versions
    .filter((v) => fs.existsSync(path.join(etcDir, v, 'main')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * PostgreSQL at `url` does not answer: start Debian's newest cluster with pg_ctlcluster (root; a
 * person runs it with sudo otherwise), or name the package to install.
 */
function postgresStartPlan(url, { env = process.env, root, etcDir = '/etc/postgresql' }) {
  if (loopbackPort(url, 5432) === null) return { kind: 'remote' };
  const ctl = which('pg_ctlcluster', env);
  const version = postgresClusters(etcDir).pop();
  if (!ctl || !version) return { kind: 'missing', package: 'postgresql' };
  const args = ['--skip-systemctl-redirect', version, 'main', 'start'];
  if (!root) return { kind: 'stop', command: `sudo pg_ctlcluster ${args.join(' ')}` };
  return { kind: 'start', cmd: ctl, args };
}

/** `>=20.19`-style engines range → whether `version` (e.g. process.versions.node) satisfies it. */
function satisfiesMinimum(version, range) {
  const want = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!want) return true;
  const have = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const w = Number(want[i + 1] || 0);
    if ((have[i] || 0) !== w) return (have[i] || 0) > w;
  }
  return true;
}

/** The Node range package.json's engines asks for, and a message when `version` is outside it. */
function checkNode(version = process.versions.node) {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const range = pkg.engines.node;
  const problem = satisfiesMinimum(version, range)
    ? null
    : `Arkive needs Node ${range}; this is ${version}. Install Node 20 LTS (https://nodejs.org/en/download).`;
  return { range, problem };
}

module.exports = {
  checkNode,
  TOOLS,
  checkTools,
  aptPlan,
  installCommand,
  redisStartPlan,
  postgresStartPlan,
  postgresClusters,
  satisfiesMinimum,
};
