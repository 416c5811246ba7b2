import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { chooseEncoding } from './encoding';

/**
 * A small pool of worker threads (one per core) that deflate buffers with Node's zlib.
 * The worker source is inline so the pool works the same from ts sources (jest, tsx) and dist.
 *
 * Task kinds:
 *  - 'files': a batch of small files, each read and encoded whole: CRC32, SHA-256 and either raw
 *    deflate (Z_FINISH) or, when deflate saves less than `storeRatio`, the original bytes to be stored. Files of 64 KiB
 *    and more first get their encoding (store, deflate block size) chosen from a 32 KiB sample.
 *  - 'chunk': one chunk of a large file, deflated with the memLevel chosen for the file. Non-final
 *    chunks end with Z_SYNC_FLUSH so independently deflated chunks concatenate into one valid raw
 *    deflate stream; the final one ends with Z_FINISH.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const fs = require('node:fs');
// A buffer whose ArrayBuffer can be transferred without detaching anything else. zlib's output of
// 64 KiB and more sits alone at the start of its own ArrayBuffer (at most ~2.5x its size, within
// the byte budget): transferred as is. Smaller results may live in Node's shared pool: copied.
function own(b) {
  if (b.byteOffset === 0 && (b.buffer.byteLength === b.length || (b.length >= 65536 && b.buffer.byteLength > Buffer.poolSize))) return b;
  const c = new Uint8Array(b.length); c.set(b); return Buffer.from(c.buffer);
}
// One output buffer big enough for the whole result: far less garbage than zlib's 16 KiB pieces.
function outSize(n) { return Math.max(16384, n + (n >> 7) + 1024); }
const chooseEncoding = ${chooseEncoding.toString()};
const PROBE_FROM = 64 << 10, PROBE = 32 << 10;
let scratch = Buffer.allocUnsafeSlow(1 << 20);
function readInto(path, size) {
  if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(size);
  const fd = fs.openSync(path, 'r');
  let got = 0;
  try {
    while (got < size) {
      const n = fs.readSync(fd, scratch, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return scratch.subarray(0, got);
}
// Encode one whole file: CRC-32, SHA-256, and deflate or store.
function encodeWhole(buf, t) {
  const crc = zlib.crc32(buf);
  const sha256 = crypto.createHash('sha256').update(buf).digest('hex');
  const enc = buf.length >= PROBE_FROM
    ? chooseEncoding(zlib, buf.subarray(0, PROBE), t.level, t.storeRatio)
    : { store: buf.length === 0, memLevel: 9, windowBits: 15 };
  if (!enc.store) {
    const d = zlib.deflateRawSync(buf, { level: t.level, memLevel: enc.memLevel, windowBits: enc.windowBits, chunkSize: outSize(buf.length) });
    if (d.length < buf.length * t.storeRatio) return { data: d, stored: false, crc, sha256, size: buf.length };
  }
  return { data: buf, stored: true, crc, sha256, size: buf.length };
}
parentPort.on('message', (t) => {
  try {
    if (t.kind === 'files') {
      // A batch of small files read here (one reused scratch buffer): open/read/close, hashing and
      // deflate stay off the main thread, and one message carries all results in one ArrayBuffer.
      const metas = [], parts = [];
      let total = 0;
      for (const f of t.files) {
        const r = encodeWhole(readInto(f.path, f.size), t);
        parts.push(r.stored ? Buffer.from(r.data) : r.data); // stored data sits in the scratch buffer
        metas.push({ offset: total, length: r.data.length, stored: r.stored, crc: r.crc, sha256: r.sha256, size: r.size });
        total += r.data.length;
      }
      const out = new Uint8Array(total);
      for (let i = 0; i < parts.length; i++) out.set(parts[i], metas[i].offset);
      parentPort.postMessage({ id: t.id, out, metas }, [out.buffer]);
    } else {
      const buf = Buffer.from(t.buf.buffer, t.buf.byteOffset, t.buf.byteLength);
      const flush = t.final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH;
      const out = own(zlib.deflateRawSync(buf, { level: t.level, memLevel: t.memLevel, windowBits: t.windowBits, finishFlush: flush, chunkSize: outSize(buf.length) }));
      // Hand the input buffer back so the main thread can reuse it.
      parentPort.postMessage({ id: t.id, out, input: t.buf }, [out.buffer, t.buf.buffer]);
    }
  } catch (err) {
    parentPort.postMessage({ id: t.id, error: String(err && err.message || err), code: err && err.code });
  }
});
`;

export interface WholeResult {
  out: Buffer;
  size: number;
  stored: boolean;
  crc: number;
  sha256: string;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  worker: number;
  cost: number;
}

export class DeflatePool {
  private workers: Worker[] = [];
  /** bytes queued per worker: tasks go to the least loaded one (files and chunks vary a lot in size) */
  private load: number[] = [];
  private seq = 0;
  private pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    readonly level = 1,
    readonly storeRatio = 0.95,
    size = Math.max(1, Math.min(os.availableParallelism(), 8)),
  ) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      w.on('message', (m: { id: number; error?: string; code?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.load[p.worker] -= p.cost;
        if (m.error) p.reject(Object.assign(new Error(m.error), { code: m.code }));
        else p.resolve(m);
      });
      w.on('error', (err) => this.failAll(err));
      this.workers.push(w);
      this.load.push(0);
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** `transfer`: move buf's whole ArrayBuffer to the worker (only for buffers from allocUnsafeSlow). */
  private run<T>(task: Record<string, unknown>, buf: Buffer | null, transfer = false): Promise<T> {
    if (this.closed) return Promise.reject(new Error('deflate pool closed'));
    const id = ++this.seq;
    let worker = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.load[i] < this.load[worker]) worker = i;
    const cost = (buf ? buf.length : Number(task.size ?? 0)) + 4096;
    this.load[worker] += cost;
    const w = this.workers[worker];
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, worker, cost });
      if (!buf) return w.postMessage({ ...task, id });
      const transferable = transfer || (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length);
      const view = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
      w.postMessage({ ...task, id, buf: view }, transferable ? [buf.buffer as ArrayBuffer] : []);
    });
  }

  /** Read and encode a batch of small files (each up to `size` bytes) in one worker. */
  async files(list: Array<{ path: string; size: number }>): Promise<WholeResult[]> {
    const r = await this.run<{
      out: Uint8Array;
      metas: Array<Omit<WholeResult, 'out'> & { offset: number; length: number }>;
    }>(
      {
        kind: 'files',
        files: list,
        level: this.level,
        storeRatio: this.storeRatio,
        size: list.reduce((a, f) => a + f.size, 0),
      },
      null,
    );
    const all = Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength);
    return r.metas.map((m) => ({
      out: all.subarray(m.offset, m.offset + m.length),
      stored: m.stored,
      crc: m.crc,
      sha256: m.sha256,
      size: m.size,
    }));
  }

  /** Deflate one chunk of a large file; `buf` (from allocUnsafeSlow, offset 0) is transferred and handed back whole as `input`. */
  async chunk(
    buf: Buffer,
    final: boolean,
    settings: { memLevel: number; windowBits: number } = { memLevel: 9, windowBits: 15 },
  ): Promise<{ out: Buffer; input: Buffer }> {
    if (buf.byteOffset !== 0) throw new Error('chunk buffers must start at offset 0');
    const r = await this.run<{ out: Uint8Array; input: Uint8Array }>(
      {
        kind: 'chunk',
        level: this.level,
        memLevel: settings.memLevel,
        windowBits: settings.windowBits,
        final,
      },
      buf,
      true,
    );
    return {
      out: Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength),
      input: Buffer.from(r.input.buffer, 0, r.input.buffer.byteLength),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('deflate pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
