import { CP437_HIGH } from './reader';

/**
 * Source of an ExtractPool worker thread (run with `eval`, so it works from the sources under
 * tsx/jest and from dist alike). Each worker opens the archive itself and, per task, reads the
 * local header and the data with positioned reads, inflates, checks size and CRC-32, computes
 * SHA-256 (and compares it with the manifest's) and, given a target, writes the file
 * (O_EXCL|O_NOFOLLOW, in a folder the restore created) with its mode and mtime.
 *
 * Entries up to WHOLE bytes (compressed and uncompressed) are handled in one synchronous step; a
 * batch of them is read with one positioned read where its entries lie together (readSpan).
 * Larger ones stream: 1 MiB positioned reads, inflated by a zlib stream (libuv's pool, so the
 * worker handles other tasks meanwhile), each output piece checked, hashed and written at once;
 * the worker reports progress per piece and polls the pool's shared stop flag between pieces.
 * A task that fails removes the file it was writing before it answers, so a partial or
 * unverified file is never left behind, not even in the staging folder (which is never swapped
 * in after a failure anyway).
 *
 * Work comes in batches (many small files per message: a message costs both threads more than a
 * small file's inflate): { id, tasks: [{ name, localOffset, method, compressedSize, size, crc,
 * target?, mode?, mtime?, expectSha256?, progress? }] }. Out: { id, done: bytes } (progress of a
 * streaming task) and, once per batch, { id, results: [sha256 per task done], failed?: { index,
 * error, corrupt, stopped, code } }.
 */
export const EXTRACT_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const fd = fs.openSync(workerData.archive, 'r');
const stop = new Int32Array(workerData.stop);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const C = fs.constants;
const CP437_HIGH = ${JSON.stringify(CP437_HIGH)};
const PIECE = 1 << 20;
const sha256Of = crypto.hash ? (b) => crypto.hash('sha256', b) : (b) => crypto.createHash('sha256').update(b).digest('hex');
const WHOLE = ${4 << 20};
// the same decoding as reader.ts decodeName: UTF-8 if valid, else lossy UTF-8 when flagged, else CP437
function decode(raw, flags) {
  try { return utf8.decode(raw); } catch {}
  if (flags & 0x800) return raw.toString('utf8');
  let s = '';
  for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}
function bad(msg) { return Object.assign(new Error(msg), { corrupt: true }); }
function checkStop() {
  if (Atomics.load(stop, 0) !== 0) throw Object.assign(new Error('stopped'), { stopped: true });
}
function readAt(pos, len) {
  const b = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, b, got, len - got, pos + got);
    if (n === 0) throw bad('unexpected end of file');
    got += n;
  }
  return b;
}
// The archive bytes of the batch being worked on (see readSpan), or null.
let span = null, spanAt = 0;
/** len bytes at pos: from the batch's span where they lie in it, else one positioned read. */
function at(pos, len) {
  if (span !== null && pos >= spanAt && pos + len <= spanAt + span.length) return span.subarray(pos - spanAt, pos - spanAt + len);
  return readAt(pos, len);
}
/**
 * A batch of small entries lies (in our archives) in one stretch of the file: read it with one
 * positioned read instead of three per entry. Anything outside the stretch (an archive laid out
 * otherwise, longer local extras than SLACK) is still read at its place, so this only saves reads.
 */
function readSpan(tasks) {
  span = null;
  if (tasks.length < 2) return;
  const SLACK = 256;
  let lo = Infinity, hi = 0, need = 0;
  for (const t of tasks) {
    if (t.compressedSize > WHOLE || t.size > WHOLE) return;
    const len = 30 + Buffer.byteLength(t.name) + SLACK + t.compressedSize;
    lo = Math.min(lo, t.localOffset);
    hi = Math.max(hi, t.localOffset + len);
    need += len;
  }
  hi = Math.min(hi, workerData.cdOffset);
  // entries far apart are read one by one (never a large read for a few small files)
  if (!(hi > lo) || hi - lo > 2 * need || hi - lo > 2 * WHOLE) return;
  span = readAt(lo, hi - lo);
  spanAt = lo;
}
/** Offset of the entry's data, after checking its local header against the central directory. */
function dataStart(t) {
  const h = at(t.localOffset, 30);
  if (h.readUInt32LE(0) !== 0x04034b50) throw bad('local header not found');
  if (h.readUInt16LE(8) !== t.method) throw bad('local header and central directory disagree on the method');
  const nameLen = h.readUInt16LE(26), extraLen = h.readUInt16LE(28);
  const name = decode(at(t.localOffset + 30, nameLen), h.readUInt16LE(6));
  if (name !== t.name) throw bad('local header and central directory disagree on the name');
  const start = t.localOffset + 30 + nameLen + extraLen;
  if (start + t.compressedSize > workerData.cdOffset) throw bad('entry data runs into the central directory');
  if (t.method === 0 && t.compressedSize !== t.size) throw bad('stored entry sizes disagree');
  return start;
}
function isZlibError(e) { return e && typeof e.code === 'string' && e.code.startsWith('Z_'); }
/** Stream a large entry's bytes to take(piece): positioned reads, inflated piece by piece. */
async function streamEntry(t, start, take) {
  async function* source() {
    for (let p = 0; p < t.compressedSize; p += PIECE) {
      checkStop();
      yield readAt(start + p, Math.min(PIECE, t.compressedSize - p));
    }
  }
  if (t.method === 0) {
    for await (const piece of source()) take(piece);
    return;
  }
  try {
    await require('node:stream/promises').pipeline(source, zlib.createInflateRaw({ chunkSize: PIECE }), async (out) => {
      for await (const piece of out) take(piece);
    });
  } catch (e) {
    if (isZlibError(e)) throw bad('deflate data is invalid (' + e.message + ')');
    throw e;
  }
}
async function run(t, st) {
  checkStop();
  const start = dataStart(t);
  let hash = null, crc = 0, total = 0, out = -1;
  const take = (piece) => {
    if (total + piece.length > t.size) throw bad('data is longer than its declared size');
    crc = zlib.crc32(piece, crc);
    (hash ??= crypto.createHash('sha256')).update(piece);
    if (out >= 0) {
      let done = 0;
      while (done < piece.length) done += fs.writeSync(out, piece, done, piece.length - done, total + done);
    }
    total += piece.length;
  };
  if (t.compressedSize <= WHOLE && t.size <= WHOLE) {
    const comp = at(start, t.compressedSize);
    let data = comp;
    if (t.method !== 0) {
      try { data = zlib.inflateRawSync(comp, { maxOutputLength: Math.max(1, t.size + 1), chunkSize: Math.max(64, t.size + 1) }); }
      catch (e) { throw bad('deflate data is invalid (' + e.message + ')'); }
    }
    if (data.length !== t.size) throw bad('size is ' + data.length + ', expected ' + t.size);
    if ((zlib.crc32(data) >>> 0) !== (t.crc >>> 0)) throw bad('CRC-32 mismatch');
    const sha256 = sha256Of(data);
    if (t.expectSha256 && t.expectSha256 !== sha256) throw bad('SHA-256 does not match the manifest');
    if (t.target) {
      // checked already: created with its final mode where the umask keeps it (no fchmod)
      const direct = (t.mode & ~0o777) === 0 && (t.mode & workerData.umask) === 0;
      out = fs.openSync(t.target, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, direct ? t.mode : 0o600);
      st.created = true;
      try {
        let done = 0;
        while (done < data.length) done += fs.writeSync(out, data, done, data.length - done, done);
        if (!direct) fs.fchmodSync(out, t.mode);
        fs.futimesSync(out, t.mtime, t.mtime);
      } finally {
        fs.closeSync(out);
      }
    }
    return sha256;
  }
  if (t.target) {
    out = fs.openSync(t.target, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    st.created = true;
  }
  try {
    let reported = 0;
    await streamEntry(t, start, (piece) => {
      take(piece);
      if (t.progress && total - reported >= PIECE) {
        reported = total;
        parentPort.postMessage({ id: t.id, done: total });
      }
    });
    if (total !== t.size) throw bad('size is ' + total + ', expected ' + t.size);
    if ((crc >>> 0) !== (t.crc >>> 0)) throw bad('CRC-32 mismatch');
    const sha256 = (hash ?? crypto.createHash('sha256')).digest('hex');
    if (t.expectSha256 && t.expectSha256 !== sha256) throw bad('SHA-256 does not match the manifest');
    if (out >= 0) {
      fs.fchmodSync(out, t.mode);
      fs.futimesSync(out, t.mtime, t.mtime);
    }
    return sha256;
  } finally {
    if (out >= 0) fs.closeSync(out);
  }
}
parentPort.on('message', async (batch) => {
  // Tasks run in order; the first that fails ends the batch (the others are not started).
  const results = [];
  let failed;
  try { readSpan(batch.tasks); } catch { span = null; }
  for (let index = 0; index < batch.tasks.length && !failed; index++) {
    const t = batch.tasks[index];
    t.id = batch.id;
    const st = { created: false };
    try {
      results.push(await run(t, st));
    } catch (err) {
      // The file this task created goes (closed already) before the answer.
      if (st.created) try { fs.unlinkSync(t.target); } catch {}
      failed = { index, error: String((err && err.message) || err), corrupt: !!(err && err.corrupt), stopped: !!(err && err.stopped), code: err && err.code };
    }
  }
  span = null;
  parentPort.postMessage({ id: batch.id, results, failed });
});
`;
