import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHIVES_DIR,
  BaseWorker,
  createQueueProvider,
  enqueueOperation,
  EventPublisher,
  replayEvents,
  runPath,
  runSnapshot,
  TERMINAL_EVENT_TYPES,
  verifyArchive,
} from '@arkive/shared';
import { ownerToken } from '@arkive/shared/archive/temp-owner';
import { createTestWorld, waitFor, type TestWorld } from '@arkive/shared/test-support/harness';
import { removeDeadSnapshotTemps } from './leftovers';
import { runSnapshotProcessor } from './processor';

/**
 * A compress worker killed with SIGKILL mid-snapshot: the next service start removes the partial
 * archive it left at once (not after ten minutes), and the job, picked up again by BullMQ's
 * stalled-job recovery, says in its log that the previous worker died and it resumed.
 */
jest.setTimeout(180_000);

let world: TestWorld;
let child: ChildProcess | undefined;
let worker: BaseWorker | undefined;
const ROOT = path.resolve(__dirname, '../../../..');

beforeAll(async () => {
  world = await createTestWorld();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await worker?.close(100);
  await world.close();
});

async function bulkyRun(runDir: string): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await fs.mkdir(path.join(runDir, `d${i}`), { recursive: true });
    await fs.writeFile(
      path.join(runDir, `d${i}`, 'series.csv'),
      Array.from({ length: 400_000 }, (_, j) => `${i},${j},${(j * 7919) % 10007}`).join('\n'),
    );
  }
}

test('a killed snapshot worker: its partial archive goes at the next start, and the resumed job says so', async () => {
  const runid = 'killed-mid-snapshot';
  const runDir = runPath(world.config.runsRoot, runid);
  await bulkyRun(runDir);
  const archives = path.join(runDir, ARCHIVES_DIR);
  await fs.mkdir(archives, { recursive: true });
  // temp files the start-up sweep must leave alone: a live process's (this one) and another host's
  const livePartial = `.other.zip.partial-${ownerToken(world.config.hostId)}-00000001`;
  const foreignPartial = `.other.zip.partial-${'0'.repeat(12)}${ownerToken().slice(12)}-00000002`;
  for (const f of [livePartial, foreignPartial]) await fs.writeFile(path.join(archives, f), 'x');

  child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'test-worker-child.ts')], {
    cwd: ROOT,
    // @arkive/shared from this checkout's source, as in the test itself (not a possibly stale dist/).
    env: {
      ...process.env,
      ...world.env,
      TSX_TSCONFIG_PATH: path.join(ROOT, 'shared/src/test-support/tsconfig.child.json'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child!.once('exit', (code) => reject(new Error(`worker child exited early (${code})`)));
  });
  const queues = createQueueProvider(world.redis, world.prefix);
  const publisher = new EventPublisher(world.redis, world.prefix);
  const { operationId, channel } = await enqueueOperation(
    { prisma: world.prisma, publisher, queues, config: world.config },
    runSnapshot,
    { runid, label: 'long' },
    { createdBy: 'alice' },
  );
  // kill it once its partial archive has data in it
  const isOurs = (n: string) => n.includes('.partial-') && n !== livePartial && n !== foreignPartial;
  const partial = await waitFor(async () => {
    for (const n of await fs.readdir(archives))
      if (isOurs(n) && !n.endsWith('.central') && (await fs.stat(path.join(archives, n))).size > 0) return n;
    return null;
  }, 60_000);
  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
  child = undefined;
  expect((await fs.readdir(archives)).filter(isOurs)).toContain(partial);

  // a restarted service removes it at once
  const removed = await removeDeadSnapshotTemps(world.config);
  expect(removed.map((r) => r.path)).toContain(`${runid}/${ARCHIVES_DIR}/${partial}`);
  expect((await fs.readdir(archives)).filter(isOurs)).toEqual([]);
  expect(await fs.readdir(archives)).toEqual(expect.arrayContaining([livePartial, foreignPartial]));

  // ... and its worker picks the stalled job up again
  worker = new BaseWorker({
    queue: 'compress',
    processors: [runSnapshotProcessor],
    config: world.config,
    prisma: world.prisma,
    connection: world.redis,
    lockDurationMs: 1500,
    stalledIntervalMs: 1000,
  });
  worker.start();
  await worker.waitUntilReady();
  const events = await waitFor(async () => {
    const evs = (await replayEvents(world.redis, world.prefix, channel)).filter(
      (e) => e.operationId === operationId,
    );
    return evs.some((e) => TERMINAL_EVENT_TYPES.has(e.type)) ? evs : null;
  }, 120_000);
  await queues.closeAll();
  expect(events.filter((e) => TERMINAL_EVENT_TYPES.has(e.type)).map((e) => e.type)).toEqual([
    'ARCHIVE_COMPLETE',
  ]);
  const op = await world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
  expect(op).toMatchObject({ status: 'succeeded', attempt: 1 });
  const logs = await world.prisma.operationLog.findMany({
    where: { operationId },
    orderBy: { id: 'asc' },
  });
  const messages = logs.map((l) => l.message);
  expect(messages.filter((m) => m.startsWith('Started'))).toHaveLength(1);
  const resumed = logs.find((l) => /stopped without finishing/.test(l.message));
  expect(resumed).toMatchObject({ level: 'WARNING' });
  expect(resumed!.message).toMatch(/resuming at: Archiving/);
  expect(messages.indexOf(resumed!.message)).toBeGreaterThan(messages.lastIndexOf('Started'));
  const result = op.result as { name: string };
  await expect(verifyArchive(path.join(archives, result.name))).resolves.toMatchObject({ ok: true });
  expect((await fs.readdir(archives)).filter(isOurs)).toEqual([]);
});
