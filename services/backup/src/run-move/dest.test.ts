import fs from 'node:fs/promises';
import path from 'node:path';
import { backupDir, ensureResticRepo, resticRepoFor, resticRestore, type ResticRepo } from '@arkive/shared';
import { createTestWorld, type TestWorld } from '@arkive/shared/test-support/harness';
import { makeRun, tree } from '../test-support/fixtures';
import { restoredByMove, restoreForMove, unmarkMove, verifyAgainstSnapshot } from './dest';

let world: TestWorld;
let repo: ResticRepo;
beforeAll(async () => {
  world = await createTestWorld({ BACKUP_PASSWORD: 'move-dest-test' });
  repo = resticRepoFor(world.config, 'local');
  await ensureResticRepo(repo);
});
afterAll(() => world.close());

const opts = (opId: string) => ({ opId, hostId: 'h2', bytesTotal: 0, files: 0, includeArchives: false });

test('the copy a move restores carries its mark until the checkpoint: a resumed move knows it as its own', async () => {
  const { runid, runDir } = await makeRun(world);
  const { snapshotId } = await backupDir(repo, runDir, { runid, purpose: 'move', includeArchives: false });
  const dest = path.join(world.dataDir, 'h2', runid);
  await restoreForMove(repo, snapshotId, dest, opts('op-1'));

  // as a worker killed right after the rename leaves it: in place, marked, not yet verified
  expect(await restoredByMove(dest, 'op-1')).toBe(true);
  expect(await restoredByMove(dest, 'op-2')).toBe(false);
  await expect(
    verifyAgainstSnapshot(repo, snapshotId, dest, { includeArchives: false }),
  ).rejects.toMatchObject({
    code: 'MOVE_VERIFY_FAILED',
    details: { extra: ['.arkive-move-op-1'] },
  });
  await unmarkMove(dest, 'op-1');
  expect(await restoredByMove(dest, 'op-1')).toBe(false);
  await expect(
    verifyAgainstSnapshot(repo, snapshotId, dest, { includeArchives: false }),
  ).resolves.toMatchObject({
    files: 12,
  });
  expect(await tree(dest)).toEqual(await tree(runDir));
});

test('a directory the move did not restore is never taken for its copy, nor replaced', async () => {
  const { runid, runDir } = await makeRun(world);
  const { snapshotId } = await backupDir(repo, runDir, { runid, purpose: 'move', includeArchives: false });
  const dest = path.join(world.dataDir, 'h2', runid);
  await fs.mkdir(dest, { recursive: true });
  await fs.writeFile(path.join(dest, 'someone-elses.txt'), 'keep me');
  expect(await restoredByMove(dest, 'op-3')).toBe(false);
  await expect(restoreForMove(repo, snapshotId, dest, opts('op-3'))).rejects.toMatchObject({
    code: 'RUN_EXISTS',
  });
  expect(await fs.readdir(dest)).toEqual(['someone-elses.txt']);
});

/** A run backed up (with or without archives/) and restored into a fresh folder, as a move's destination. */
async function restored(includeArchives: boolean) {
  const { runid, runDir } = await makeRun(world);
  const { snapshotId } = await backupDir(repo, runDir, { runid, purpose: 'move', includeArchives });
  const dest = path.join(world.dataDir, `dest-${runid}`);
  await fs.mkdir(dest);
  await resticRestore(repo, snapshotId, dest, { bytesTotal: 0 });
  if (!includeArchives) await fs.rm(path.join(dest, 'archives'), { recursive: true, force: true });
  return { snapshotId, dest };
}

test('a faithful copy passes; a missing, an extra or a resized file fails naming it', async () => {
  const { snapshotId, dest } = await restored(false);
  const ok = await verifyAgainstSnapshot(repo, snapshotId, dest, { includeArchives: false });
  // 8 outputs, cli.txt, run.sh, noise.bin and the symlink
  expect(ok.files).toBe(12);
  expect(ok.bytes).toBeGreaterThan(256 * 1024);

  await fs.writeFile(path.join(dest, 'wepp', 'stray.txt'), 'not in the snapshot');
  await expect(
    verifyAgainstSnapshot(repo, snapshotId, dest, { includeArchives: false }),
  ).rejects.toMatchObject({
    code: 'MOVE_VERIFY_FAILED',
    details: { extra: ['wepp/stray.txt'], missing: [], wrongSize: [] },
  });
  await fs.rm(path.join(dest, 'wepp', 'stray.txt'));
  await fs.truncate(path.join(dest, 'noise.bin'), 10);
  await expect(
    verifyAgainstSnapshot(repo, snapshotId, dest, { includeArchives: false }),
  ).rejects.toMatchObject({
    details: { wrongSize: ['noise.bin'] },
  });
  await fs.rm(path.join(dest, 'noise.bin'));
  await expect(
    verifyAgainstSnapshot(repo, snapshotId, dest, { includeArchives: false }),
  ).rejects.toMatchObject({
    details: { missing: ['noise.bin'] },
  });
});

test('archives/ counts only when the move carries it', async () => {
  const { snapshotId, dest } = await restored(true);
  const ok = await verifyAgainstSnapshot(repo, snapshotId, dest, { includeArchives: true });
  expect(ok.files).toBe(13);
  await fs.rm(path.join(dest, 'archives', 'not-backed-up.zip'));
  await expect(
    verifyAgainstSnapshot(repo, snapshotId, dest, { includeArchives: true }),
  ).rejects.toMatchObject({
    details: { missing: ['archives/not-backed-up.zip'] },
  });
  // without archives/ in the move, what lies there is not compared
  await expect(
    verifyAgainstSnapshot(repo, snapshotId, dest, { includeArchives: false }),
  ).resolves.toMatchObject({
    files: 12,
  });
});
