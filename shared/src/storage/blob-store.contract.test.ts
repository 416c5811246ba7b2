import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { parseConfig } from '../config';
import { AppError, CancelledError, classifyError, NotFoundError, ValidationError } from '../errors';
import { startS3Server, type TestS3Server } from '../test-support/s3';
import { createBlobStore, LocalBlobStore, MIN_PART_SIZE, S3BlobStore, type BlobStore } from './index';

const MiB = 1024 * 1024;

interface Harness {
  store: BlobStore;
  /** Half-written things a failed put might leave behind: temp files, open multipart uploads. */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

async function localHarness(): Promise<Harness> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-blob-local-'));
  const store = createBlobStore(parseConfig({ DATA_DIR: dataDir }));
  expect(store).toBeInstanceOf(LocalBlobStore);
  return {
    store,
    async leftovers() {
      const root = path.join(dataDir, 'buckets');
      const entries = await fs.readdir(root, { recursive: true }).catch(() => [] as string[]);
      return entries.filter((e) => path.basename(e).startsWith('.arkive-tmp-'));
    },
    close: () => fs.rm(dataDir, { recursive: true, force: true }),
  };
}

async function s3Harness(): Promise<Harness> {
  const server: TestS3Server = await startS3Server();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-blob-s3-'));
  const store = createBlobStore(parseConfig({ DATA_DIR: dataDir, ...server.env }), {
    partSize: MIN_PART_SIZE,
    queueSize: 2,
  });
  expect(store).toBeInstanceOf(S3BlobStore);
  const s3 = store as S3BlobStore;
  return {
    store,
    async leftovers() {
      const res = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: server.bucket }));
      return (res.Uploads ?? []).map((u) => `${u.Key} (upload ${u.UploadId})`);
    },
    async close() {
      s3.destroy();
      await server.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Streams `data` in 1 MiB chunks, yielding to the event loop between them; `onChunk(i)` runs before chunk i. */
function chunked(data: Buffer, onChunk?: (i: number) => void): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0, off = 0; off < data.length; i++, off += MiB) {
        onChunk?.(i);
        await new Promise((r) => setImmediate(r));
        yield data.subarray(off, Math.min(off + MiB, data.length));
      }
    })(),
  );
}

describe.each([
  ['local', localHarness],
  ['s3', s3Harness],
])('BlobStore contract (%s)', (driver, makeHarness) => {
  let h: Harness;
  let store: BlobStore;
  const big = randomBytes(12 * MiB + 12345);

  beforeAll(async () => {
    h = await makeHarness();
    store = h.store;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('describes itself and is reachable', async () => {
    expect(store.describe().driver).toBe(driver);
    expect(store.describe().bucket).toBeTruthy();
    await expect(store.check()).resolves.toBeUndefined();
  });

  it('round-trips a small buffer with its SHA-256', async () => {
    const body = Buffer.from('hello, arkive');
    const res = await store.put('small/hello.txt', body, { contentType: 'text/plain' });
    expect(res).toMatchObject({ key: 'small/hello.txt', size: body.length, sha256: sha(body) });
    expect(await readAll(await store.get('small/hello.txt'))).toEqual(body);
    const head = await store.head('small/hello.txt');
    expect(head).toMatchObject({ key: 'small/hello.txt', size: body.length, sha256: sha(body) });
    expect(head!.lastModified).toBeInstanceOf(Date);
  });

  it('stores an empty body', async () => {
    const res = await store.put('small/empty', Buffer.alloc(0));
    expect(res).toMatchObject({ size: 0, sha256: sha(Buffer.alloc(0)) });
    expect((await readAll(await store.get('small/empty'))).length).toBe(0);
    expect(await store.head('small/empty')).toMatchObject({ size: 0 });
  });

  it('streams a multi-part body (12 MiB, 5 MiB parts) and records its SHA-256', async () => {
    const progress: number[] = [];
    const res = await store.put('big/unknown-hash.bin', chunked(big), {
      onProgress: (n) => progress.push(n),
    });
    expect(res).toMatchObject({ key: 'big/unknown-hash.bin', size: big.length, sha256: sha(big) });
    expect(progress[progress.length - 1]).toBe(big.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await store.head('big/unknown-hash.bin')).toMatchObject({ size: big.length, sha256: sha(big) });
    expect(await store.sha256('big/unknown-hash.bin')).toBe(sha(big));
    expect(sha(await readAll(await store.get('big/unknown-hash.bin')))).toBe(sha(big));
  });

  it('accepts a declared size and SHA-256 and refuses a body that does not match them', async () => {
    const res = await store.put('big/known-hash.bin', chunked(big), { size: big.length, sha256: sha(big) });
    expect(res.sha256).toBe(sha(big));
    expect((await store.head('big/known-hash.bin'))?.sha256).toBe(sha(big));

    const wrong = sha(Buffer.from('something else'));
    await expect(store.put('big/wrong-hash.bin', chunked(big), { sha256: wrong })).rejects.toMatchObject({
      code: 'BLOB_CHECKSUM_MISMATCH',
    });
    await expect(store.put('small/wrong-size', Buffer.from('abc'), { size: 4 })).rejects.toMatchObject({
      code: 'BLOB_SIZE_MISMATCH',
    });
    expect(await store.head('big/wrong-hash.bin')).toBeNull();
    expect(await store.head('small/wrong-size')).toBeNull();
    expect(await h.leftovers()).toEqual([]);
  });

  it('replaces an object atomically on a second put', async () => {
    await store.put('small/replace', Buffer.from('first version'));
    const second = Buffer.from('second');
    await store.put('small/replace', second);
    expect(await readAll(await store.get('small/replace'))).toEqual(second);
    expect(await store.head('small/replace')).toMatchObject({ size: second.length, sha256: sha(second) });
  });

  it('reads byte ranges', async () => {
    const body = Buffer.from('0123456789');
    await store.put('range/digits', body);
    expect((await readAll(await store.get('range/digits', { range: { start: 2, end: 4 } }))).toString()).toBe(
      '234',
    );
    expect((await readAll(await store.get('range/digits', { range: { start: 7 } }))).toString()).toBe('789');
    expect(
      (await readAll(await store.get('range/digits', { range: { start: 8, end: 100 } }))).toString(),
    ).toBe('89');
    await expect(store.get('range/digits', { range: { start: 10 } })).rejects.toMatchObject({
      code: 'BLOB_RANGE_INVALID',
      status: 416,
    });
    await expect(store.get('range/digits', { range: { start: 5, end: 2 } })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const tail = await readAll(
      await store.get('big/unknown-hash.bin', { range: { start: 6 * MiB, end: 6 * MiB + 99 } }),
    );
    expect(tail).toEqual(big.subarray(6 * MiB, 6 * MiB + 100));
  });

  it('lists by prefix in key order with pagination', async () => {
    const keys = ['list/a', 'list/b/1', 'list/b/2', 'list/b-c', 'list/c', 'list/d.txt', 'listing-other'];
    for (const k of keys) await store.put(k, Buffer.from(k));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list('list/', { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.key));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    const expected = keys
      .filter((k) => k.startsWith('list/'))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(seen).toEqual(expected);
    expect(pages).toBe(3);
    const all: string[] = [];
    for await (const item of store.listAll('list')) {
      expect(item.size).toBe(item.key.length);
      expect(item.lastModified).toBeInstanceOf(Date);
      all.push(item.key);
    }
    expect(all).toEqual(
      [...expected, 'listing-other'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    expect((await store.list('list/b')).items.map((i) => i.key)).toEqual([
      'list/b-c',
      'list/b/1',
      'list/b/2',
    ]);
    expect((await store.list('nothing-here/')).items).toEqual([]);
  });

  it('reports missing keys as not found', async () => {
    await expect(store.get('missing/key')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get('missing/key')).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND', status: 404 });
    await expect(store.sha256('missing/key')).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' });
    expect(await store.head('missing/key')).toBeNull();
  });

  it('deletes idempotently', async () => {
    await store.put('del/x', Buffer.from('x'));
    await store.delete('del/x');
    expect(await store.head('del/x')).toBeNull();
    await expect(store.get('del/x')).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' });
    await expect(store.delete('del/x')).resolves.toBeUndefined();
    await expect(store.delete('del/never-existed')).resolves.toBeUndefined();
    expect((await store.list('del/')).items).toEqual([]);
  });

  it.each([
    ['leading slash', '/abs/key'],
    ['dot-dot segment', 'a/../b'],
    ['only dot-dot', '..'],
    ['dot segment', 'a/./b'],
    ['empty segment', 'a//b'],
    ['trailing slash', 'a/'],
    ['NUL', 'a\0b'],
    ['empty', ''],
    ['too long', 'k'.repeat(1025)],
    ['reserved sidecar name', 'a/b.arkive-meta.json'],
  ])('refuses an invalid key (%s)', async (_label, key) => {
    await expect(store.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(ValidationError);
    await expect(store.get(key)).rejects.toBeInstanceOf(ValidationError);
    await expect(store.head(key)).rejects.toBeInstanceOf(ValidationError);
    await expect(store.delete(key)).rejects.toBeInstanceOf(ValidationError);
  });

  it('accepts a 1024-byte key with unicode', async () => {
    const segments = [
      'uni',
      'é'.repeat(100),
      'ü'.repeat(100),
      'ñ'.repeat(100),
      'ø'.repeat(100),
      'å'.repeat(100),
    ];
    let key = segments.join('/');
    key += '/' + 'k'.repeat(1024 - Buffer.byteLength(key) - 1);
    expect(Buffer.byteLength(key)).toBe(1024);
    await store.put(key, Buffer.from('u'));
    expect((await store.head(key))?.size).toBe(1);
    expect((await store.list('uni/')).items.map((i) => i.key)).toEqual([key]);
    await expect(store.put(key + 'x', Buffer.from('u'))).rejects.toBeInstanceOf(ValidationError);
  });

  it('cancels mid-upload via AbortSignal and leaves nothing visible', async () => {
    const controller = new AbortController();
    const body = chunked(big, (i) => {
      if (i === 7) controller.abort();
    });
    const err = await store
      .put('cancel/big.bin', body, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(await store.head('cancel/big.bin')).toBeNull();
    expect((await store.list('cancel/')).items).toEqual([]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('surfaces a failing body stream as its own error and stores nothing', async () => {
    const failing = Readable.from(
      (async function* () {
        yield big.subarray(0, 6 * MiB);
        yield big.subarray(6 * MiB, 7 * MiB);
        throw Object.assign(new Error('EACCES: permission denied, read'), { code: 'EACCES' });
      })(),
    );
    const err = await store.put('broken/body.bin', failing).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EACCES' });
    expect(classifyError(err)).toBe('permanent');
    expect(await store.head('broken/body.bin')).toBeNull();
    expect(await h.leftovers()).toEqual([]);
  });

  it('refuses to start an upload with an already aborted signal', async () => {
    await expect(
      store.put('cancel/small', Buffer.from('x'), { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(await store.head('cancel/small')).toBeNull();
  });

  if (driver === 's3') {
    it('presigns GET and PUT URLs that plain fetch can use', async () => {
      await store.put('presign/file.txt', Buffer.from('presigned content'));
      const url = await store.presign('presign/file.txt', { expiresInSeconds: 60 });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('presigned content');

      const putUrl = await store.presign('presign/uploaded.txt', { expiresInSeconds: 60, method: 'PUT' });
      const put = await fetch(putUrl, { method: 'PUT', body: 'via presigned put' });
      expect(put.status).toBe(200);
      expect((await readAll(await store.get('presign/uploaded.txt'))).toString()).toBe('via presigned put');
      await expect(store.presign('presign/file.txt', { expiresInSeconds: 0 })).rejects.toBeInstanceOf(
        ValidationError,
      );
    });
  } else {
    it('refuses to presign with a clear error', async () => {
      const err = await store.presign('small/hello.txt', { expiresInSeconds: 60 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'PRESIGN_UNSUPPORTED' });
      expect((err as Error).message).toMatch(/signed download link/);
    });
  }
});
