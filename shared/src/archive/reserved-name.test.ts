import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot, restoreArchive, verifyArchive } from './index';
import { MANIFEST_NAME } from './manifest';
import { pythonZip, run, tempDir, rejection } from './test-fixtures';
import { treeState } from './tree-state';

/**
 * `.arkive-manifest.jsonl` at the top of a run is the name of our manifest. An archive that would
 * put it into a run is refused before anything changes; a run that holds it anyway (someone
 * unzipped an archive into it) is snapshotted with the manifest under another name.
 */
describe('the manifest name', () => {
  let root: string;
  let n = 0;
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  async function runWith(name: string) {
    const runDir = path.join(root, name);
    await fs.mkdir(path.join(runDir, 'archives'), { recursive: true });
    await fs.writeFile(path.join(runDir, 'data.txt'), 'current\n');
    return runDir;
  }

  test.each([MANIFEST_NAME, `./${MANIFEST_NAME}`, `${MANIFEST_NAME}/inside.txt`])(
    'a foreign ZIP with an entry %s is refused with ARCHIVE_RESERVED_NAME; the run is untouched',
    async (entry) => {
      const runDir = await runWith(`foreign-${++n}`);
      const zip = path.join(root, `foreign-${n}.zip`);
      pythonZip(zip, [
        { name: 'ok.txt', data: 'fine' },
        { name: entry, data: '{"format":"not ours"}\n' },
      ]);
      const before = await treeState(runDir, { mtimes: true });
      const err = await rejection(restoreArchive({ runDir, archivePath: zip }));
      expect(err).toMatchObject({ code: 'ARCHIVE_RESERVED_NAME' });
      expect(err.message).toContain(MANIFEST_NAME);
      expect(err.message).toMatch(/reserves/);
      expect(await treeState(runDir, { mtimes: true })).toEqual(before);
      // ... and the run can still be snapshotted and restored with a pre-restore snapshot
      const snap = await createSnapshot({ runDir });
      await restoreArchive({ runDir, archivePath: snap.path, preRestoreSnapshot: true });
    },
  );

  test('a run holding the name is snapshotted (manifest under another name) and round-trips byte for byte', async () => {
    const runDir = await runWith('holds-it');
    await fs.writeFile(path.join(runDir, MANIFEST_NAME), 'a file a person put here\n');
    const snap = await createSnapshot({ runDir, label: 'with the name' });
    expect(snap.fileCount).toBe(2);
    await expect(verifyArchive(snap.path)).resolves.toMatchObject({ ok: true, manifest: true });
    const listing = run('unzip', ['-Z1', snap.path]).stdout.trim().split('\n').sort();
    expect(listing).toContain(MANIFEST_NAME);
    expect(listing.filter((n) => /^\.arkive-manifest\.[0-9a-f]{8}\.jsonl$/.test(n))).toHaveLength(1);

    // restore into another run: the file comes back as it was
    const other = await runWith('gets-it');
    await restoreArchive({ runDir: other, archivePath: snap.path, preRestoreSnapshot: true });
    expect(await fs.readFile(path.join(other, MANIFEST_NAME), 'utf8')).toBe('a file a person put here\n');
    expect(await treeState(other, { skipTop: ['archives'] })).toEqual(
      await treeState(runDir, { skipTop: ['archives'] }),
    );
    // and the run that holds it can be restored with a pre-restore snapshot (which must hold it too)
    const r = await restoreArchive({ runDir, archivePath: snap.path, preRestoreSnapshot: true });
    const check = path.join(root, 'unzipped');
    expect(run('unzip', ['-q', r.preRestoreArchive!.path, '-d', check]).status).toBe(0);
    expect(await fs.readFile(path.join(check, MANIFEST_NAME), 'utf8')).toBe('a file a person put here\n');
  });
});
