/**
 * Two hosts on one machine behave as two machines: each runs the real compress service with its
 * own HOST_ID and RUNS_ROOT on the same Redis/PostgreSQL; a run's snapshot runs on the host that
 * holds the run and nowhere else, and work for a host that is down waits until it starts.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createQueueProvider,
  effectiveHostStatus,
  enqueueOperation,
  EventPublisher,
  placedQueue,
  runSnapshot,
  type QueueProvider,
} from '@arkive/shared';
import { createTestWorld, waitFor, type TestWorld } from '@arkive/shared/test-support/harness';
import { startServiceHost } from './service-host';

let world: TestWorld;
let queues: QueueProvider;
let base: string;
const children: ChildProcess[] = [];
/** each host's service process, by host id (hosts start in parallel: not in `children`' order) */
const byHost = new Map<string, ChildProcess>();

beforeAll(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-hosts-'));
  world = await createTestWorld({ HOST_HEARTBEAT_SECONDS: '1', HOST_OFFLINE_SECONDS: '3' });
  queues = createQueueProvider(world.redis, world.prefix);
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await queues.closeAll();
  await world.close();
  await fs.rm(base, { recursive: true, force: true });
});

const runsRoot = (host: string) => path.join(base, host, 'runs');

async function startHost(host: string): Promise<ChildProcess> {
  const child = await startServiceHost('compress', base, host, world.env);
  children.push(child);
  byHost.set(host, child);
  return child;
}

async function placeRun(runid: string, host: string) {
  const dir = path.join(runsRoot(host), runid);
  await fs.mkdir(path.join(dir, 'output'), { recursive: true });
  await fs.writeFile(path.join(dir, 'output', 'result.dat'), `${runid} on ${host}\n`);
  await world.prisma.run.create({ data: { id: runid, hostId: host, createdBy: 'test' } });
}

const deps = () => ({
  prisma: world.prisma,
  publisher: new EventPublisher(world.redis, world.prefix),
  queues,
  config: world.config,
});
const row = (id: string) => world.prisma.operation.findUniqueOrThrow({ where: { id } });
const archivesOf = (host: string, runid: string) =>
  fs.readdir(path.join(runsRoot(host), runid, 'archives')).catch(() => [] as string[]);

test("each host's snapshot runs on that host, on its queue, into its RUNS_ROOT only", async () => {
  await Promise.all([startHost('h1'), startHost('h2')]);
  await placeRun('alpha', 'h1');
  await placeRun('beta', 'h2');
  // The same run id cannot exist twice, so the other host's root never holds these runs at all:
  // a snapshot taken by the wrong host would fail (no directory) instead of passing unnoticed.
  const a = await enqueueOperation(deps(), runSnapshot, { runid: 'alpha' });
  const b = await enqueueOperation(deps(), runSnapshot, { runid: 'beta' });
  expect(a.operation).toMatchObject({ hostId: 'h1', queue: 'compress' });
  expect(b.operation).toMatchObject({ hostId: 'h2', queue: 'compress' });
  expect(await queues.get(placedQueue('compress', 'h1')).getJob(a.operationId)).toBeDefined();
  expect(await queues.get('compress').getJob(a.operationId)).toBeUndefined();

  const done = await waitFor(async () => {
    const ops = await Promise.all([row(a.operationId), row(b.operationId)]);
    return ops.every((o) => o.status === 'succeeded') ? ops : null;
  }, 90_000);
  expect(done.map((o) => o.hostId)).toEqual(['h1', 'h2']);
  expect(await archivesOf('h1', 'alpha')).toHaveLength(1);
  expect(await archivesOf('h2', 'beta')).toHaveLength(1);
  expect(await fs.readdir(runsRoot('h1'))).toEqual(['alpha']);
  expect(await fs.readdir(runsRoot('h2'))).toEqual(['beta']);

  const hosts = await world.prisma.host.findMany({ orderBy: { id: 'asc' } });
  expect(hosts.map((h) => [h.id, h.runsRoot, effectiveHostStatus(h, world.config)])).toEqual([
    ['h1', runsRoot('h1'), 'online'],
    ['h2', runsRoot('h2'), 'online'],
  ]);
  expect(hosts.every((h) => h.freeBytes !== null && h.freeBytes > 0n)).toBe(true);
}, 180_000);

test('work for a host that is down waits for it (no other host takes it) and runs when it starts', async () => {
  await placeRun('gamma', 'h3');
  const { operationId } = await enqueueOperation(deps(), runSnapshot, { runid: 'gamma' });
  // h1 and h2 are up and idle: for a few seconds nobody may touch gamma's job.
  await new Promise((r) => setTimeout(r, 3000));
  expect(await row(operationId)).toMatchObject({ status: 'queued', hostId: 'h3' });
  expect(await archivesOf('h3', 'gamma')).toEqual([]);

  await startHost('h3');
  const op = await waitFor(async () => {
    const o = await row(operationId);
    return o.status === 'succeeded' ? o : null;
  }, 90_000);
  expect(op.hostId).toBe('h3');
  expect(await archivesOf('h3', 'gamma')).toHaveLength(1);
}, 180_000);

test('a host whose workers stop is reported offline once its heartbeat is older than HOST_OFFLINE_SECONDS', async () => {
  const h1 = byHost.get('h1')!;
  h1.kill('SIGKILL');
  await waitFor(async () => {
    const h = await world.prisma.host.findUniqueOrThrow({ where: { id: 'h1' } });
    return effectiveHostStatus(h, world.config) === 'offline';
  }, 20_000);
  const h2 = await world.prisma.host.findUniqueOrThrow({ where: { id: 'h2' } });
  expect(effectiveHostStatus(h2, world.config)).toBe('online');
}, 60_000);
