/**
 * ZIP container records (APPNOTE 6.3.x): local headers, data descriptors, central directory,
 * ZIP64 records. Pure functions building Buffers; no I/O.
 */
export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_DESCRIPTOR = 0x08074b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_EOCD64 = 0x06064b50;
export const SIG_EOCD64_LOCATOR = 0x07064b50;

export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DESCRIPTOR = 0x0008;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;
export const MADE_BY_UNIX = (3 << 8) | 63;
export const U32_MAX = 0xffffffff;
export const U16_MAX = 0xffff;

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface CentralRecord {
  name: Buffer;
  flags: number;
  method: number;
  mtimeSec: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  /** full st_mode (type + permission bits) */
  mode: number;
  isDir: boolean;
}

export function dosDateTime(sec: number): { time: number; date: number } {
  const d = new Date(sec * 1000);
  let year = d.getFullYear();
  if (year < 1980) return { time: 0, date: (0 << 9) | (1 << 5) | 1 };
  if (year > 2107) year = 2107;
  const time = (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2);
  const date = ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate();
  return { time, date };
}

export function dosToUnix(time: number, date: number): number {
  const d = new Date(
    ((date >> 9) & 0x7f) + 1980,
    ((date >> 5) & 0xf) - 1,
    date & 0x1f,
    (time >> 11) & 0x1f,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  );
  return Math.floor(d.getTime() / 1000);
}

/** Extended timestamp extra field (0x5455) with mtime only. */
function extTimestamp(mtimeSec: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt16LE(0x5455, 0);
  b.writeUInt16LE(5, 2);
  b.writeUInt8(1, 4);
  b.writeInt32LE(Math.max(-0x80000000, Math.min(0x7fffffff, Math.floor(mtimeSec))), 5);
  return b;
}

function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + values.length * 8);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(values.length * 8, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + i * 8));
  return b;
}

/**
 * Local file header. When `descriptor` is set, CRC and sizes are zero and follow the data in a
 * data descriptor; `zip64` reserves 8-byte sizes (in the extra field / descriptor).
 */
export function localHeader(o: {
  name: Buffer;
  method: number;
  mtimeSec: number;
  crc: number;
  compressedSize: number;
  size: number;
  descriptor: boolean;
  zip64: boolean;
}): Buffer {
  const extras = [extTimestamp(o.mtimeSec)];
  if (o.zip64) extras.unshift(zip64Extra(o.descriptor ? [0, 0] : [o.size, o.compressedSize]));
  const extra = Buffer.concat(extras);
  const h = Buffer.alloc(30);
  const { time, date } = dosDateTime(o.mtimeSec);
  h.writeUInt32LE(SIG_LOCAL, 0);
  h.writeUInt16LE(o.zip64 ? 45 : 20, 4);
  h.writeUInt16LE(FLAG_UTF8 | (o.descriptor ? FLAG_DESCRIPTOR : 0), 6);
  h.writeUInt16LE(o.method, 8);
  h.writeUInt16LE(time, 10);
  h.writeUInt16LE(date, 12);
  h.writeUInt32LE(o.descriptor ? 0 : o.crc >>> 0, 14);
  h.writeUInt32LE(o.zip64 ? U32_MAX : o.descriptor ? 0 : o.compressedSize, 18);
  h.writeUInt32LE(o.zip64 ? U32_MAX : o.descriptor ? 0 : o.size, 22);
  h.writeUInt16LE(o.name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, o.name, extra]);
}

export function dataDescriptor(crc: number, compressedSize: number, size: number, zip64: boolean): Buffer {
  if (zip64) {
    const b = Buffer.alloc(24);
    b.writeUInt32LE(SIG_DESCRIPTOR, 0);
    b.writeUInt32LE(crc >>> 0, 4);
    b.writeBigUInt64LE(BigInt(compressedSize), 8);
    b.writeBigUInt64LE(BigInt(size), 16);
    return b;
  }
  const b = Buffer.alloc(16);
  b.writeUInt32LE(SIG_DESCRIPTOR, 0);
  b.writeUInt32LE(crc >>> 0, 4);
  b.writeUInt32LE(compressedSize, 8);
  b.writeUInt32LE(size, 12);
  return b;
}

export function centralHeader(r: CentralRecord, localZip64: boolean): Buffer {
  const z: number[] = [];
  const needSize = r.size >= U32_MAX || r.compressedSize >= U32_MAX || localZip64;
  if (needSize) z.push(r.size, r.compressedSize);
  const needOffset = r.offset >= U32_MAX;
  if (needOffset) z.push(r.offset);
  const extras = [extTimestamp(r.mtimeSec)];
  if (z.length) extras.unshift(zip64Extra(z));
  const extra = Buffer.concat(extras);
  const h = Buffer.alloc(46);
  const { time, date } = dosDateTime(r.mtimeSec);
  h.writeUInt32LE(SIG_CENTRAL, 0);
  h.writeUInt16LE(MADE_BY_UNIX, 4);
  h.writeUInt16LE(z.length ? 45 : 20, 6);
  h.writeUInt16LE(r.flags, 8);
  h.writeUInt16LE(r.method, 10);
  h.writeUInt16LE(time, 12);
  h.writeUInt16LE(date, 14);
  h.writeUInt32LE(r.crc >>> 0, 16);
  h.writeUInt32LE(needSize ? U32_MAX : r.compressedSize, 20);
  h.writeUInt32LE(needSize ? U32_MAX : r.size, 24);
  h.writeUInt16LE(r.name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt16LE(0, 32); // comment
  h.writeUInt16LE(0, 34); // disk
  h.writeUInt16LE(0, 36); // internal attrs
  h.writeUInt32LE((((r.mode & 0xffff) << 16) | (r.isDir ? 0x10 : 0)) >>> 0, 38);
  h.writeUInt32LE(needOffset ? U32_MAX : r.offset, 42);
  return Buffer.concat([h, r.name, extra]);
}

/** End of central directory (with ZIP64 record + locator when needed). */
export function endOfCentralDirectory(
  entries: number,
  cdSize: number,
  cdOffset: number,
  comment: Buffer,
): Buffer {
  const parts: Buffer[] = [];
  const zip64 = entries >= U16_MAX || cdSize >= U32_MAX || cdOffset >= U32_MAX;
  if (zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(SIG_EOCD64, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(MADE_BY_UNIX, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeUInt32LE(0, 16);
    rec.writeUInt32LE(0, 20);
    rec.writeBigUInt64LE(BigInt(entries), 24);
    rec.writeBigUInt64LE(BigInt(entries), 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(SIG_EOCD64_LOCATOR, 0);
    loc.writeUInt32LE(0, 4);
    loc.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    loc.writeUInt32LE(1, 16);
    parts.push(rec, loc);
  }
  const e = Buffer.alloc(22);
  e.writeUInt32LE(SIG_EOCD, 0);
  e.writeUInt16LE(zip64 ? U16_MAX : entries, 8);
  e.writeUInt16LE(zip64 ? U16_MAX : entries, 10);
  e.writeUInt32LE(zip64 ? U32_MAX : cdSize, 12);
  e.writeUInt32LE(zip64 ? U32_MAX : cdOffset, 16);
  e.writeUInt16LE(comment.length, 20);
  parts.push(e, comment);
  return Buffer.concat(parts);
}
