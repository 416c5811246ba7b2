import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConflictError } from '../errors';
import { LOCK_FILE_SUFFIX, findLockFiles } from '../runs';
import { createSnapshot, listArchives, restoreArchive } from './index';
import { tempDir, rejection } from './test-fixtures';
import { treeState } from './tree-state';

/**
 * From "restore started" to "swap done" the run must not change under the restore: a file created,
 * written or removed meanwhile (or a lock taken) refuses the restore, and the run stays exactly as
 * it is then, late changes included. Changes are made from the engine's own progress callback, so
 * they land at a known point without any timing.
 */
describe('a run that changes while it is being restored', () => {
  let root: string;
  let n = 0;
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  /** A run with content, an archive of it in zips/, and then different content. */
  async function setup() {
    const runDir = path.join(root, `run-${++n}`);
    await fs.mkdir(path.join(runDir, 'results'), { recursive: true });
    for (let i = 0; i < 40; i++)
      await fs.writeFile(path.join(runDir, 'results', `r${i}.dat`), `result ${i}\n`.repeat(100));
    await fs.writeFile(path.join(runDir, 'config.yaml'), 'steps: 10\n');
    const snap = await createSnapshot({ runDir, outDir: path.join(root, 'zips'), name: `run-${n}.zip` });
    await fs.writeFile(path.join(runDir, 'config.yaml'), 'steps: 20\n');
    await fs.writeFile(path.join(runDir, 'results', 'r0.dat'), 'rerun\n');
    await fs.mkdir(path.join(runDir, 'archives'));
    await fs.writeFile(path.join(runDir, 'archives', 'keep.zip'), 'x');
    return { runDir, archivePath: snap.path };
  }

  /** Calls `fn` once, the first time the restore reports `stage`. */
  const at = (stage: string, fn: () => void) => {
    let done = false;
    return (p: { stage: string }) => {
      if (p.stage === stage && !done) {
        done = true;
        fn();
      }
    };
  };

  const leftovers = async (runDir: string) =>
    (await fs.readdir(path.dirname(runDir))).filter((x) => x.startsWith(`.${path.basename(runDir)}.`));

  test('preRestoreSnapshot false: a lock file and a new output file created during extraction refuse the restore; both are kept', async () => {
    const { runDir, archivePath } = await setup();
    const onProgress = at('extracting', () => {
      fsSync.writeFileSync(path.join(runDir, `sim${LOCK_FILE_SUFFIX}`), '');
      fsSync.writeFileSync(path.join(runDir, 'results', 'new-output.dat'), 'late output\n');
    });
    const err = await rejection(
      restoreArchive({ runDir, archivePath, preRestoreSnapshot: false, onProgress }),
    );
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'RUN_CHANGED', status: 409 });
    expect((err as Error).message).toContain('results/new-output.dat');
    expect((err as Error).message).toMatch(/nothing was replaced/);
    expect(await fs.readFile(path.join(runDir, 'results', 'new-output.dat'), 'utf8')).toBe('late output\n');
    expect(await findLockFiles(runDir)).toEqual([`sim${LOCK_FILE_SUFFIX}`]);
    expect(await fs.readFile(path.join(runDir, 'config.yaml'), 'utf8')).toBe('steps: 20\n');
    expect(await leftovers(runDir)).toEqual([]);
  });

  test('the lock check given by the caller runs right before the swap: a lock taken during extraction refuses with its error', async () => {
    const { runDir, archivePath } = await setup();
    const lockFile = path.join(runDir, `climate${LOCK_FILE_SUFFIX}`);
    const assertUnlocked = async (dir: string) => {
      const locks = await findLockFiles(dir);
      if (locks.length) throw new ConflictError('RUN_LOCKED', `Run is locked (${locks.join(', ')})`);
    };
    await assertUnlocked(runDir); // free when the restore starts
    const before = await treeState(runDir, { mtimes: true });
    const onProgress = at('extracting', () => fsSync.writeFileSync(lockFile, 'pid 42'));
    await expect(
      restoreArchive({ runDir, archivePath, preRestoreSnapshot: true, assertUnlocked, onProgress }),
    ).rejects.toMatchObject({ code: 'RUN_LOCKED', message: expect.stringContaining('climate.nodb.lock') });
    await fs.rm(lockFile);
    expect(await treeState(runDir, { mtimes: true, skipTop: ['archives'] })).toEqual(
      Object.fromEntries(Object.entries(before).filter(([k]) => !k.startsWith('archives'))),
    );
    // the pre-restore archive made for the refused restore is gone again
    expect((await listArchives(runDir)).map((a) => a.name)).toEqual(['keep.zip']);
    expect(await leftovers(runDir)).toEqual([]);
  });

  test('preRestoreSnapshot true: a file rewritten during the pre-restore snapshot (same size, mtime put back) refuses the restore', async () => {
    const { runDir, archivePath } = await setup();
    const target = path.join(runDir, 'results', 'r7.dat');
    const st = await fs.stat(target);
    const onProgress = at('pre-restore-snapshot', () => {
      fsSync.writeFileSync(target, 'RESULT 7\n'.repeat(100).slice(0, st.size));
      fsSync.utimesSync(target, st.atime, st.mtime);
    });
    await expect(
      restoreArchive({ runDir, archivePath, preRestoreSnapshot: true, onProgress }),
    ).rejects.toMatchObject({ code: 'RUN_CHANGED' });
    expect(await fs.readFile(target, 'utf8')).toBe('RESULT 7\n'.repeat(100).slice(0, st.size));
    expect((await listArchives(runDir)).map((a) => a.name)).toEqual(['keep.zip']);
  });

  test('a file written after the last check, while the swap starts, is caught with the run moved aside and the run put back', async () => {
    const { runDir, archivePath } = await setup();
    const onProgress = at('swapping', () =>
      fsSync.writeFileSync(path.join(runDir, 'results', 'last-second.dat'), 'just in time\n'),
    );
    await expect(
      restoreArchive({ runDir, archivePath, preRestoreSnapshot: false, onProgress }),
    ).rejects.toMatchObject({ code: 'RUN_CHANGED' });
    expect(await fs.readFile(path.join(runDir, 'results', 'last-second.dat'), 'utf8')).toBe('just in time\n');
    expect(await fs.readFile(path.join(runDir, 'config.yaml'), 'utf8')).toBe('steps: 20\n');
    expect(await fs.readFile(path.join(runDir, 'archives', 'keep.zip'), 'utf8')).toBe('x');
    expect(await leftovers(runDir)).toEqual([]);
  });

  test('a file removed during extraction refuses the restore too', async () => {
    const { runDir, archivePath } = await setup();
    const onProgress = at('extracting', () => fsSync.rmSync(path.join(runDir, 'results', 'r3.dat')));
    const err = await rejection(
      restoreArchive({ runDir, archivePath, preRestoreSnapshot: false, onProgress }),
    );
    expect(err).toMatchObject({ code: 'RUN_CHANGED' });
    expect((err as Error).message).toContain('results/');
    expect(await fs.readFile(path.join(runDir, 'results', 'r0.dat'), 'utf8')).toBe('rerun\n');
  });

  test('an unchanged run is restored as before', async () => {
    const { runDir, archivePath } = await setup();
    const r = await restoreArchive({ runDir, archivePath, preRestoreSnapshot: true });
    expect(await fs.readFile(path.join(runDir, 'config.yaml'), 'utf8')).toBe('steps: 10\n');
    expect((await listArchives(runDir)).map((a) => a.name).sort()).toEqual(
      ['keep.zip', r.preRestoreArchive!.name].sort(),
    );
  });
});
