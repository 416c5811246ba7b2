import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot, listArchives, restoreArchive, verifyArchive } from './index';
import { run, tempDir } from './test-fixtures';
import { treeState } from './tree-state';

async function trickyRun(root: string): Promise<string> {
  const runDir = path.join(root, 'run1');
  const w = async (rel: string, data: string | Buffer, mode = 0o644) => {
    const p = path.join(runDir, rel);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, data);
    await fs.chmod(p, mode);
  };
  await w('readme.txt', 'hello\n');
  await w('empty.txt', '');
  await w('bin/tool.sh', '#!/bin/sh\necho hi\n', 0o755);
  await w('secret.txt', 'private', 0o600);
  await w('data/random.bin', randomBytes(3 * 1024 * 1024 + 17)); // multi-chunk, stored
  await w('data/nibbles.bin', Buffer.from(randomBytes(3 * 1024 * 1024).map((b) => b & 0x0f))); // deflated chunks > 512 KiB
  await w(
    'data/text.csv',
    Array.from({ length: 200_000 }, (_, i) => `${i},${(i * 7) % 13},value`).join('\n'),
  ); // multi-chunk, deflated
  await w('unicode/ünïcödé 文件 🎉.txt', 'unicode\n');
  await w(`long/${'n'.repeat(200)}/${'f'.repeat(240)}.txt`, 'long names\n');
  await w('sub/archives/kept.txt', 'a nested archives/ folder is ordinary data\n');
  await fs.mkdir(path.join(runDir, 'empty-dir/nested-empty'), { recursive: true });
  await fs.symlink('readme.txt', path.join(runDir, 'link-to-readme'));
  await fs.symlink('../readme.txt', path.join(runDir, 'bin/link-up'));
  await fs.symlink('data', path.join(runDir, 'link-to-dir'));
  await fs.symlink('does-not-exist', path.join(runDir, 'dangling'));
  await fs.mkdir(path.join(runDir, 'archives'), { recursive: true });
  await fs.writeFile(path.join(runDir, 'archives/old.txt'), 'not archived');
  const old = new Date('2021-06-07T08:09:10Z');
  await fs.utimes(path.join(runDir, 'readme.txt'), old, old);
  await fs.utimes(path.join(runDir, 'empty-dir'), old, old);
  await fs.chmod(path.join(runDir, 'empty-dir/nested-empty'), 0o750);
  return runDir;
}

describe('snapshot → verify → restore round trip', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('restores a tricky tree exactly, file by file', async () => {
    const runDir = await trickyRun(root);
    const before = await treeState(runDir, { skipTop: ['archives'], mtimes: true });
    const progress: string[] = [];
    const snap = await createSnapshot({
      runDir,
      label: 'Before the big change!',
      onProgress: (p) => progress.push(p.stage),
    });
    expect(snap.name).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z_Before-the-big-change\.zip$/);
    expect(snap.path).toBe(path.join(runDir, 'archives', snap.name));
    expect(snap.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(snap.fileCount).toBe(Object.values(before).filter((n) => n.type === 'file').length);
    expect(progress).toContain('done');
    expect((await fs.stat(snap.path)).size).toBe(snap.size);

    const listing = run('unzip', ['-Z1', snap.path]).stdout.split('\n');
    expect(listing).toContain('sub/archives/kept.txt');
    expect(listing.some((n) => n.startsWith('archives/'))).toBe(false);

    expect(await verifyArchive(snap.path)).toEqual({
      ok: true,
      entries: Object.keys(before).length,
      manifest: true,
    });

    // Change the run, then restore: extra files vanish, archives/ is kept, content equals the snapshot.
    await fs.writeFile(path.join(runDir, 'readme.txt'), 'changed');
    await fs.writeFile(path.join(runDir, 'new-file.txt'), 'should disappear');
    await fs.rm(path.join(runDir, 'data'), { recursive: true });
    const restoredPaths: string[] = [];
    const res = await restoreArchive({
      runDir,
      archivePath: snap.path,
      onProgress: (p) => p.currentPath && restoredPaths.push(p.currentPath),
    });
    expect(res.filesRestored).toBe(snap.fileCount);
    expect(restoredPaths).toContain('data/random.bin');
    const after = await treeState(runDir, { skipTop: ['archives'], mtimes: true });
    expect(after).toEqual(before);
    expect(await fs.readFile(path.join(runDir, 'archives/old.txt'), 'utf8')).toBe('not archived');

    // The replaced content is recoverable from the pre-restore snapshot, listed with its kind.
    expect(res.preRestoreArchive?.name).toMatch(/^pre-restore-.*\.zip$/);
    const list = await listArchives(runDir);
    expect(list.map((a) => [a.name, a.kind]).sort()).toEqual(
      [
        [snap.name, 'snapshot'],
        [res.preRestoreArchive!.name, 'pre-restore'],
      ].sort(),
    );
    expect(list.find((a) => a.name === snap.name)).toMatchObject({
      label: 'Before the big change!',
      fileCount: snap.fileCount,
      size: snap.size,
    });
    const pre = path.join(root, 'pre');
    await fs.mkdir(pre);
    await restoreArchive({
      runDir: pre,
      archivePath: res.preRestoreArchive!.path,
      preRestoreSnapshot: false,
    });
    expect(await fs.readFile(path.join(pre, 'new-file.txt'), 'utf8')).toBe('should disappear');
    expect(await fs.readFile(path.join(pre, 'readme.txt'), 'utf8')).toBe('changed');
  });

  it('is readable by unzip, 7z and Python zipfile, which extract the same content', async () => {
    const runDir = await trickyRun(path.join(root, 'interop'));
    const before = await treeState(runDir, { skipTop: ['archives'] });
    const snap = await createSnapshot({ runDir, outDir: path.join(root, 'interop-out') });
    const t1 = run('unzip', ['-t', snap.path]);
    expect(t1.stdout).toContain('No errors detected');
    expect(t1.status).toBe(0);
    const t2 = run('7z', ['t', snap.path]);
    expect(t2.stdout).toContain('Everything is Ok');
    const t3 = run('python3', [
      '-c',
      'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(z.testzip())',
      snap.path,
    ]);
    expect(t3.stdout.trim()).toBe('None');
    const dest = path.join(root, 'interop-unzip');
    expect(run('unzip', ['-q', snap.path, '-d', dest]).status).toBe(0);
    await fs.rm(path.join(dest, '.arkive-manifest.jsonl'));
    const unzipped = await treeState(dest);
    // unzip restores modes, links and content the same way.
    for (const [p, node] of Object.entries(before)) {
      if (node.type === 'dir') continue;
      expect([p, unzipped[p]]).toEqual([p, node]);
    }
  });

  it('creates ZIP64 archives (>65,535 entries) that unzip, 7z and Python read', async () => {
    const runDir = path.join(root, 'many');
    for (let d = 0; d < 70; d++) {
      const dir = path.join(runDir, `d${d}`);
      await fs.mkdir(dir, { recursive: true });
      await Promise.all(Array.from({ length: 1000 }, (_, i) => fs.writeFile(path.join(dir, `f${i}`), '')));
    }
    const snap = await createSnapshot({ runDir, outDir: path.join(root, 'many-out') });
    expect(snap.entryCount).toBe(70 + 70_000 + 1);
    expect(run('unzip', ['-tq', snap.path]).stdout).toContain('No errors detected');
    expect(run('7z', ['t', snap.path]).stdout).toContain('Everything is Ok');
    const py = run('python3', [
      '-c',
      'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(len(z.infolist()), z.testzip())',
      snap.path,
    ]);
    expect(py.stdout.trim()).toBe(`${70_071} None`);
    expect((await verifyArchive(snap.path)).entries).toBe(70_070);
  }, 180_000);

  // ~1-2 minutes: a 4.4 GB sparse file (ZIP64 sizes, data descriptor). Run with ARKIVE_SLOW_TESTS=1.
  (process.env.ARKIVE_SLOW_TESTS ? it : it.skip)(
    'creates ZIP64 entries past 4 GiB that unzip, 7z and Python read',
    async () => {
      const runDir = path.join(root, 'huge');
      await fs.mkdir(runDir);
      await (await fs.open(path.join(runDir, 'huge.bin'), 'w')).truncate(4_400_000_000);
      const snap = await createSnapshot({ runDir, outDir: path.join(root, 'huge-out') });
      expect(run('unzip', ['-tq', snap.path]).stdout).toContain('No errors detected');
      expect(run('7z', ['t', snap.path]).stdout).toContain('Everything is Ok');
      const py = run('python3', [
        '-c',
        'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(z.getinfo("huge.bin").file_size, z.testzip())',
        snap.path,
      ]);
      expect(py.stdout.trim()).toBe('4400000000 None');
      expect(await verifyArchive(snap.path)).toMatchObject({ ok: true, manifest: true });
    },
    600_000,
  );

  it('restores archives made by other tools (no manifest: CRCs checked)', async () => {
    const runDir = await trickyRun(path.join(root, 'foreign'));
    const before = await treeState(runDir, { skipTop: ['archives'] });
    const zipPath = path.join(root, 'foreign.zip');
    expect(run('zip', ['-qry', zipPath, '.', '-x', 'archives/*'], { cwd: runDir }).status).toBe(0);
    expect(await verifyArchive(zipPath)).toMatchObject({ ok: true, manifest: false });
    const target = path.join(root, 'foreign-target');
    await fs.mkdir(target);
    const res = await restoreArchive({ runDir: target, archivePath: zipPath, preRestoreSnapshot: false });
    expect(res.manifest).toBe(false);
    const after = await treeState(target, { skipTop: ['archives'] });
    for (const [p, node] of Object.entries(before))
      if (node.type !== 'dir') expect([p, after[p]]).toEqual([p, node]);
  });

  it('reports the first corrupt entry by name', async () => {
    const runDir = path.join(root, 'corrupt');
    await fs.mkdir(runDir);
    const payload = randomBytes(200_000);
    await fs.writeFile(path.join(runDir, 'a.txt'), 'fine');
    await fs.writeFile(path.join(runDir, 'victim.bin'), payload);
    const snap = await createSnapshot({ runDir, outDir: path.join(root, 'corrupt-out') });
    const buf = await fs.readFile(snap.path);
    const at = buf.indexOf(payload.subarray(1000, 1032));
    expect(at).toBeGreaterThan(0);
    buf[at] ^= 0xff;
    const bad = path.join(root, 'corrupt-out/bad.zip');
    await fs.writeFile(bad, buf);
    await expect(verifyArchive(bad)).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      message: expect.stringContaining('"victim.bin"'),
    });
    // With two bad entries, the first in archive order is named.
    const early = randomBytes(300_000);
    await fs.writeFile(path.join(runDir, '0-early.bin'), early);
    const snap2 = await createSnapshot({ runDir, outDir: path.join(root, 'corrupt-out'), name: 'two.zip' });
    const buf2x = await fs.readFile(snap2.path);
    for (const p of [early, payload]) buf2x[buf2x.indexOf(p.subarray(5000, 5032))] ^= 0xff;
    await fs.writeFile(bad, buf2x);
    await expect(verifyArchive(bad)).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      message: expect.stringContaining('"0-early.bin"'),
    });
    await fs.rm(path.join(runDir, '0-early.bin'));
    // A run restored from it stays untouched.
    const before = await treeState(runDir);
    await expect(restoreArchive({ runDir, archivePath: bad })).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
    });
    expect(await treeState(runDir)).toEqual(before);
    // A tampered manifest hash is caught too.
    const buf2 = await fs.readFile(snap.path);
    const c = buf2.lastIndexOf(Buffer.from('"manifestSha256":"'));
    buf2[c + 18] = buf2[c + 18] === 0x30 ? 0x31 : 0x30;
    await fs.writeFile(bad, buf2);
    await expect(verifyArchive(bad)).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      message: expect.stringContaining('manifest'),
    });
  });

  it('a cancelled restore leaves the run as it was and no staging folder', async () => {
    const source = path.join(root, 'rc-source');
    await fs.mkdir(source);
    for (let i = 0; i < 300; i++) await fs.writeFile(path.join(source, `f${i}.txt`), `${i}\n`.repeat(5000));
    const snap = await createSnapshot({ runDir: source, outDir: path.join(root, 'rc-out') });
    const runDir = path.join(root, 'rc-run');
    await fs.mkdir(runDir);
    await fs.writeFile(path.join(runDir, 'mine.txt'), 'mine');
    const before = await treeState(runDir);
    const ac = new AbortController();
    const p = restoreArchive({
      runDir,
      archivePath: snap.path,
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.stage === 'extracting' && pr.filesDone >= 10) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await treeState(runDir)).toEqual(before);
    expect((await fs.readdir(root)).filter((n) => n.startsWith('.rc-run'))).toEqual([]);
  });

  it('stops promptly when cancelled and leaves no temp files', async () => {
    const runDir = path.join(root, 'cancel');
    await fs.mkdir(runDir);
    for (let i = 0; i < 8; i++)
      await fs.writeFile(
        path.join(runDir, `f${i}.csv`),
        Array.from({ length: 600_000 }, (_, j) => `${j},${i},x${j % 97}`).join('\n'),
      );
    const outDir = path.join(root, 'cancel-out');
    const ac = new AbortController();
    let abortedAt = 0;
    const p = createSnapshot({
      runDir,
      outDir,
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.bytesDone > 0 && !abortedAt) {
          abortedAt = Date.now();
          ac.abort();
        }
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(abortedAt).toBeGreaterThan(0);
    expect(await fs.readdir(outDir)).toEqual([]);
  });
});
