import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backupDir } from './backup';
import { ensureResticRepo } from './repos';
import { ResticError } from './restic';

const haveRestic = spawnSync('sh', ['-c', 'command -v restic']).status === 0;

(haveRestic ? describe : describe.skip)('ensureResticRepo (real restic)', () => {
  let root: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-repos-'));
    await fs.mkdir(path.join(root, 'run'));
    await fs.writeFile(path.join(root, 'run', 'a.txt'), 'alpha\n');
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('creates a missing local repository, and a backup into it works', async () => {
    const repo = { location: path.join(root, 'nested', 'repo'), password: 'pw' };
    await ensureResticRepo(repo);
    expect((await fs.stat(path.join(repo.location, 'config'))).isFile()).toBe(true);
    const s = await backupDir(repo, path.join(root, 'run'), { runid: 'run', purpose: 'test' });
    expect(s.totalFiles).toBe(1);
  }, 60_000);

  it('takes a local repository with a config file as created (no restic run); a bad one fails at the backup', async () => {
    const bogus = path.join(root, 'bogus');
    await fs.mkdir(bogus);
    await fs.writeFile(path.join(bogus, 'config'), 'not a restic config');
    const repo = { location: bogus, password: 'pw' };
    await expect(ensureResticRepo(repo)).resolves.toBeUndefined();
    await expect(
      backupDir(repo, path.join(root, 'run'), { runid: 'run', purpose: 'test' }),
    ).rejects.toBeInstanceOf(ResticError);
  }, 60_000);
});
