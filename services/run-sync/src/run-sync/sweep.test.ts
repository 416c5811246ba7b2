import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PROVENANCE_FILE, runSyncDownloadPath, runSyncStagingRoot } from '@arkive/shared';
import { createTestWorld, type TestWorld } from '@arkive/shared/test-support/harness';
import { removeUnregisteredPlacement, sweepRunSyncLeftovers } from './sweep';

let world: TestWorld;
beforeAll(async () => {
  world = await createTestWorld();
});
afterAll(() => world.close());

async function op(status: 'running' | 'failed' | 'succeeded') {
  const row = await world.prisma.operation.create({
    data: { kind: 'run-sync', queue: 'run-sync', scopeType: 'run', scopeId: 'x', status },
  });
  return row.id;
}

test("start-up sweep removes leftovers of ended imports, never a running one's or a failed one's download", async () => {
  const running = await op('running');
  const failed = await op('failed');
  const done = await op('succeeded');
  const gone = randomUUID();
  const root = world.config.runsRoot;
  for (const id of [running, failed, done, gone])
    await fs.mkdir(path.join(runSyncStagingRoot(root, id), 'run'), { recursive: true });
  await fs.mkdir(path.join(root, 'a-real-run'), { recursive: true });
  for (const id of [running, failed, done]) {
    await fs.mkdir(path.dirname(runSyncDownloadPath(world.config.storageRoot, id)), { recursive: true });
    await fs.writeFile(runSyncDownloadPath(world.config.storageRoot, id), 'partial');
  }
  const removed = await sweepRunSyncLeftovers(world.config, world.prisma);
  expect(removed.sort()).toEqual(
    [
      runSyncStagingRoot(root, failed),
      runSyncStagingRoot(root, done),
      runSyncStagingRoot(root, gone),
      runSyncDownloadPath(world.config.storageRoot, done),
    ].sort(),
  );
  expect((await fs.readdir(root)).sort()).toEqual([`.run-sync-${running}`, 'a-real-run'].sort());
  expect((await fs.readdir(path.join(world.config.storageRoot, 'run-sync'))).sort()).toEqual(
    [`${running}.zip.part`, `${failed}.zip.part`].sort(),
  );
});

test('a placed but unregistered run is removed only when its provenance names this operation', async () => {
  const dir = path.join(world.config.runsRoot, 'placed-run');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, PROVENANCE_FILE), JSON.stringify({ operation_id: 'someone-else' }));
  expect(await removeUnregisteredPlacement(world.prisma, dir, 'placed-run', 'mine')).toBe(false);
  expect(await fs.readdir(dir)).toEqual([PROVENANCE_FILE]);
  await fs.writeFile(path.join(dir, PROVENANCE_FILE), JSON.stringify({ operation_id: 'mine' }));
  await world.prisma.run.create({ data: { id: 'placed-run' } });
  expect(await removeUnregisteredPlacement(world.prisma, dir, 'placed-run', 'mine')).toBe(false);
  await world.prisma.run.delete({ where: { id: 'placed-run' } });
  expect(await removeUnregisteredPlacement(world.prisma, dir, 'placed-run', 'mine')).toBe(true);
  await expect(fs.lstat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
});
