import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BatchFailure, ExtractPool, StoppedError } from './extract-pool';
import { createSnapshot, restoreArchive, verifyArchive } from './index';
import { ZipReader, type ZipEntry } from './reader';
import { workBatches } from './restore';
import type { PlannedEntry } from './safety';
import { pythonZip, rejection, tempDir } from './test-fixtures';
import { treeState } from './tree-state';
import type { ArchiveProgress } from './types';

/**
 * The worker threads extract every file entry, large ones (streamed in 1 MiB pieces) as well as
 * small ones (in batches): content, modes and mtimes come out exact, every corruption is caught in
 * the worker and named, a failed or stopped task leaves no file behind, and nothing of a failed
 * restore reaches the run.
 */
const MiB = 1 << 20;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Compressible text of about `n` bytes (deflated in several pieces). */
const text = (n: number, seed: number) =>
  Buffer.from(
    Array.from({ length: Math.ceil(n / 8) }, (_, i) => `${i},${(i * seed) % 9973},v${i % 89}\n`).join(''),
  ).subarray(0, n);

describe('restore and verify in the worker threads', () => {
  let root: string;
  let source: string;
  let archive: string;
  const files: Record<string, Buffer> = {};
  beforeAll(async () => {
    root = await tempDir();
    source = path.join(root, 'source');
    files['large/text.csv'] = text(9 * MiB + 123, 7); // deflated, > 4 MiB: streams
    files['large/random.bin'] = randomBytes(6 * MiB + 5); // stored, > 4 MiB: streams
    files['mid/a.csv'] = text(2 * MiB, 3); // alone in its batch
    for (let i = 0; i < 150; i++) files[`small/f${i}.txt`] = text(100 + i * 37, i + 1);
    files['small/empty.txt'] = Buffer.alloc(0);
    for (const [rel, data] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(source, rel)), { recursive: true });
      await fs.writeFile(path.join(source, rel), data);
    }
    await fs.chmod(path.join(source, 'large/random.bin'), 0o640);
    const old = new Date('2022-03-04T05:06:07.891Z');
    await fs.utimes(path.join(source, 'large/text.csv'), old, old);
    archive = (await createSnapshot({ runDir: source, outDir: path.join(root, 'out') })).path;
  }, 120_000);
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  /** A copy of the archive with `patch` applied to its bytes, given the named entry and its data offset. */
  async function patched(name: string, out: string, patch: (buf: Buffer, e: ZipEntry, data: number) => void) {
    const reader = await ZipReader.open(archive);
    const e = reader.entries.find((x) => x.name === name)!;
    const data = await reader.dataOffset(e);
    await reader.close();
    const buf = await fs.readFile(archive);
    patch(buf, e, data);
    const p = path.join(root, out);
    await fs.writeFile(p, buf);
    return { path: p, entry: e };
  }

  async function freshRun(name: string) {
    const runDir = path.join(root, name);
    await fs.mkdir(runDir);
    await fs.writeFile(path.join(runDir, 'mine.txt'), 'mine\n');
    return runDir;
  }
  const leftovers = async (name: string) => (await fs.readdir(root)).filter((n) => n.startsWith(`.${name}.`));

  it('restores large (streamed) and small (batched) files exactly, reporting a large file as it is written', async () => {
    const runDir = await freshRun('exact');
    const progress: ArchiveProgress[] = [];
    const res = await restoreArchive({
      runDir,
      archivePath: archive,
      preRestoreSnapshot: false,
      onProgress: (p) => progress.push({ ...p }),
    });
    expect(res).toMatchObject({ filesRestored: Object.keys(files).length, manifest: true });
    expect(await treeState(runDir, { mtimes: true })).toEqual(await treeState(source, { mtimes: true }));
    for (const [rel, data] of Object.entries(files))
      expect([rel, sha(await fs.readFile(path.join(runDir, rel)))]).toEqual([rel, sha(data)]);
    expect((await fs.stat(path.join(runDir, 'large/random.bin'))).mode & 0o777).toBe(0o640);
    expect((await fs.stat(path.join(runDir, 'large/text.csv'))).mtimeMs).toBe(
      (await fs.stat(path.join(source, 'large/text.csv'))).mtimeMs,
    );
    // Progress inside the 9 MiB file, before it is counted as done.
    const during = progress.filter(
      (p) => p.stage === 'extracting' && p.currentPath === 'large/text.csv' && p.bytesDone > 0,
    );
    expect(during.length).toBeGreaterThan(3);
    const extracting = progress.filter((p) => p.stage === 'extracting');
    for (let i = 1; i < extracting.length; i++)
      expect(extracting[i].filesDone).toBeGreaterThanOrEqual(extracting[i - 1].filesDone);
    expect(extracting[extracting.length - 1]).toMatchObject({
      filesDone: Object.keys(files).length,
      bytesDone: extracting[0].bytesTotal,
    });
    expect(await verifyArchive(archive)).toMatchObject({ ok: true, manifest: true });
  });

  it('a corrupt large deflated entry is caught in the worker, named, and nothing reaches the run', async () => {
    const bad = await patched('large/text.csv', 'deflate-bad.zip', (buf, e, data) => {
      for (let i = 0; i < 64; i++) buf[data + Math.floor(e.compressedSize / 2) + i] ^= 0x5a;
    });
    const runDir = await freshRun('deflate-bad');
    const before = await treeState(runDir, { mtimes: true });
    const err = await rejection(restoreArchive({ runDir, archivePath: bad.path }));
    expect(err).toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      message: expect.stringContaining('"large/text.csv"'),
    });
    expect(await treeState(runDir, { mtimes: true })).toEqual(before);
    expect(await leftovers('deflate-bad')).toEqual([]);
    // No pre-restore snapshot of a refused restore stays behind either.
    expect(await fs.readdir(runDir)).toEqual(['mine.txt']);
    await expect(verifyArchive(bad.path)).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      message: expect.stringContaining('"large/text.csv"'),
    });
  });

  it('a CRC-32 mismatch of a large stored entry (content changed, sizes intact) is caught', async () => {
    const bad = await patched('large/random.bin', 'stored-bad.zip', (buf, e, data) => {
      buf[data + e.compressedSize - 10] ^= 0x01;
    });
    expect(bad.entry.method).toBe(0);
    const runDir = await freshRun('stored-bad');
    const before = await treeState(runDir, { mtimes: true });
    const err = await rejection(restoreArchive({ runDir, archivePath: bad.path, preRestoreSnapshot: false }));
    expect(err).toMatchObject({ code: 'ARCHIVE_CORRUPT' });
    expect(err.message).toContain('"large/random.bin"');
    expect(err.message).toContain('CRC-32 mismatch');
    expect(await treeState(runDir, { mtimes: true })).toEqual(before);
    expect(await leftovers('stored-bad')).toEqual([]);
    await expect(verifyArchive(bad.path)).rejects.toMatchObject({
      message: expect.stringContaining('CRC-32 mismatch'),
    });
  });

  it('a CRC-32 in the central directory that does not match a large deflated entry is caught', async () => {
    // Archives of other tools have no manifest: the CRC is their only check.
    const zip = path.join(root, 'foreign.zip');
    pythonZip(zip, [
      { name: 'ok.txt', data: 'ok' },
      { name: 'big/text.csv', data: text(5 * MiB, 11).toString() },
    ]);
    const reader = await ZipReader.open(zip);
    const e = reader.entries.find((x) => x.name === 'big/text.csv')!;
    const cdOffset = reader.cdOffset;
    await reader.close();
    expect(e.method).toBe(8);
    const buf = await fs.readFile(zip);
    // The entry's central directory record (signature, then the name at +46): its CRC is at +16.
    const cd = buf.indexOf(Buffer.from('big/text.csv'), cdOffset) - 46;
    expect(buf.readUInt32LE(cd)).toBe(0x02014b50);
    expect(buf.readUInt32LE(cd + 16)).toBe(e.crc >>> 0);
    buf.writeUInt32LE((e.crc ^ 0x1000) >>> 0, cd + 16);
    await fs.writeFile(zip, buf);
    const runDir = await freshRun('crc-bad');
    const before = await treeState(runDir, { mtimes: true });
    const err = await rejection(restoreArchive({ runDir, archivePath: zip, preRestoreSnapshot: false }));
    expect(err).toMatchObject({ code: 'ARCHIVE_CORRUPT' });
    expect(err.message).toContain('"big/text.csv"');
    expect(err.message).toContain('CRC-32 mismatch');
    expect(await treeState(runDir, { mtimes: true })).toEqual(before);
    expect(await leftovers('crc-bad')).toEqual([]);
  });

  it('cancelled while a large file streams: CANCELLED, the run as it was, no staging folder', async () => {
    const runDir = await freshRun('cancel-large');
    const before = await treeState(runDir, { mtimes: true });
    const ac = new AbortController();
    let abortedAtBytes = -1;
    let lastFilesDone = 0;
    const p = restoreArchive({
      runDir,
      archivePath: archive,
      signal: ac.signal,
      preRestoreSnapshot: false,
      onProgress: (pr) => {
        if (pr.stage !== 'extracting') return;
        lastFilesDone = pr.filesDone;
        // The first report naming the 9 MiB file comes while it streams (one per MiB written).
        if (abortedAtBytes < 0 && pr.currentPath === 'large/text.csv') {
          abortedAtBytes = pr.bytesDone;
          ac.abort();
        }
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(abortedAtBytes).toBeGreaterThan(0);
    expect(lastFilesDone).toBeLessThan(Object.keys(files).length);
    expect(await treeState(runDir, { mtimes: true })).toEqual(before);
    expect(await leftovers('cancel-large')).toEqual([]);
  });

  describe('the pool itself', () => {
    let reader: ZipReader;
    let pool: ExtractPool;
    let out: string;
    let n = 0;
    beforeAll(async () => {
      reader = await ZipReader.open(archive);
      pool = new ExtractPool(archive, reader.cdOffset, 2);
    });
    afterAll(async () => {
      await pool.close();
      await reader.close();
    });
    beforeEach(async () => {
      out = path.join(root, `pool-${++n}`);
      await fs.mkdir(out);
    });
    const entry = (name: string) => reader.entries.find((e) => e.name === name)!;
    const task = (name: string, extra: { expectSha256?: string } = {}) => ({
      entry: entry(name),
      target: path.join(out, name.replace(/\//g, '_')),
      mode: 0o644,
      mtime: 1_600_000_000,
      ...extra,
    });

    it('writes a batch in order and answers with each file SHA-256', async () => {
      const names = ['small/f1.txt', 'small/f2.txt', 'small/empty.txt', 'large/text.csv'];
      const shas = await pool.runBatch(names.map((n) => task(n)));
      expect(shas).toEqual(names.map((n) => sha(files[n])));
      for (const nm of names) expect(sha(await fs.readFile(task(nm).target))).toBe(sha(files[nm]));
    });

    it('a task that fails in a batch removes its file; those before stay, those after are not started', async () => {
      const wrong = '0'.repeat(64);
      const t = [task('small/f3.txt'), task('large/text.csv', { expectSha256: wrong }), task('small/f4.txt')];
      const err = await rejection(pool.runBatch(t));
      expect(err).toBeInstanceOf(BatchFailure);
      const f = err as unknown as BatchFailure;
      expect(f.index).toBe(1);
      expect(f.error).toMatchObject({
        code: 'ARCHIVE_CORRUPT',
        message: expect.stringContaining('"large/text.csv": SHA-256 does not match the manifest'),
      });
      expect(sha(await fs.readFile(t[0].target))).toBe(sha(files['small/f3.txt']));
      await expect(fs.lstat(t[1].target)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(fs.lstat(t[2].target)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('never writes through an existing file (O_EXCL) and leaves that file alone', async () => {
      const t = task('large/random.bin');
      await fs.writeFile(t.target, 'someone else');
      const err = await rejection(pool.run(t));
      expect(err).toMatchObject({ code: 'EEXIST' });
      expect(await fs.readFile(t.target, 'utf8')).toBe('someone else');
    });

    it('stop() ends a streaming task at its next piece and removes its partial file', async () => {
      const stopping = new ExtractPool(archive, reader.cdOffset, 1);
      try {
        const t = { ...task('large/text.csv'), onProgress: () => stopping.stop() };
        const err = await rejection(stopping.run(t));
        expect(err).toBeInstanceOf(StoppedError);
        await expect(fs.lstat(t.target)).rejects.toMatchObject({ code: 'ENOENT' });
        // Queued work after a stop fails too, and writes nothing.
        const later = task('small/f5.txt');
        await expect(stopping.run(later)).rejects.toBeInstanceOf(StoppedError);
        await expect(fs.lstat(later.target)).rejects.toMatchObject({ code: 'ENOENT' });
      } finally {
        await stopping.close();
      }
    });

    it('workers that die before any work (the archive gone) fail the batches sent later, never hang', async () => {
      const gone = path.join(root, 'gone.zip');
      const dying = new ExtractPool(gone, reader.cdOffset, 2);
      try {
        const first = await rejection(dying.runBatch([task('small/f1.txt')]));
        expect(first).toBeInstanceOf(BatchFailure);
        // wait until both threads have ended, then more work is refused at once
        for (let i = 0; i < 100 && (dying as unknown as { dead: unknown[] }).dead.some((d) => !d); i++)
          await new Promise((r) => setTimeout(r, 20));
        const later = await rejection(dying.run(task('small/f2.txt')));
        expect(later).toMatchObject({ code: 'ENOENT' });
        await expect(fs.lstat(task('small/f2.txt').target)).rejects.toMatchObject({ code: 'ENOENT' });
      } finally {
        await dying.close();
      }
    });
  });

  it('batches: large entries alone and largest first, small ones grouped in plan order', () => {
    const pe = (name: string, size: number): PlannedEntry => ({
      path: name,
      type: 'file',
      entry: {
        name,
        size,
        compressedSize: size,
        method: 8,
        isDir: false,
        isSymlink: false,
        encrypted: false,
      } as ZipEntry,
    });
    const plan = [
      pe('a', 10),
      pe('big1', 3 * MiB),
      pe('b', 20),
      pe('big2', 5 * MiB),
      pe('c', MiB - 10),
      pe('d', 30),
    ];
    expect(workBatches(plan).map((b) => b.map((x) => x.path))).toEqual([
      ['big2'],
      ['big1'],
      ['a', 'b'],
      ['c'],
      ['d'],
    ]);
    const many = Array.from({ length: 130 }, (_, i) => pe(`s${i}`, 1));
    expect(workBatches(many).map((b) => b.length)).toEqual([64, 64, 2]);
  });
});
