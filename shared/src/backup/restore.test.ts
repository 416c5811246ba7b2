import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backupDir } from './backup';
import { planRestoreFromStaging, planRestoreFromTree, walkRunAhead } from './plan';
import { ensureResticRepo } from './repos';
import { resticAtLeast } from './restic';
import { resticRestore } from './restore';
import { listTree } from './snapshots';

const haveRestic = spawnSync('sh', ['-c', 'command -v restic']).status === 0;

(haveRestic ? describe : describe.skip)('resticRestore and the plan from staging (real restic)', () => {
  let root: string;
  let runDir: string;
  const repo = { location: '', password: 'pw' };
  let snapshotId: string;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-brestore-'));
    runDir = path.join(root, 'run');
    repo.location = path.join(root, 'repo');
    await fs.mkdir(path.join(runDir, 'deep', 'er'), { recursive: true });
    for (let i = 0; i < 40; i++)
      await fs.writeFile(path.join(runDir, 'deep', `f${i}.txt`), `file ${i}\n`.repeat(i));
    await fs.writeFile(path.join(runDir, 'deep', 'er', 'x.bin'), Buffer.alloc(300_000, 7));
    await fs.symlink('deep/f1.txt', path.join(runDir, 'link'));
    await fs.utimes(path.join(runDir, 'deep', 'f3.txt'), 1_000_000, 1_000_000);
    await ensureResticRepo(repo);
    snapshotId = (await backupDir(repo, runDir, { runid: 'run', purpose: 'test' })).snapshotId;
  }, 120_000);
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('says when restic only verifies: the restored tree is complete then, and the plan taken then is the final one', async () => {
    const target = path.join(root, 'target');
    await fs.mkdir(target);
    let atRestored: Awaited<ReturnType<typeof planRestoreFromStaging>> | undefined;
    let early: Promise<void> | undefined;
    await resticRestore(repo, snapshotId, target, {
      bytesTotal: 0,
      onRestored: () => {
        early = planRestoreFromStaging(path.join(root, 'none'), target).then((p) => {
          atRestored = p;
        });
      },
    });
    // restic 0.14 and 0.15 say "verifying files in"; 0.16+ (--json) do not, and nothing is called
    if (await resticAtLeast(16)) expect(early).toBeUndefined();
    else expect(early).toBeDefined();
    await early;
    const after = await planRestoreFromStaging(path.join(root, 'none'), target);
    if (atRestored) expect(atRestored).toEqual(after);
    expect(after.files).toBe(41);
    // the same plan as from the snapshot's own listing (restic ls), against the run itself
    const fromTree = await planRestoreFromTree(runDir, await listTree(repo, snapshotId));
    const fromStaging = await planRestoreFromStaging(runDir, target, walkRunAhead(runDir));
    expect(fromStaging.plan).toEqual(fromTree);
    expect(fromTree.unchanged).toBe(44); // 41 files, 2 folders, 1 link
    expect(fromTree.replaced).toEqual([]);
  }, 120_000);

  it('a plan against a run that differs names what the restore adds, replaces and removes', async () => {
    const target = path.join(root, 'target2');
    await fs.mkdir(target);
    await resticRestore(repo, snapshotId, target, { bytesTotal: 0 });
    const changed = path.join(root, 'changed');
    expect(spawnSync('cp', ['-a', runDir, changed]).status).toBe(0);
    await fs.writeFile(path.join(changed, 'deep', 'f2.txt'), 'other\n');
    await fs.rm(path.join(changed, 'deep', 'er'), { recursive: true });
    await fs.writeFile(path.join(changed, 'new.txt'), 'new\n');
    await fs.chmod(path.join(changed, 'deep', 'f5.txt'), 0o600);
    const { plan } = await planRestoreFromStaging(changed, target, walkRunAhead(changed));
    expect(plan).toMatchObject({
      added: ['deep/er', 'deep/er/x.bin'],
      replaced: ['deep/f2.txt', 'deep/f5.txt'],
      removed: ['new.txt'],
    });
    expect(plan.files).toBe(3);
  }, 120_000);
});
