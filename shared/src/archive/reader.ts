import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { PermanentError } from '../errors';
import { readFully } from './file-io';
import {
  FLAG_ENCRYPTED,
  FLAG_STRONG_ENCRYPTION,
  FLAG_UTF8,
  METHOD_DEFLATE,
  METHOD_STORE,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_EOCD64,
  SIG_EOCD64_LOCATOR,
  SIG_LOCAL,
  U16_MAX,
  U32_MAX,
  dosToUnix,
} from './zip-format';

const inflateRawAsync = promisify(zlib.inflateRaw) as (
  buf: Buffer,
  opts: zlib.ZlibOptions,
) => Promise<Buffer>;
const READ_PIECE = 1 << 20;
const INFLATE_PIECE = 1 << 20;
/** entries up to this compressed/uncompressed size are inflated in one call (libuv thread pool) */
const SMALL_ENTRY = 4 << 20;

/**
 * Entries checked/extracted in an ExtractPool worker: every file entry stored or deflated, of any
 * size (the others, and folders and links, take the main thread's path, which names their error).
 */
export function pooled(e: ZipEntry): boolean {
  return (
    !e.isDir && !e.isSymlink && !e.encrypted && (e.method === METHOD_STORE || e.method === METHOD_DEFLATE)
  );
}

export interface ZipEntry {
  index: number;
  name: string;
  /** length of the name as stored (bytes), for offsets: the decoded name may be longer in UTF-8 */
  nameLength: number;
  /** the name was flagged UTF-8 but is not valid UTF-8 (decoded with replacement characters) */
  nameLossy: boolean;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Unix st_mode when the archive was made on Unix, else 0 */
  mode: number;
  isDir: boolean;
  isSymlink: boolean;
  mtimeSec: number;
  encrypted: boolean;
}

export function corrupt(what: string, entry?: string): PermanentError {
  return new PermanentError(
    entry ? `Archive is corrupt at entry ${JSON.stringify(entry)}: ${what}` : `Archive is corrupt: ${what}`,
    'ARCHIVE_CORRUPT',
    entry ? { entry } : undefined,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Code page 437, bytes 0x80–0xFF: the ZIP format's name encoding when the UTF-8 flag is not set
 * (Windows' built-in ZIP, old Info-ZIP, many scanners and cameras). ASCII below 0x80.
 */
export const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function cp437(raw: Buffer): string {
  let s = '';
  for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

/**
 * An entry name: UTF-8 when it is valid UTF-8 (flagged or not: many tools write UTF-8 without the
 * flag), else CP437 as the format says; a flagged name that is not valid UTF-8 is decoded lossily.
 */
export function decodeName(raw: Buffer, flags: number): { name: string; lossy: boolean } {
  try {
    return { name: utf8.decode(raw), lossy: false };
  } catch {
    if (flags & FLAG_UTF8) return { name: raw.toString('utf8'), lossy: true };
    return { name: cp437(raw), lossy: false };
  }
}

/** Random-access ZIP reader over a file handle: central directory, ZIP64, entry data with CRC checks. */
export class ZipReader {
  entries: ZipEntry[] = [];
  comment: Buffer = Buffer.alloc(0);
  cdOffset = 0;

  private constructor(
    private readonly fh: fs.FileHandle,
    readonly fileSize: number,
  ) {}

  static async open(file: string): Promise<ZipReader> {
    const fh = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new PermanentError(
        `Cannot open archive ${file}: ${err.code ?? err.message}`,
        err.code === 'ENOENT' ? 'ARCHIVE_NOT_FOUND' : 'ARCHIVE_UNREADABLE',
      );
    });
    try {
      const st = await fh.stat();
      const r = new ZipReader(fh, st.size);
      await r.readCentralDirectory();
      return r;
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  async read(pos: number, len: number): Promise<Buffer> {
    if (pos < 0 || pos + len > this.fileSize)
      throw corrupt(`read past end of file (offset ${pos}, ${len} bytes)`);
    const buf = Buffer.allocUnsafe(len);
    if ((await readFully(this.fh, buf, pos)) < len) throw corrupt('unexpected end of file');
    return buf;
  }

  private async readCentralDirectory(): Promise<void> {
    if (this.fileSize < 22) throw corrupt('file too small to be a ZIP');
    const tailLen = Math.min(this.fileSize, 22 + 0xffff);
    const tailPos = this.fileSize - tailLen;
    const tail = await this.read(tailPos, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === SIG_EOCD && i + 22 + tail.readUInt16LE(i + 20) === tail.length) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw corrupt('end of central directory not found (not a ZIP file, or truncated)');
    if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0)
      throw corrupt('multi-disk archives are not supported');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    this.comment = Buffer.from(tail.subarray(eocd + 22));
    const eocdAbs = tailPos + eocd;
    let cdEnd = eocdAbs;
    if (eocdAbs >= 20) {
      const loc = await this.read(eocdAbs - 20, 20);
      if (loc.readUInt32LE(0) === SIG_EOCD64_LOCATOR) {
        const recPos = Number(loc.readBigUInt64LE(8));
        const rec = await this.read(recPos, 56);
        if (rec.readUInt32LE(0) !== SIG_EOCD64)
          throw corrupt('ZIP64 end of central directory record not found');
        count = Number(rec.readBigUInt64LE(32));
        cdSize = Number(rec.readBigUInt64LE(40));
        cdOffset = Number(rec.readBigUInt64LE(48));
        cdEnd = recPos;
      } else if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
        throw corrupt('ZIP64 locator missing');
      }
    }
    if (cdOffset + cdSize > cdEnd) throw corrupt('central directory extends past its end record');
    this.cdOffset = cdOffset;
    // Read the central directory in pieces so huge directories do not need one huge buffer.
    let pos = cdOffset;
    const end = cdOffset + cdSize;
    let buf: Buffer = Buffer.alloc(0);
    let bufPos = cdOffset;
    const ensure = async (need: number) => {
      if (pos + need > end) throw corrupt('central directory is truncated');
      if (pos + need <= bufPos + buf.length) return;
      const from = pos;
      const len = Math.min(end - from, Math.max(need, 4 << 20));
      buf = await this.read(from, len);
      bufPos = from;
    };
    for (let i = 0; i < count; i++) {
      await ensure(46);
      let o = pos - bufPos;
      if (buf.readUInt32LE(o) !== SIG_CENTRAL)
        throw corrupt(`central directory record ${i} has a bad signature`);
      const nameLen = buf.readUInt16LE(o + 28);
      const extraLen = buf.readUInt16LE(o + 30);
      const commentLen = buf.readUInt16LE(o + 32);
      const recLen = 46 + nameLen + extraLen + commentLen;
      await ensure(recLen);
      o = pos - bufPos;
      const madeBy = buf.readUInt16LE(o + 4);
      const flags = buf.readUInt16LE(o + 8);
      const method = buf.readUInt16LE(o + 10);
      const dosTime = buf.readUInt16LE(o + 12);
      const dosDate = buf.readUInt16LE(o + 14);
      const crc = buf.readUInt32LE(o + 16);
      let compressedSize = buf.readUInt32LE(o + 20);
      let size = buf.readUInt32LE(o + 24);
      const ext = buf.readUInt32LE(o + 38);
      let localOffset = buf.readUInt32LE(o + 42);
      const rawName = Buffer.from(buf.subarray(o + 46, o + 46 + nameLen));
      const extra = buf.subarray(o + 46 + nameLen, o + 46 + nameLen + extraLen);
      const { name, lossy } = decodeName(rawName, flags);
      let mtimeSec = dosToUnix(dosTime, dosDate);
      for (let x = 0; x + 4 <= extra.length;) {
        const id = extra.readUInt16LE(x);
        const len = extra.readUInt16LE(x + 2);
        const body = extra.subarray(x + 4, x + 4 + len);
        if (body.length < len) throw corrupt('extra field is truncated', name);
        if (id === 0x0001) {
          let z = 0;
          const next = () => {
            if (z + 8 > body.length) throw corrupt('ZIP64 extra field is too short', name);
            const v = Number(body.readBigUInt64LE(z));
            z += 8;
            return v;
          };
          if (size === U32_MAX) size = next();
          if (compressedSize === U32_MAX) compressedSize = next();
          if (localOffset === U32_MAX) localOffset = next();
        } else if (id === 0x5455 && len >= 5 && body[0] & 1) {
          mtimeSec = body.readInt32LE(1);
        }
        x += 4 + len;
      }
      const unix = madeBy >> 8 === 3;
      const mode = unix ? ext >>> 16 : 0;
      const isSymlink = unix && (mode & S_IFMT) === S_IFLNK;
      const isDir = name.endsWith('/') || (!isSymlink && ((mode & S_IFMT) === S_IFDIR || (ext & 0x10) !== 0));
      this.entries.push({
        index: i,
        name,
        nameLength: nameLen,
        nameLossy: lossy,
        flags,
        method,
        crc,
        compressedSize,
        size,
        localOffset,
        mode,
        isDir,
        isSymlink,
        mtimeSec,
        encrypted: (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0 || method === 99,
      });
      pos += recLen;
    }
    // Entries must not overlap each other or the central directory (overlapping entries = bomb trick).
    const byOffset = [...this.entries].sort((a, b) => a.localOffset - b.localOffset);
    for (let i = 0; i < byOffset.length; i++) {
      const e = byOffset[i];
      const minEnd = e.localOffset + 30 + e.nameLength + e.compressedSize;
      const limit = i + 1 < byOffset.length ? byOffset[i + 1].localOffset : this.cdOffset;
      if (minEnd > limit) throw corrupt('entry data overlaps another entry or the central directory', e.name);
    }
  }

  /** Offset of an entry's data, after checking its local header agrees with the central directory. */
  async dataOffset(e: ZipEntry): Promise<number> {
    const h = await this.read(e.localOffset, 30);
    if (h.readUInt32LE(0) !== SIG_LOCAL) throw corrupt('local header not found', e.name);
    const method = h.readUInt16LE(8);
    const nameLen = h.readUInt16LE(26);
    const extraLen = h.readUInt16LE(28);
    if (method !== e.method)
      throw corrupt('local header and central directory disagree on the method', e.name);
    const name = await this.read(e.localOffset + 30, nameLen);
    if (decodeName(name, h.readUInt16LE(6)).name !== e.name)
      throw corrupt('local header and central directory disagree on the name', e.name);
    const start = e.localOffset + 30 + nameLen + extraLen;
    if (start + e.compressedSize > this.cdOffset)
      throw corrupt('entry data runs into the central directory', e.name);
    return start;
  }

  /**
   * Stream an entry's uncompressed bytes to `onData`, checking the declared size and the CRC32.
   * Throws ARCHIVE_CORRUPT naming the entry on any mismatch.
   */
  async readEntry(
    e: ZipEntry,
    onData: (buf: Buffer) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<void> {
    if (e.encrypted)
      throw new PermanentError(`Entry ${JSON.stringify(e.name)} is encrypted`, 'ARCHIVE_ENCRYPTED', {
        entry: e.name,
      });
    if (e.method !== METHOD_STORE && e.method !== METHOD_DEFLATE)
      throw corrupt(`unsupported compression method ${e.method}`, e.name);
    if (e.method === METHOD_STORE && e.compressedSize !== e.size)
      throw corrupt('stored entry sizes disagree', e.name);
    const start = await this.dataOffset(e);
    let crc = 0;
    let total = 0;
    const take = async (buf: Buffer) => {
      total += buf.length;
      if (total > e.size) throw corrupt('data is longer than its declared size', e.name);
      crc = zlib.crc32(buf, crc);
      await onData(buf);
    };
    if (e.method === METHOD_STORE) {
      for (let p = 0; p < e.compressedSize; p += READ_PIECE) {
        signal?.throwIfAborted();
        await take(await this.read(start + p, Math.min(READ_PIECE, e.compressedSize - p)));
      }
    } else if (e.compressedSize <= SMALL_ENTRY && e.size <= SMALL_ENTRY) {
      const comp = await this.read(start, e.compressedSize);
      let out: Buffer;
      try {
        out = await inflateRawAsync(comp, { maxOutputLength: Math.max(1, e.size + 1) } as zlib.ZlibOptions);
      } catch (err) {
        throw corrupt(`deflate data is invalid (${(err as Error).message})`, e.name);
      }
      await take(out);
    } else {
      const read = (pos: number, len: number) => this.read(pos, len);
      const source = Readable.from(
        (async function* () {
          for (let p = 0; p < e.compressedSize; p += READ_PIECE) {
            signal?.throwIfAborted();
            yield await read(start + p, Math.min(READ_PIECE, e.compressedSize - p));
          }
        })(),
      );
      // 1 MiB output pieces instead of zlib's 16 KiB: each piece costs the caller a hash update, a
      // CRC and an asynchronous write, and 16 KiB pieces made that overhead (and its garbage) cost
      // more main-thread time than the inflate itself on large entries.
      const inflate = zlib.createInflateRaw({ chunkSize: INFLATE_PIECE });
      source.on('error', (err) => inflate.destroy(err));
      source.pipe(inflate);
      try {
        for await (const chunk of inflate) await take(chunk as Buffer);
      } catch (err) {
        source.destroy();
        inflate.destroy();
        if (
          (err as { code?: string }).code === 'ARCHIVE_CORRUPT' ||
          (err as Error).name === 'AbortError' ||
          (err as Error).name === 'CancelledError'
        )
          throw err;
        throw corrupt(`deflate data is invalid (${(err as Error).message})`, e.name);
      }
    }
    if (total !== e.size) throw corrupt(`size is ${total}, expected ${e.size}`, e.name);
    if (crc >>> 0 !== e.crc >>> 0) throw corrupt('CRC-32 mismatch', e.name);
  }

  /** Whole entry in memory (manifest, symlink targets); refuses entries larger than `max`. */
  async readSmallEntry(e: ZipEntry, max: number): Promise<Buffer> {
    if (e.size > max) throw corrupt(`entry is larger than ${max} bytes`, e.name);
    const parts: Buffer[] = [];
    await this.readEntry(e, (b) => void parts.push(b));
    return Buffer.concat(parts);
  }
}
