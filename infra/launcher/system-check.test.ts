import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { testDatabaseUrl, testRedisUrl } from '../../shared/src/test-support/urls';
import { aptPlan, checkNode, checkTools, postgresStartPlan, redisStartPlan } from './system-check';
import { redisAnswers } from './probe';
import { preflight, PreflightError } from '../test/preflight';

/**
 * The preflight's decisions, driven through its real functions with a fake PATH: a temp directory
 * holding (or lacking) executables. apt-get is never really run: `run` records the commands and
 * "installs" by adding executables to the fake PATH.
 */
let tmp: string;
let bin: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-preflight-'));
  bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function executable(name: string, dir = bin) {
  fs.writeFileSync(path.join(dir, name), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return path.join(dir, name);
}

/** A fake PATH with every tool but `without`; chromium lives at CHROMIUM_PATH. */
function fakeEnv(without: string[] = []) {
  for (const t of ['7z', 'restic', 'zip', 'unzip', 'apt-get']) if (!without.includes(t)) executable(t);
  const chromium = path.join(tmp, 'chromium');
  if (!without.includes('chromium')) executable('chromium', tmp);
  return {
    PATH: bin,
    CHROMIUM_PATH: chromium,
    TEST_DATABASE_URL: testDatabaseUrl(),
    TEST_REDIS_URL: testRedisUrl(),
  };
}

function recorder(onInstall?: () => void) {
  const ran: string[] = [];
  const run = (cmd: string, args: string[], env: Record<string, string>) => {
    ran.push([...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args].join(' '));
    if (args[0] === 'install') onInstall?.();
  };
  return { ran, run };
}

const quiet = { log: () => undefined };

test('tools: found on the fake PATH or at CHROMIUM_PATH, missing otherwise; a non-executable file does not count', () => {
  const env = fakeEnv(['restic', 'chromium']);
  fs.chmodSync(path.join(bin, 'unzip'), 0o644);
  const result = Object.fromEntries(checkTools(env).map((t) => [t.tool, t.found]));
  expect(result).toEqual({
    '7z': path.join(bin, '7z'),
    restic: null,
    zip: path.join(bin, 'zip'),
    unzip: null,
    chromium: null,
  });
  executable('chromium', tmp);
  expect(checkTools(env).find((t) => t.tool === 'chromium')?.found).toBe(path.join(tmp, 'chromium'));
});

test('apt plan: root with apt-get installs (update once, then noninteractive install); others get the exact command', () => {
  expect(aptPlan([], { root: true, apt: true })).toEqual({ kind: 'none' });
  expect(aptPlan(['p7zip-full', 'chromium', 'p7zip-full'], { root: true, apt: true })).toEqual({
    kind: 'install',
    packages: ['p7zip-full', 'chromium'],
    steps: [
      { cmd: 'apt-get', args: ['update', '-q'], env: {} },
      {
        cmd: 'apt-get',
        args: ['install', '-y', '-q', '--no-install-recommends', 'p7zip-full', 'chromium'],
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      },
    ],
  });
  expect(aptPlan(['restic'], { root: false, apt: true })).toMatchObject({
    kind: 'stop',
    command: 'sudo apt-get install -y restic',
  });
  expect(aptPlan(['restic'], { root: true, apt: false }).command).toBe(
    'install restic with your package manager (Debian: apt-get install -y restic)',
  );
});

test('not root: stops at once with the sudo command for exactly the missing packages, running nothing', async () => {
  const { ran, run } = recorder();
  const lines: string[] = [];
  const err = await preflight({
    env: fakeEnv(['7z', 'chromium', 'restic']),
    asRoot: false,
    run,
    log: (l: string) => lines.push(l),
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PreflightError);
  expect((err as Error).message).toContain('sudo apt-get install -y p7zip-full restic chromium\n');
  expect(ran).toEqual([]);
  expect(lines.find((l) => l.includes(' 7z '))).toMatch(/missing \(Debian package p7zip-full\)/);
  expect(lines.find((l) => l.includes(' zip '))).toMatch(/ok/);
});

test('root with apt-get: installs the missing packages and passes once they are there', async () => {
  const env = fakeEnv(['7z', 'unzip']);
  const { ran, run } = recorder(() => {
    executable('7z');
    executable('unzip');
  });
  await preflight({ env, asRoot: true, run, ...quiet });
  expect(ran).toEqual([
    'apt-get update -q',
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends p7zip-full unzip',
  ]);
});

test('root: a tool still missing after the install is an error naming it', async () => {
  const { run } = recorder();
  await expect(preflight({ env: fakeEnv(['restic']), asRoot: true, run, ...quiet })).rejects.toThrow(
    'after apt-get install, still missing: restic',
  );
});

test('root without apt-get: the command for another package manager, nothing run', async () => {
  const { ran, run } = recorder();
  await expect(preflight({ env: fakeEnv(['apt-get', 'zip']), asRoot: true, run, ...quiet })).rejects.toThrow(
    'install zip with your package manager (Debian: apt-get install -y zip)',
  );
  expect(ran).toEqual([]);
});

test('everything there: passes without running anything', async () => {
  const { ran, run } = recorder();
  await preflight({ env: fakeEnv(), asRoot: false, run, ...quiet });
  expect(ran).toEqual([]);
});

test('Node older than package.json engines stops with the reason', async () => {
  expect(checkNode('20.19.0').problem).toBeNull();
  expect(checkNode('22.1.0').problem).toBeNull();
  expect(checkNode('20.18.3').problem).toMatch(/needs Node >=20.19; this is 20.18.3/);
  await expect(preflight({ env: fakeEnv(), nodeVersion: '18.20.4', ...quiet })).rejects.toThrow(
    /needs Node >=20\.19; this is 18\.20\.4/,
  );
});

test('PostgreSQL down but installed: root starts the newest cluster with pg_ctlcluster, others get the sudo command', () => {
  const etc = path.join(tmp, 'etc-postgresql');
  for (const v of ['9.6', '15', '13']) fs.mkdirSync(path.join(etc, v, 'main'), { recursive: true });
  fs.mkdirSync(path.join(etc, '16')); // a version directory without a cluster
  const url = 'postgresql://postgres@127.0.0.1:5432/test';
  const ctl = executable('pg_ctlcluster');
  expect(postgresStartPlan(url, { env: { PATH: bin }, root: true, etcDir: etc })).toEqual({
    kind: 'start',
    cmd: ctl,
    args: ['--skip-systemctl-redirect', '15', 'main', 'start'],
  });
  expect(postgresStartPlan(url, { env: { PATH: bin }, root: false, etcDir: etc })).toEqual({
    kind: 'stop',
    command: 'sudo pg_ctlcluster --skip-systemctl-redirect 15 main start',
  });
  // not installed: no pg_ctlcluster, or no cluster
  expect(postgresStartPlan(url, { env: { PATH: tmp }, root: true, etcDir: etc })).toEqual({
    kind: 'missing',
    package: 'postgresql',
  });
  expect(
    postgresStartPlan(url, { env: { PATH: bin }, root: true, etcDir: path.join(tmp, 'none') }).kind,
  ).toBe('missing');
  // another host is not ours to start
  expect(postgresStartPlan('postgresql://u@db.example:5432/t', { env: { PATH: bin }, root: true }).kind).toBe(
    'remote',
  );
});

test("Redis down but installed: CI's redis-server command (root: Debian's directories; others: under the checkout)", () => {
  const server = executable('redis-server');
  const plan = redisStartPlan('redis://127.0.0.1:6390', { env: { PATH: bin }, root: true, workDir: tmp });
  expect(plan).toEqual({
    kind: 'start',
    mkdirs: ['/var/lib/redis', '/var/log/redis'],
    cmd: server,
    args: [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '-::1',
      '--port',
      '6390',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      '/var/lib/redis',
      '--logfile',
      '/var/log/redis/ci.log',
    ],
  });
  const user = redisStartPlan('redis://localhost', { env: { PATH: bin }, root: false, workDir: tmp });
  expect(user.args).toEqual(expect.arrayContaining(['--port', '6379', '--dir', path.join(tmp, 'redis')]));
  expect(redisStartPlan('redis://127.0.0.1:6390', { env: { PATH: tmp }, root: true, workDir: tmp })).toEqual({
    kind: 'missing',
    package: 'redis-server',
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

test('Redis not installed and down: stops with the install command for it and the missing tools together', async () => {
  const env = { ...fakeEnv(['zip']), TEST_REDIS_URL: `redis://127.0.0.1:${await freePort()}` };
  const { ran, run } = recorder();
  await expect(preflight({ env, asRoot: false, run, workDir: tmp, ...quiet })).rejects.toThrow(
    'redis is not installed. Run:\n\n  sudo apt-get install -y redis-server zip\n',
  );
  expect(ran).toEqual([]);
});

test('Redis installed but down: the preflight really starts it (a private server on a free port) and goes on', async () => {
  const env = { ...fakeEnv(), TEST_REDIS_URL: `redis://127.0.0.1:${await freePort()}` };
  fs.symlinkSync('/usr/bin/redis-server', path.join(bin, 'redis-server'));
  const lines: string[] = [];
  try {
    await preflight({ env, asRoot: false, workDir: tmp, log: (l: string) => lines.push(l) });
    expect(await redisAnswers(env.TEST_REDIS_URL)).toBe(true);
    expect(lines.join('\n')).toMatch(/redis 127\.0\.0\.1:\d+ +started, ok/);
    expect(fs.existsSync(path.join(tmp, 'redis.log'))).toBe(true);
  } finally {
    await shutdownRedis(env.TEST_REDIS_URL);
  }
});

function shutdownRedis(url: string): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(Number(new URL(url).port), '127.0.0.1', () => sock.write('SHUTDOWN NOSAVE\r\n'));
    sock.on('close', () => resolve());
    sock.on('error', () => resolve());
  });
}
