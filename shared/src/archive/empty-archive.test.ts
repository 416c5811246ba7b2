import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot, listArchives, restoreArchive } from './index';
import { countArchiveFiles } from './list';
import { pythonZip, tempDir, rejection } from './test-fixtures';
import { treeState } from './tree-state';

/** An archive without files would empty the run: the engine refuses it unless allowEmpty confirms. */
describe('restoring an archive that holds no files', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  async function runWithContent(name: string) {
    const runDir = path.join(root, name);
    await fs.mkdir(path.join(runDir, 'results'), { recursive: true });
    await fs.writeFile(path.join(runDir, 'results', 'out.dat'), 'weeks of work\n');
    return runDir;
  }

  test.each([
    ['an empty ZIP', [] as Parameters<typeof pythonZip>[1]],
    ['a ZIP of empty folders', [{ name: 'a/' }, { name: 'a/b/' }]],
  ])('%s is refused with ARCHIVE_EMPTY and the run kept; allowEmpty restores it', async (title, entries) => {
    const runDir = await runWithContent(`run-${title.length}`);
    const zip = path.join(root, `${title.length}.zip`);
    pythonZip(zip, entries);
    expect(await countArchiveFiles(zip)).toEqual({ files: 0, entries: entries.length });
    const before = await treeState(runDir, { mtimes: true });
    const err = await rejection(restoreArchive({ runDir, archivePath: zip }));
    expect(err).toMatchObject({ code: 'ARCHIVE_EMPTY', status: 422 });
    expect(err.message).toMatch(/holds no files/);
    expect(err.message).toMatch(/allowEmpty/);
    expect(await treeState(runDir, { mtimes: true })).toEqual(before);
    expect(await listArchives(runDir)).toEqual([]);

    const r = await restoreArchive({ runDir, archivePath: zip, allowEmpty: true });
    expect(r.filesRestored).toBe(0);
    await expect(fs.stat(path.join(runDir, 'results'))).rejects.toThrow();
    expect(r.preRestoreArchive?.fileCount).toBe(1);
  });

  test('an Arkive snapshot of an empty run counts as empty too; one with a file does not', async () => {
    const empty = path.join(root, 'empty-run');
    await fs.mkdir(empty);
    const snap = await createSnapshot({ runDir: empty, outDir: path.join(root, 'zips') });
    expect(await countArchiveFiles(snap.path)).toEqual({ files: 0, entries: 0 });
    const full = await runWithContent('full');
    const s2 = await createSnapshot({ runDir: full, outDir: path.join(root, 'zips'), name: 'full.zip' });
    expect(await countArchiveFiles(s2.path)).toEqual({ files: 1, entries: 2 });
  });
});
