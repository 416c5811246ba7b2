import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot, restoreArchive } from './index';
import { pythonZip, tempDir } from './test-fixtures';

/**
 * Modes come from the archive, but a crafted archive must not leave the run in a state its own
 * service cannot snapshot or replace later (files it cannot read, folders it cannot list or empty):
 * the owner keeps read on files and read/write/search on folders; setuid/setgid are dropped.
 */
describe('restored modes', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  test('a file with mode 000 and a folder with mode 000 come back readable by their owner; other bits as archived', async () => {
    const zip = path.join(root, 'modes.zip');
    pythonZip(zip, [
      { name: 'locked/', mode: 0o040000 },
      { name: 'locked/secret.dat', data: 'data', mode: 0o100000 },
      { name: 'ro-dir/', mode: 0o040555 },
      { name: 'group-only.txt', data: 'g', mode: 0o100040 },
      { name: 'normal.txt', data: 'n', mode: 0o100640 },
      { name: 'suid', data: 's', mode: 0o104755 },
    ]);
    const runDir = path.join(root, 'run');
    await fs.mkdir(runDir);
    await restoreArchive({ runDir, archivePath: zip, preRestoreSnapshot: false });
    const mode = async (rel: string) => (await fs.stat(path.join(runDir, rel))).mode & 0o7777;
    expect(await mode('locked')).toBe(0o700);
    expect(await mode('locked/secret.dat')).toBe(0o400);
    expect(await mode('ro-dir')).toBe(0o755);
    expect(await mode('group-only.txt')).toBe(0o440);
    expect(await mode('normal.txt')).toBe(0o640);
    expect(await mode('suid')).toBe(0o755);
    // the run can be snapshotted and restored over again
    const snap = await createSnapshot({ runDir });
    await restoreArchive({ runDir, archivePath: snap.path, preRestoreSnapshot: true });
  });
});
