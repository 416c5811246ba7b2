/**
 * One "host" of a multi-host integration test: a built service (as `npm start` runs it) started with
 * its own HOST_ID, RUNS_ROOT, STORAGE_ROOT and SOURCE_ROOT under `base/<host>/`, on the test world's
 * Redis/PostgreSQL and DATA_DIR. Resolves once the service logs "<service> ready".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@arkive/shared/test-support/harness';

const root = path.resolve(__dirname, '..', '..');

export const hostRunsRoot = (base: string, host: string): string => path.join(base, host, 'runs');

export async function startServiceHost(
  service: 'backup' | 'compress',
  base: string,
  host: string,
  worldEnv: Record<string, string>,
): Promise<ChildProcess> {
  await fs.mkdir(hostRunsRoot(base, host), { recursive: true });
  const child = spawn(process.execPath, [path.join(root, 'services', service, 'dist', 'index.js')], {
    env: {
      ...process.env,
      ...worldEnv,
      HOST_ID: host,
      RUNS_ROOT: hostRunsRoot(base, host),
      STORAGE_ROOT: path.join(base, host, 'storage'),
      SOURCE_ROOT: path.join(base, host, 'source'),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = new RegExp(`${service} ready`);
  await waitFor(() => ready.test(out) || child.exitCode !== null, 60_000);
  if (child.exitCode !== null) throw new Error(`host ${host} did not start:\n${out}`);
  return child;
}
