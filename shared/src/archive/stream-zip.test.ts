import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createZipStream, type StreamEntry } from './stream-zip';
import { verifyArchive } from './verify';
import { run, tempDir } from './test-fixtures';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);

/** A source that hands out its bytes in small pieces, slowly, like an HTTP body. */
function slowSource(data: Buffer, piece = 16 << 10): Readable {
  let pos = 0;
  return new Readable({
    read() {
      setImmediate(() => {
        if (pos >= data.length) return this.push(null);
        this.push(data.subarray(pos, pos + piece));
        pos += piece;
      });
    },
  });
}

function entriesOf(files: Record<string, Buffer>, opened: string[] = []): StreamEntry[] {
  return Object.entries(files).map(([name, data]) => ({
    name,
    size: data.length,
    mtimeMs: Date.UTC(2026, 0, 2, 3, 4, 5),
    open: async () => {
      opened.push(name);
      return slowSource(data);
    },
  }));
}

describe('createZipStream (entries from streams)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('arkive-stream-zip-');
  });
  afterAll(() => fsp.rm(dir, { recursive: true, force: true }));

  it('writes a standard ZIP with a manifest that verifies, stores images and deflates text', async () => {
    const files: Record<string, Buffer> = {
      'a.jpg': Buffer.concat([JPEG_HEAD, randomBytes(700_000)]),
      'b photo é.jpg': Buffer.concat([JPEG_HEAD, randomBytes(3 << 20)]),
      'notes.txt': Buffer.from('hello gallery\n'.repeat(50_000)),
      'empty.jpg': Buffer.alloc(0),
    };
    const out = path.join(dir, 'g.zip');
    const { stream, done } = createZipStream({
      entries: entriesOf(files),
      kind: 'gallery',
      label: 'Wedding',
    });
    await pipeline(stream, fs.createWriteStream(out));
    const result = await done;
    const bytes = await fsp.readFile(out);
    expect(result.size).toBe(bytes.length);
    expect(result.sha256).toBe(sha(bytes));
    expect(result.fileCount).toBe(4);

    const v = await verifyArchive(out);
    expect(v.manifest).toBe(true);
    expect(run('unzip', ['-tq', out]).status).toBe(0);
    // Python's zipfile: names, contents and methods (0 = stored, 8 = deflated).
    const py = run('python3', [
      '-c',
      'import zipfile,sys,hashlib,json\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename:[hashlib.sha256(z.read(i)).hexdigest(),i.compress_type] for i in z.infolist()}))',
      out,
    ]);
    expect(py.status).toBe(0);
    const listed = JSON.parse(py.stdout) as Record<string, [string, number]>;
    for (const [name, data] of Object.entries(files)) expect(listed[name]?.[0]).toBe(sha(data));
    expect(listed['a.jpg'][1]).toBe(0);
    expect(listed['b photo é.jpg'][1]).toBe(0);
    expect(listed['notes.txt'][1]).toBe(8);
    expect(Object.keys(listed).sort()).toEqual([...Object.keys(files), '.arkive-manifest.jsonl'].sort());
  });

  it('reads several entries ahead but never more than the concurrency', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 12; i++) files[`img-${i}.jpg`] = Buffer.concat([JPEG_HEAD, randomBytes(200_000)]);
    let live = 0;
    let maxAhead = 0;
    let opened = 0;
    const entries: StreamEntry[] = Object.entries(files).map(([name, data]) => ({
      name,
      size: data.length,
      mtimeMs: 0,
      open: async () => {
        opened++;
        maxAhead = Math.max(maxAhead, ++live);
        const s = slowSource(data);
        s.once('close', () => live--);
        return s;
      },
    }));
    const { stream, done } = createZipStream({ entries, kind: 'gallery', concurrency: 3 });
    await pipeline(stream, fs.createWriteStream(path.join(dir, 'c.zip')));
    await done;
    expect(opened).toBe(12);
    expect(maxAhead).toBeGreaterThan(1);
    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it('fails when a body has another length than declared, and when a source fails', async () => {
    const bad: StreamEntry[] = [
      { name: 'x.jpg', size: 10, mtimeMs: 0, open: async () => Readable.from([Buffer.alloc(5)]) },
    ];
    const a = createZipStream({ entries: bad, kind: 'gallery' });
    await expect(pipeline(a.stream, fs.createWriteStream(path.join(dir, 'd.zip')))).rejects.toThrow(
      /expected 10/,
    );
    await expect(a.done).rejects.toMatchObject({ code: 'ARCHIVE_SOURCE_CHANGED' });

    const failing: StreamEntry[] = [
      {
        name: 'y.jpg',
        mtimeMs: 0,
        open: async () =>
          new Readable({
            read() {
              this.destroy(new Error('connection reset'));
            },
          }),
      },
    ];
    const b = createZipStream({ entries: failing, kind: 'gallery' });
    await expect(pipeline(b.stream, fs.createWriteStream(path.join(dir, 'e.zip')))).rejects.toThrow(
      /connection reset/,
    );
    await expect(b.done).rejects.toThrow(/connection reset/);
  });
});
