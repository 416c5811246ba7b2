import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { testDatabaseUrl, testRedisUrl } from '../../shared/src/test-support/urls';

/**
 * `npm start` (without its build step, which `npm test` has just run): every process comes up,
 * /api/health answers healthy through the API and the web proxy, and Ctrl-C stops them all.
 */
const root = path.resolve(__dirname, '..', '..');
const dbName = `arkive_launch_${process.pid}`;

afterAll(async () => {
  const c = new Client({ connectionString: testDatabaseUrl() });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await c.end();
});

test('npm start brings up every process healthy and stops them all on SIGINT', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-launch-'));
  const db = new URL(testDatabaseUrl());
  db.pathname = `/${dbName}`;
  const apiPort = 41000 + (process.pid % 1000);
  const webPort = apiPort + 1000;
  const child = spawn(process.execPath, [path.join(root, 'infra/launcher/start.js'), '--no-build'], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: db.toString(),
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: `arkive-launch-${process.pid}:`,
      API_PORT: String(apiPort),
      WEB_PORT: String(webPort),
      ARKIVE_ADMIN_PASSWORD: 'launcher-test-password',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 90000;
    while (!/Arkive is up/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`launcher did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(out).toMatch(/applied migration/);
    // every supervised process reports under its own prefix once it is ready
    const names = ['api', 'compress', 'restore', 'upload-verify', 'web'];
    while (!names.every((n) => out.includes(`[${n}]`))) {
      if (Date.now() > deadline) throw new Error(`not every process started:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(out).not.toMatch(/exited \(/);
    const health = await fetch(`http://127.0.0.1:${apiPort}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy' });
    // the web server answers and proxies /api to the API
    let viaWeb: Response | undefined;
    for (let i = 0; i < 120 && !viaWeb?.ok; i++) {
      viaWeb = await fetch(`http://127.0.0.1:${webPort}/api/health`).catch(() => undefined);
      if (!viaWeb?.ok) await new Promise((r) => setTimeout(r, 500));
    }
    expect(viaWeb?.status).toBe(200);
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(out).toMatch(/stopped/);
  // nothing it started keeps listening
  await expect(fetch(`http://127.0.0.1:${apiPort}/api/health`)).rejects.toThrow();
  await expect(fetch(`http://127.0.0.1:${webPort}/`)).rejects.toThrow();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 150000);

test('ARKIVE_PROCESSES=workers starts only one host’s workers, joining the system above', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-launch-h2-'));
  const runsRoot = path.join(dataDir, 'h2-runs');
  const db = new URL(testDatabaseUrl());
  db.pathname = `/${dbName}`; // migrated by the test above
  const apiPort = 43000 + (process.pid % 1000);
  const child = spawn(process.execPath, [path.join(root, 'infra/launcher/start.js'), '--no-build'], {
    env: {
      ...process.env,
      ARKIVE_PROCESSES: 'workers',
      HOST_ID: 'h2',
      RUNS_ROOT: runsRoot,
      STORAGE_ROOT: path.join(dataDir, 'h2-storage'),
      DATA_DIR: dataDir,
      DATABASE_URL: db.toString(),
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: `arkive-launch-${process.pid}:`,
      API_PORT: String(apiPort),
      WEB_PORT: String(apiPort + 1),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const c = new Client({ connectionString: db.toString() });
  await c.connect();
  try {
    const deadline = Date.now() + 90000;
    const workers = ['compress', 'restore', 'upload-verify'];
    while (!workers.every((n) => new RegExp(`\\[${n}\\].*ready`).test(out))) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`workers did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const { rows } = await c.query('SELECT id, runs_root, status FROM hosts WHERE id = $1', ['h2']);
    expect(rows).toEqual([{ id: 'h2', runs_root: runsRoot, status: 'online' }]);
    expect(out).not.toMatch(/\[(api|web)\]/);
    expect(out).not.toMatch(/applied migration|first admin/i);
    await expect(fetch(`http://127.0.0.1:${apiPort}/api/health`)).rejects.toThrow();
  } finally {
    await c.end();
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 150000);
