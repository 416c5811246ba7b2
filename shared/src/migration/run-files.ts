import fsSync, { type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Read-only access to one run's files for detection (paths relative to the run folder, '' is the
 * run itself). Folder listings are memoized, so the version and every trait share one readdir of
 * each folder; a file under a top-level name the run does not have is known missing without a
 * syscall. Errors are those of node:fs (ENOENT, ENOTDIR, EISDIR, ...). Detection only: a reader
 * must not outlive the inspection it was made for (a migration changes the files).
 */
export interface RunFiles {
  readonly dir: string;
  /** The entries of a folder of the run (withFileTypes); throws like readdir. */
  list(rel: string): Promise<Dirent[]>;
  /** Whether the top level has an entry (any type) with this name. */
  hasTop(name: string): Promise<boolean>;
  readText(rel: string): Promise<string>;
  /** Whether the path exists (lstat: a dangling link exists). */
  exists(rel: string): Promise<boolean>;
  /** The file's size and its last `bytes` bytes (all of it when smaller), from one open. */
  readTail(rel: string, bytes: number): Promise<{ size: number; tail: ArrayBuffer }>;
  /** Bytes [start, end) of the file. */
  readRange(rel: string, start: number, end: number): Promise<ArrayBuffer>;
}

/** The error node:fs would give for a file under a missing top-level name (no stack: it is expected often). */
function ENOENT(file: string, syscall: string): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const err = new Error(`ENOENT: no such file or directory, ${syscall} '${file}'`);
  Error.stackTraceLimit = limit;
  return Object.assign(err, { code: 'ENOENT', errno: -2, syscall, path: file });
}

const toArrayBuffer = (b: Uint8Array): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** The low-level calls a reader is built on: node:fs promises, or node:fs sync calls (in a worker thread). */
interface Backend {
  readdir(file: string): Dirent[] | Promise<Dirent[]>;
  readText(file: string): string | Promise<string>;
  lstatOk(file: string): boolean | Promise<boolean>;
  readTail(
    file: string,
    bytes: number,
  ): { size: number; tail: ArrayBuffer } | Promise<{ size: number; tail: ArrayBuffer }>;
  readRange(file: string, start: number, end: number): ArrayBuffer | Promise<ArrayBuffer>;
}

/** A read that ended before `buf` was full: the file shrank while it was read (never a short tail). */
const truncated = (file: string) =>
  Object.assign(new Error(`${file} ended early: it changed while it was being read`), {
    code: 'EFILECHANGED',
  });

/** Fills `buf` from `pos` (a positioned read may return fewer bytes than asked: read on). */
async function readFully(
  file: string,
  read: (buf: Buffer, off: number, len: number, pos: number) => Promise<number>,
  buf: Buffer,
  pos: number,
): Promise<void> {
  for (let got = 0; got < buf.length;) {
    const n = await read(buf, got, buf.length - got, pos + got);
    if (n === 0) throw truncated(file);
    got += n;
  }
}

function readFullySync(file: string, fd: number, buf: Buffer, pos: number): void {
  for (let got = 0; got < buf.length;) {
    const n = fsSync.readSync(fd, buf, got, buf.length - got, pos + got);
    if (n === 0) throw truncated(file);
    got += n;
  }
}

const asyncBackend: Backend = {
  readdir: (file) => fs.readdir(file, { withFileTypes: true }),
  readText: (file) => fs.readFile(file, 'utf8'),
  lstatOk: (file) =>
    fs.lstat(file).then(
      () => true,
      () => false,
    ),
  async readTail(file, bytes) {
    const fh = await fs.open(file, 'r');
    try {
      const { size } = await fh.stat();
      const n = Math.min(size, bytes);
      const buf = Buffer.alloc(n);
      await readFully(
        file,
        (b, off, len, pos) => fh.read(b, off, len, pos).then((r) => r.bytesRead),
        buf,
        size - n,
      );
      return { size, tail: toArrayBuffer(buf) };
    } finally {
      await fh.close();
    }
  },
  async readRange(file, start, end) {
    const fh = await fs.open(file, 'r');
    try {
      const buf = Buffer.alloc(Math.max(0, end - start));
      await readFully(
        file,
        (b, off, len, pos) => fh.read(b, off, len, pos).then((r) => r.bytesRead),
        buf,
        start,
      );
      return toArrayBuffer(buf);
    } finally {
      await fh.close();
    }
  },
};

/** The sync reads' buffer: most run files (.nodb documents, markers) fit in one read into it. */
const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * A whole file as UTF-8 with open, read, read (0 bytes: the end) and close: readFileSync's fstat
 * and its allocation skipped. A file larger than the buffer reads its rest with readFileSync.
 */
function readTextSync(file: string): string {
  const fd = fsSync.openSync(file, 'r');
  try {
    let len = 0;
    while (len < scratch.length) {
      const n = fsSync.readSync(fd, scratch, len, scratch.length - len, null);
      if (n === 0) return scratch.toString('utf8', 0, len);
      len += n;
    }
    return Buffer.concat([scratch, fsSync.readFileSync(fd)]).toString('utf8');
  } finally {
    fsSync.closeSync(fd);
  }
}

const syncBackend: Backend = {
  readdir: (file) => fsSync.readdirSync(file, { withFileTypes: true }),
  readText: readTextSync,
  lstatOk(file) {
    try {
      return fsSync.lstatSync(file, { throwIfNoEntry: false }) !== undefined;
    } catch {
      return false; // (ENOTDIR and the like: not there, as for the async lstat)
    }
  },
  readTail(file, bytes) {
    const fd = fsSync.openSync(file, 'r');
    try {
      const { size } = fsSync.fstatSync(fd);
      const n = Math.min(size, bytes);
      const buf = Buffer.alloc(n);
      readFullySync(file, fd, buf, size - n);
      return { size, tail: toArrayBuffer(buf) };
    } finally {
      fsSync.closeSync(fd);
    }
  },
  readRange(file, start, end) {
    const fd = fsSync.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(Math.max(0, end - start));
      readFullySync(file, fd, buf, start);
      return toArrayBuffer(buf);
    } finally {
      fsSync.closeSync(fd);
    }
  },
};

/** Runs a backend call, turning a sync throw into a rejected promise (the callers only see promises). */
function call<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

function reader(dir: string, b: Backend): RunFiles {
  const lists = new Map<string, Promise<Dirent[]>>();
  const abs = (rel: string) => (rel === '' ? dir : `${dir}${path.sep}${rel}`);
  const list = (rel: string) => {
    let p = lists.get(rel);
    if (!p) {
      p = call(() => b.readdir(abs(rel)));
      p.catch(() => undefined); // a memoized failure is reported to each caller, not as unhandled
      lists.set(rel, p);
    }
    return p;
  };
  const hasTop = async (name: string) => (await list('')).some((e) => e.name === name);
  /** Whether `rel`'s first component is missing from the top level (then so is `rel`). */
  const topMissing = async (rel: string) => {
    const first = rel.split(/[\\/]/)[0];
    return first !== '' && !(await hasTop(first).catch(() => true));
  };
  return {
    dir,
    list,
    hasTop,
    async readText(rel) {
      if (await topMissing(rel)) throw ENOENT(abs(rel), 'open');
      return call(() => b.readText(abs(rel)));
    },
    async exists(rel) {
      if (await topMissing(rel)) return false;
      return call(() => b.lstatOk(abs(rel)));
    },
    async readTail(rel, bytes) {
      if (await topMissing(rel)) throw ENOENT(abs(rel), 'open');
      return call(() => b.readTail(abs(rel), bytes));
    },
    readRange: (rel, start, end) => call(() => b.readRange(abs(rel), start, end)),
  };
}

/** A reader over node:fs promises (the API and the migration worker). */
export function asyncRunFiles(dir: string): RunFiles {
  return reader(dir, asyncBackend);
}

/**
 * A reader over node:fs sync calls, for the fleet scan's worker threads: a worker does nothing
 * but detection, and a warm small read costs a few µs in place against tens of µs for a trip
 * through libuv's thread pool (4 threads shared by every worker of the process).
 */
export function syncRunFiles(dir: string): RunFiles {
  return reader(dir, syncBackend);
}
