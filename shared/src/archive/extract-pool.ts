import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CP437_HIGH, corrupt, type ZipEntry } from './reader';

/**
 * Worker threads that check (and optionally write out) small entries of one archive: each worker
 * opens the archive itself, reads the local header and data with positioned reads, inflates,
 * checks size and CRC-32, computes SHA-256 and writes the file (O_EXCL|O_NOFOLLOW) with its mode
 * and mtime. Keeps the per-file syscalls and hashing of many small files off the main thread.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const fd = fs.openSync(workerData.archive, 'r');
const utf8 = new TextDecoder('utf-8', { fatal: true });
const C = fs.constants;
const CP437_HIGH = ${JSON.stringify(CP437_HIGH)};
// the same decoding as reader.ts decodeName: UTF-8 if valid, else lossy UTF-8 when flagged, else CP437
function decode(raw, flags) {
  try { return utf8.decode(raw); } catch {}
  if (flags & 0x800) return raw.toString('utf8');
  let s = '';
  for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}
function readAt(pos, len) {
  const b = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, b, got, len - got, pos + got);
    if (n === 0) throw Object.assign(new Error('unexpected end of file'), { corrupt: true });
    got += n;
  }
  return b;
}
function bad(msg) { return Object.assign(new Error(msg), { corrupt: true }); }
parentPort.on('message', (t) => {
  try {
    const h = readAt(t.localOffset, 30);
    if (h.readUInt32LE(0) !== 0x04034b50) throw bad('local header not found');
    if (h.readUInt16LE(8) !== t.method) throw bad('local header and central directory disagree on the method');
    const nameLen = h.readUInt16LE(26), extraLen = h.readUInt16LE(28);
    const name = decode(readAt(t.localOffset + 30, nameLen), h.readUInt16LE(6));
    if (name !== t.name) throw bad('local header and central directory disagree on the name');
    const start = t.localOffset + 30 + nameLen + extraLen;
    if (start + t.compressedSize > t.cdOffset) throw bad('entry data runs into the central directory');
    const comp = readAt(start, t.compressedSize);
    let data;
    if (t.method === 0) data = comp;
    else {
      try { data = zlib.inflateRawSync(comp, { maxOutputLength: Math.max(1, t.size + 1), chunkSize: Math.max(64, t.size + 1) }); }
      catch (e) { throw bad('deflate data is invalid (' + e.message + ')'); }
    }
    if (data.length !== t.size) throw bad('size is ' + data.length + ', expected ' + t.size);
    if ((zlib.crc32(data) >>> 0) !== (t.crc >>> 0)) throw bad('CRC-32 mismatch');
    const sha256 = crypto.createHash('sha256').update(data).digest('hex');
    if (t.expectSha256 && t.expectSha256 !== sha256) throw bad('SHA-256 does not match the manifest');
    if (t.target) {
      const out = fs.openSync(t.target, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
      try {
        let done = 0;
        while (done < data.length) done += fs.writeSync(out, data, done, data.length - done, done);
        fs.fchmodSync(out, t.mode);
        fs.futimesSync(out, t.mtime, t.mtime);
      } finally {
        fs.closeSync(out);
      }
    }
    parentPort.postMessage({ id: t.id, sha256 });
  } catch (err) {
    parentPort.postMessage({ id: t.id, error: String(err && err.message || err), corrupt: !!(err && err.corrupt), code: err && err.code });
  }
});
`;

export interface EntryTask {
  entry: ZipEntry;
  /** absolute path to write, or undefined to only check */
  target?: string;
  mode?: number;
  mtime?: number;
  expectSha256?: string;
}

/** Pooled bytes (uncompressed) that make one more worker thread worth its start-up (~30 ms of CPU). */
const BYTES_PER_WORKER = 8 << 20;

/**
 * Worker threads for entries of `size` uncompressed bytes in total: one per core (at most 8), but
 * no more than one per BYTES_PER_WORKER, so a small archive does not pay for threads it cannot use.
 */
export function extractPoolSize(pooledBytes: number): number {
  const cores = Math.max(1, Math.min(os.availableParallelism(), 8));
  return Math.max(1, Math.min(cores, Math.ceil(pooledBytes / BYTES_PER_WORKER)));
}

export class ExtractPool {
  private workers: Worker[] = [];
  private pending = new Map<number, { resolve(sha: string): void; reject(e: unknown): void; name: string }>();
  private seq = 0;
  private next = 0;

  constructor(
    archive: string,
    private readonly cdOffset: number,
    size = Math.max(1, Math.min(os.availableParallelism(), 8)),
  ) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { archive } });
      w.on(
        'message',
        (m: { id: number; sha256?: string; error?: string; corrupt?: boolean; code?: string }) => {
          const p = this.pending.get(m.id);
          if (!p) return;
          this.pending.delete(m.id);
          if (m.error === undefined) p.resolve(m.sha256!);
          else if (m.corrupt) p.reject(corrupt(m.error, p.name));
          else p.reject(Object.assign(new Error(`${p.name}: ${m.error}`), { code: m.code }));
        },
      );
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.workers.push(w);
    }
  }

  /** Check (and write) one entry; resolves with its SHA-256. */
  run(t: EntryTask): Promise<string> {
    const id = ++this.seq;
    const e = t.entry;
    const w = this.workers[this.next++ % this.workers.length];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, name: e.name });
      w.postMessage({
        id,
        name: e.name,
        localOffset: e.localOffset,
        method: e.method,
        compressedSize: e.compressedSize,
        size: e.size,
        crc: e.crc,
        cdOffset: this.cdOffset,
        target: t.target,
        mode: t.mode,
        mtime: t.mtime,
        expectSha256: t.expectSha256,
      });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
