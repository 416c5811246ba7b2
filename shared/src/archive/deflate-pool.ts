import os from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A small pool of worker threads (one per core) that deflate buffers with Node's zlib.
 * The worker source is inline so the pool works the same from ts sources (jest, tsx) and dist.
 *
 * Task kinds:
 *  - 'whole': a whole small file. Returns CRC32, SHA-256 and either raw deflate (Z_FINISH) or,
 *    when deflate saves less than `storeRatio`, the original bytes to be stored.
 *  - 'chunk': one chunk of a large file. Non-final chunks end with Z_SYNC_FLUSH so independently
 *    deflated chunks concatenate into one valid raw deflate stream; the final one ends with Z_FINISH.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const fs = require('node:fs');
function own(b) {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b;
  const c = new Uint8Array(b.length); c.set(b); return Buffer.from(c.buffer);
}
// One output buffer big enough for the whole result: far less garbage than zlib's 16 KiB pieces.
function outSize(n) { return Math.max(16384, n + (n >> 7) + 1024); }
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
parentPort.on('message', (t) => {
  try {
    if (t.kind === 'file' || t.kind === 'whole') {
      // 'file' reads here (a reused scratch buffer): keeps open/read/close and hashing off the main thread.
      const buf = t.kind === 'file' ? readInto(t.path, t.size) : Buffer.from(t.buf.buffer, t.buf.byteOffset, t.buf.byteLength);
      const crc = zlib.crc32(buf);
      const sha256 = crypto.createHash('sha256').update(buf).digest('hex');
      let out = null, stored = true;
      if (buf.length > 0) {
        const d = zlib.deflateRawSync(buf, { level: t.level, chunkSize: outSize(buf.length) });
        if (d.length < buf.length * t.storeRatio) { out = own(d); stored = false; }
      }
      if (!out) { const c = new Uint8Array(buf.length); c.set(buf); out = Buffer.from(c.buffer); }
      parentPort.postMessage({ id: t.id, out, stored, crc, sha256, size: buf.length }, [out.buffer]);
    } else {
      const buf = Buffer.from(t.buf.buffer, t.buf.byteOffset, t.buf.byteLength);
      const flush = t.final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH;
      const out = own(zlib.deflateRawSync(buf, { level: t.level, finishFlush: flush, chunkSize: outSize(buf.length) }));
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
    private readonly level = 1,
    private readonly storeRatio = 0.95,
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

  /** Compress a whole file (the buffer is transferred: do not use it afterwards). */
  async whole(buf: Buffer): Promise<WholeResult> {
    const size = buf.length;
    const r = await this.run<{ out: Uint8Array; stored: boolean; crc: number; sha256: string }>(
      { kind: 'whole', level: this.level, storeRatio: this.storeRatio },
      buf,
    );
    return {
      out: Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength),
      stored: r.stored,
      crc: r.crc,
      sha256: r.sha256,
      size,
    };
  }

  /** Read (up to `size` bytes of) a small file in the worker, then as `whole`. */
  async file(path: string, size: number): Promise<WholeResult> {
    const r = await this.run<{ out: Uint8Array; stored: boolean; crc: number; sha256: string; size: number }>(
      { kind: 'file', path, size, level: this.level, storeRatio: this.storeRatio },
      null,
    );
    return {
      out: Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength),
      stored: r.stored,
      crc: r.crc,
      sha256: r.sha256,
      size: r.size,
    };
  }

  /** Deflate one chunk of a large file; `buf` (from allocUnsafeSlow, offset 0) is transferred and handed back whole as `input`. */
  async chunk(buf: Buffer, final: boolean): Promise<{ out: Buffer; input: Buffer }> {
    if (buf.byteOffset !== 0) throw new Error('chunk buffers must start at offset 0');
    const r = await this.run<{ out: Uint8Array; input: Uint8Array }>(
      { kind: 'chunk', level: this.level, final },
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
