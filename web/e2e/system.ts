import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createTestWorld, type TestWorld } from '../../shared/src/test-support/harness';

/**
 * The whole Arkive system for browser tests, in a fresh test world: API, compress, restore and
 * upload-verify, backup and gallery-archive services and the web server (Next + proxy + socket.io relay) as child processes on free ports.
 * Children run from TypeScript sources through tsx with @arkive/shared mapped to shared/src, so
 * nothing but the Next bundle (.next) is needed; it is built once if missing.
 */
const ROOT = path.resolve(__dirname, '../..');
const WEB = path.join(ROOT, 'web');
const TSX_TSCONFIG = path.join(__dirname, 'tsconfig.tsx.json');

export interface ArkiveSystem {
  world: TestWorld;
  webUrl: string;
  apiUrl: string;
  adminUsername: string;
  adminPassword: string;
  runsRoot: string;
  logs(): string;
  /** Stop one service (e.g. 'compress') to hold jobs in the queue; startService brings it back. */
  stopService(name: string): Promise<void>;
  startService(name: string): void;
  /** Another web process (Next + proxy + relay) on its own port against the same API and Redis: its URL. */
  startWebReplica(): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `npm run build` normally built it; a bare `npx jest web` builds the Next bundle once. */
export function ensureNextBuild(): void {
  if (fs.existsSync(path.join(WEB, '.next', 'BUILD_ID'))) return;
  const r = spawnSync('npx', ['next', 'build'], {
    cwd: WEB,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) throw new Error('next build failed');
}

async function waitFor(
  url: string,
  child: ChildProcess,
  name: string,
  out: () => string,
  timeoutMs = 90000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${out()}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not answer ${url} within ${timeoutMs} ms:\n${out()}`);
}

export async function startSystem(): Promise<ArkiveSystem> {
  ensureNextBuild();
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const adminPassword = 'E2e-admin-password-1';
  const world = await createTestWorld({ ARKIVE_ADMIN_PASSWORD: adminPassword });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...world.env,
    API_PORT: String(apiPort),
    WEB_PORT: String(webPort),
    API_URL: `http://127.0.0.1:${apiPort}`,
    BIND_HOST: '127.0.0.1',
    ARKIVE_ADMIN_PASSWORD: adminPassword,
    TSX_TSCONFIG_PATH: TSX_TSCONFIG,
    NEXT_TELEMETRY_DISABLED: '1',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
  };
  const output: string[] = [];
  const children: { name: string; child: ChildProcess }[] = [];
  const scripts = new Map<string, string>();
  const run = (name: string, script: string, args: string[] = [], cwd = ROOT) => {
    scripts.set(name, script);
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      output.push(`[${name}] ${b.toString()}`);
      if (output.length > 2000) output.splice(0, output.length - 2000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.push({ name, child });
    return child;
  };
  const out = () => output.join('');

  const boot = spawnSync(process.execPath, ['--import', 'tsx', 'services/api/src/bootstrap.ts'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  if (boot.status !== 0) throw new Error(`bootstrap failed: ${boot.stderr}${boot.stdout}`);

  const api = run('api', 'services/api/src/index.ts');
  run('compress', 'services/compress/src/index.ts');
  run('restore', 'services/restore/src/index.ts');
  run('upload-verify', 'services/upload-verify/src/index.ts');
  run('backup', 'services/backup/src/index.ts');
  run('gallery-archive', 'services/gallery-archive/src/index.ts');
  const web = run('web', path.join(WEB, 'server', 'index.ts'), [], WEB);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const webUrl = `http://127.0.0.1:${webPort}`;
  await waitFor(`${apiUrl}/api/health`, api, 'api', out);
  await waitFor(`${webUrl}/healthz`, web, 'web', out);

  const stopChild = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });

  return {
    world,
    webUrl,
    apiUrl,
    adminUsername: world.config.adminUsername,
    adminPassword,
    runsRoot: world.config.runsRoot,
    logs: out,
    async stopService(name) {
      await Promise.all(children.filter((c) => c.name === name).map(({ child }) => stopChild(child)));
    },
    startService(name) {
      run(name, scripts.get(name)!);
    },
    async startWebReplica() {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(WEB, 'server', 'index.ts')], {
        cwd: WEB,
        env: { ...env, WEB_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const keep = (b: Buffer) => output.push(`[web-${port}] ${b.toString()}`);
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      children.push({ name: `web-${port}`, child });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(`${url}/healthz`, child, `web-${port}`, out);
      return url;
    },
    async stop() {
      await Promise.all(children.map(({ child }) => stopChild(child)));
      await world.close();
    },
  };
}
