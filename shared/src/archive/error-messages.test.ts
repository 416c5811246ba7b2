import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot, restoreArchive } from './index';
import { pythonZip, tempDir, rejection } from './test-fixtures';
import { treeState } from './tree-state';

/**
 * A failure names the run file (or the archive) and the reason, never the staging folder or temp
 * file it happened in: a person can act on "results/x.dat: name too long", not on
 * "/runs/.vic.restore-…/results/x.dat".
 */
describe('error messages speak of run files, not of staging or temp paths', () => {
  let root: string;
  let n = 0;
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  async function makeRun() {
    const runDir = path.join(root, `run-${++n}`);
    await fs.mkdir(runDir);
    await fs.writeFile(path.join(runDir, 'keep.txt'), 'keep\n');
    return runDir;
  }
  const internal = (msg: string) => /\.restore-|\.old-|\.partial-/.test(msg);

  test('an entry whose name is too long for the file system is refused before anything is written, by its name', async () => {
    const runDir = await makeRun();
    const long = `results/${'x'.repeat(300)}.dat`;
    const zip = path.join(root, 'long.zip');
    pythonZip(zip, [
      { name: 'ok.txt', data: 'ok' },
      { name: long, data: 'data' },
    ]);
    const before = await treeState(runDir, { mtimes: true });
    const err = await rejection(restoreArchive({ runDir, archivePath: zip }));
    expect(err).toMatchObject({ code: 'ARCHIVE_NAME_TOO_LONG' });
    expect(err.message).toContain(long);
    expect(internal(err.message)).toBe(false);
    expect(await treeState(runDir, { mtimes: true })).toEqual(before);
  });

  test('a write that fails during extraction (ENOENT) names the entry, and the run is not changed', async () => {
    const runDir = await makeRun();
    const zip = path.join(root, 'many.zip');
    pythonZip(
      zip,
      Array.from({ length: 300 }, (_, i) => ({
        name: `d/f${String(i).padStart(3, '0')}.txt`,
        data: `${i}\n`,
      })),
    );
    const before = await treeState(runDir, { mtimes: true });
    let removed = false;
    const onProgress = (p: { stage: string }) => {
      if (p.stage !== 'extracting' || removed) return;
      removed = true;
      const staging = fsSync
        .readdirSync(root)
        .find((x) => x.startsWith(`.${path.basename(runDir)}.restore-`));
      // Renamed away, not removed: a recursive remove races the extractor's writes (ENOTEMPTY);
      // a rename is atomic, and every later write under d/ then fails with ENOENT.
      fsSync.renameSync(path.join(root, staging!, 'd'), path.join(root, `gone-${Date.now()}`));
    };
    const err = await rejection(
      restoreArchive({
        runDir,
        archivePath: zip,
        preRestoreSnapshot: false,
        onProgress,
      }),
    );
    expect(removed).toBe(true);
    expect(err).toMatchObject({ code: 'RESTORE_WRITE_FAILED' });
    expect(err.message).toMatch(/^Cannot restore d\/f\d{3}\.txt: .*\(ENOENT\); the run was not changed$/);
    expect(internal(err.message)).toBe(false);
    expect(err.message).not.toContain(root);
    expect(await treeState(runDir, { mtimes: true })).toEqual(before);
  });

  test('a snapshot whose temp file is removed under it names the archive, not the temp file', async () => {
    const runDir = await makeRun();
    const archives = path.join(runDir, 'archives');
    const onProgress = (p: { stage: string }) => {
      if (p.stage !== 'finalizing') return;
      for (const x of fsSync.readdirSync(archives))
        if (x.includes('.partial-')) fsSync.rmSync(path.join(archives, x));
    };
    const err = await rejection(createSnapshot({ runDir, name: 'snap.zip', onProgress }));
    expect(err).toMatchObject({ code: 'ARCHIVE_WRITE_FAILED' });
    expect(err.message).toContain('snap.zip');
    expect(internal(err.message)).toBe(false);
    expect(fsSync.readdirSync(archives)).toEqual([]);
  });

  test('a long archive name does not make its temp names too long (no ENAMETOOLONG)', async () => {
    const runDir = await makeRun();
    const name = `${'label-'.repeat(40)}.zip`; // 244 bytes: the limit is 255
    const snap = await createSnapshot({ runDir, name });
    expect(snap.name).toBe(name);
    expect(fsSync.readdirSync(path.join(runDir, 'archives'))).toEqual([name]);
  });
});
