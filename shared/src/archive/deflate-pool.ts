import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { chooseEncoding, NORMAL_DEFLATE } from './encoding';
import type { Region, SharedRing } from './ring';

/**
 * A small pool of worker threads (one per core) that deflate with Node's zlib. Data moves through
 * the snapshot's SharedRing (ring.ts): tasks name regions of it, workers read their input from and
 * write their output into it, and messages carry only offsets and metadata.
 * The worker source is inline so the pool works the same from ts sources (jest, tsx) and dist.
 *
 * Task kinds:
 *  - 'files': a batch of small files, read by the worker and encoded whole: CRC32, SHA-256 and
 *    either raw deflate (Z_FINISH) or, when deflate saves less than `storeRatio`, the original
 *    bytes. Outputs are packed into the task's region (never more than the files' sizes). Files of
 *    64 KiB and more first get their encoding (store, deflate block size) chosen from a 32 KiB sample.
 *  - 'chunk': one chunk of a large file, read by the main thread into the start of its region and
 *    deflated into the rest of it, with the settings chosen for the file. Non-final chunks end with
 *    Z_SYNC_FLUSH so independently deflated chunks concatenate into one valid raw deflate stream;
 *    the final one ends with Z_FINISH.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const fs = require('node:fs');
const sab = workerData.sab;
// One zlib output buffer big enough for the whole result: far less garbage than 16 KiB pieces.
function outSize(n) { return Math.max(16384, n + (n >> 7) + 1024); }
const chooseEncoding = ${chooseEncoding.toString()};
const NORMAL = ${JSON.stringify(NORMAL_DEFLATE)};
const PROBE_FROM = 64 << 10, PROBE = 32 << 10;
// One-shot SHA-256 (crypto.hash, Node >= 20.12) costs half of a Hash object on a small file.
const sha256Of = crypto.hash ? (b) => crypto.hash('sha256', b) : (b) => crypto.createHash('sha256').update(b).digest('hex');
// A file smaller than zlib's window and block gets both sized to it: the same matches and one
// block, without setting up (and clearing) tables for 32 KiB (-15 % per file of a few hundred bytes).
function sizedSettings(n) {
  const bits = Math.max(9, Math.ceil(Math.log2(n + 1)));
  return bits >= 15 ? { memLevel: NORMAL.memLevel, windowBits: NORMAL.windowBits }
    : { memLevel: Math.min(NORMAL.memLevel, Math.max(1, bits - 6)), windowBits: bits };
}
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
  const sha256 = sha256Of(buf);
  const enc = buf.length >= PROBE_FROM
    ? chooseEncoding(zlib, buf.subarray(0, PROBE), t.level, t.storeRatio)
    : { store: buf.length === 0, ...sizedSettings(buf.length) };
  if (!enc.store) {
    const d = zlib.deflateRawSync(buf, { level: t.level, memLevel: enc.memLevel, windowBits: enc.windowBits, chunkSize: outSize(buf.length) });
    if (d.length < buf.length * t.storeRatio) return { data: d, stored: false, crc, sha256, size: buf.length };
  }
  return { data: buf, stored: true, crc, sha256, size: buf.length };
}
// A large file's encoding comes from its first 32 KiB; its later chunks may be of another kind
// (a container of compressed parts). A chunk whose start and middle 16 KiB both fail to deflate
// by storeRatio is not deflated at all (stored blocks: a copy): deflating random data costs more
// than compressible data and saves nothing. One compressible sample and it is deflated as usual.
function incompressible(input, t) {
  const S = 16384, ratio = t.storeRatio ?? 0.95;
  if (input.length < 4 * S) return false;
  for (const at of [0, input.length >> 1]) {
    const z = zlib.deflateRawSync(input.subarray(at, at + S), { level: t.level, memLevel: t.memLevel, windowBits: t.windowBits });
    if (z.length < S * ratio) return false;
  }
  return true;
}
function place(data, offset, room) {
  if (data.length > room) throw new Error('deflate output larger than its region (' + data.length + ' > ' + room + ')');
  new Uint8Array(sab, offset, data.length).set(data);
}
parentPort.on('message', (t) => {
  try {
    if (t.kind === 'files') {
      // open/read/close, hashing and deflate of small files stay off the main thread.
      const metas = [];
      let used = 0;
      for (const f of t.files) {
        const r = encodeWhole(readInto(f.path, f.size), t);
        place(r.data, t.out + used, t.room - used);
        metas.push({ offset: used, length: r.data.length, stored: r.stored, crc: r.crc, sha256: r.sha256, size: r.size });
        used += r.data.length;
      }
      parentPort.postMessage({ id: t.id, metas });
    } else {
      const input = Buffer.from(sab, t.in, t.length);
      const flush = t.final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH;
      let d = incompressible(input, t) ? null
        : zlib.deflateRawSync(input, { level: t.level, memLevel: t.memLevel, windowBits: t.windowBits, finishFlush: flush, chunkSize: outSize(input.length) });
      // A chunk that deflate does not shrink, or that its samples say it will not (the file changed
      // kind after its first sample; random data in small blocks grows by ~0.25 %, zlib's bound is
      // ~13 %), is written as stored deflate blocks: the same stream, 5 bytes per 64 KiB over its size.
      if (d === null || d.length >= input.length)
        d = zlib.deflateRawSync(input, { level: 0, memLevel: NORMAL.memLevel, windowBits: NORMAL.windowBits, finishFlush: flush, chunkSize: outSize(input.length) });
      place(d, t.out, t.room);
      parentPort.postMessage({ id: t.id, length: d.length });
    }
  } catch (err) {
    parentPort.postMessage({ id: t.id, error: String(err && err.message || err), code: err && err.code });
  }
});
`;

/**
 * Room a chunk's output may need: its size plus the framing of stored deflate blocks and flush
 * markers (a chunk that deflate does not shrink is written as stored blocks, see the worker).
 */
export function deflateRoom(n: number): number {
  return n + (n >> 10) + 64;
}

export interface WholeResult {
  /** the encoded bytes, a view into the ring */
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
    private readonly ring: SharedRing,
    readonly level = 2,
    readonly storeRatio = 0.95,
    size = Math.max(1, Math.min(os.availableParallelism(), 8)),
  ) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { sab: ring.sab },
        resourceLimits: { maxYoungGenerationSizeMb: 4 },
      });
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

  private run<T>(task: Record<string, unknown>, cost: number): Promise<T> {
    if (this.closed) return Promise.reject(new Error('deflate pool closed'));
    const id = ++this.seq;
    let worker = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.load[i] < this.load[worker]) worker = i;
    cost += 4096;
    this.load[worker] += cost;
    const w = this.workers[worker];
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, worker, cost });
      w.postMessage({ ...task, id });
    });
  }

  /**
   * Read and encode a batch of small files (each up to `size` bytes) in one worker; the outputs
   * land in `region`, which must hold the sum of the sizes.
   */
  async files(list: Array<{ path: string; size: number }>, region: Region): Promise<WholeResult[]> {
    const r = await this.run<{
      metas: Array<Omit<WholeResult, 'out'> & { offset: number; length: number }>;
    }>(
      {
        kind: 'files',
        files: list,
        out: region.offset,
        room: region.length,
        level: this.level,
        storeRatio: this.storeRatio,
      },
      list.reduce((a, f) => a + f.size, 0),
    );
    return r.metas.map((m) => ({
      out: this.ring.view(region, m.offset, m.length),
      stored: m.stored,
      crc: m.crc,
      sha256: m.sha256,
      size: m.size,
    }));
  }

  /**
   * Deflate the `length` bytes at the start of `region` into the rest of it (which must hold
   * `deflateRoom(length)`); returns a view of the output.
   */
  async chunk(
    region: Region,
    length: number,
    final: boolean,
    settings: { memLevel: number; windowBits: number } = NORMAL_DEFLATE,
  ): Promise<Buffer> {
    const room = region.length - length;
    if (room < deflateRoom(length)) throw new RangeError('chunk region too small for its deflate output');
    const r = await this.run<{ length: number }>(
      {
        kind: 'chunk',
        in: region.offset,
        length,
        out: region.offset + length,
        room,
        level: this.level,
        memLevel: settings.memLevel,
        windowBits: settings.windowBits,
        storeRatio: this.storeRatio,
        final,
      },
      length,
    );
    return this.ring.view(region, length, r.length);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('deflate pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
