import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { CancelledError, PermanentError } from '../errors';
import { noop } from './flow';
import {
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  type ArchiveComment,
  type ArchiveKind,
  type ManifestEntry,
} from './manifest';
import { ManifestWriter } from './manifest-writer';
import { sniffFormat, SNIFF_BYTES } from './sniff';
import { SpillBuffer } from './spill';
import {
  FLAG_DESCRIPTOR,
  FLAG_UTF8,
  METHOD_DEFLATE,
  METHOD_STORE,
  S_IFREG,
  centralHeader,
  dataDescriptor,
  endOfCentralDirectory,
  localHeader,
} from './zip-format';

/**
 * The ZIP engine's seam for entries that come from streams (objects in a bucket, say) instead of a
 * directory walk: the same container format, manifest and comment as a run snapshot
 * (`create.ts`), written as a stream with bounded memory. Several entries are read ahead in
 * parallel (each into a bounded buffer, its source paused when full) while one writer emits them
 * in order; already-compressed data (JPEG, PNG, WebP, ...: judged by content) is stored, anything
 * else deflated.
 */
export interface StreamEntry {
  /** Entry name (UTF-8, relative, `/`-separated, no `..`). */
  name: string;
  /** Expected byte count when known: a body of another length fails the archive. */
  size?: number;
  mtimeMs: number;
  /** Unix mode bits (default 0o644). */
  mode?: number;
  /** 'auto' (default): store what is already compressed, by its first bytes; deflate the rest. */
  method?: 'auto' | 'store' | 'deflate';
  open(signal: AbortSignal): Promise<Readable>;
}

export interface StreamZipProgress {
  entriesDone: number;
  entriesTotal?: number;
  bytesDone: number;
  bytesTotal?: number;
  currentName?: string;
}

export interface StreamZipOptions {
  entries: Iterable<StreamEntry> | AsyncIterable<StreamEntry>;
  /** for progress only */
  entriesTotal?: number;
  bytesTotal?: number;
  /** Entries being read at once (default 5). */
  concurrency?: number;
  /** Bytes buffered per entry being read ahead (default 4 MiB): memory ≈ concurrency × this. */
  readAheadBytes?: number;
  kind: ArchiveKind;
  label?: string;
  /** zlib level of deflated entries (default 2). */
  level?: number;
  signal?: AbortSignal;
  onProgress?(p: StreamZipProgress): void;
  /** Where the deflated manifest continues past 8 MiB (default the OS temp folder). */
  spillDir?: string;
}

export interface StreamZipResult {
  size: number;
  sha256: string;
  fileCount: number;
  entryCount: number;
  totalBytes: number;
  manifestSha256: string;
}

const OUT_CHUNK = 1 << 20;
const DEFLATE_CHUNK = 1 << 20;
const ZIP64_LOCAL_THRESHOLD = 0xffff0000 - (64 << 20);

/** Returns the archive as a stream (pull-driven: backpressure reaches the sources) and its result. */
export function createZipStream(opts: StreamZipOptions): {
  stream: Readable;
  done: Promise<StreamZipResult>;
} {
  let resolve!: (r: StreamZipResult) => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<StreamZipResult>((res, rej) => ((resolve = res), (reject = rej)));
  done.catch(noop);
  const abort = new AbortController();
  const onAbort = () => abort.abort(new CancelledError('Archive cancelled'));
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  async function* generate(): AsyncGenerator<Buffer> {
    const out = new OutputBuffer();
    try {
      for await (const piece of writeArchive(opts, abort.signal, out, resolve)) yield piece;
    } catch (err) {
      abort.abort(err);
      reject(abort.signal.reason instanceof CancelledError ? abort.signal.reason : err);
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      // The consumer stopped early (destroyed the stream): stop every source.
      if (!abort.signal.aborted) abort.abort(new CancelledError('Archive stream closed'));
      reject(new CancelledError('Archive stream closed'));
    }
  }
  const stream = Readable.from(generate(), { objectMode: false, highWaterMark: OUT_CHUNK });
  return { stream, done };
}

/** Gathers small writes into ~1 MiB pieces, hashing and counting every byte. */
class OutputBuffer {
  offset = 0;
  private hash = createHash('sha256');
  private parts: Buffer[] = [];
  private pending = 0;

  add(buf: Buffer): Buffer | null {
    if (buf.length === 0) return null;
    this.hash.update(buf);
    this.offset += buf.length;
    this.parts.push(buf);
    this.pending += buf.length;
    return this.pending >= OUT_CHUNK ? this.take() : null;
  }
  take(): Buffer | null {
    if (!this.pending) return null;
    const b = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.pending);
    this.parts = [];
    this.pending = 0;
    return b;
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

async function* writeArchive(
  opts: StreamZipOptions,
  signal: AbortSignal,
  out: OutputBuffer,
  resolve: (r: StreamZipResult) => void,
): AsyncGenerator<Buffer> {
  const spill = path.join(
    opts.spillDir ?? os.tmpdir(),
    `.arkive-stream-${randomBytes(6).toString('hex')}.manifest`,
  );
  const manifest = new ManifestWriter(new SpillBuffer(spill));
  const central: Buffer[] = [];
  const names = new Set<string>();
  const level = opts.level ?? 2;
  const progress: StreamZipProgress = {
    entriesDone: 0,
    entriesTotal: opts.entriesTotal,
    bytesDone: 0,
    bytesTotal: opts.bytesTotal,
  };
  let lastEmit = 0;
  const emit = (force = false) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    opts.onProgress({ ...progress });
  };
  const ahead = new ReadAhead(opts.entries, opts.concurrency ?? 5, opts.readAheadBytes ?? 4 << 20, signal);
  try {
    const createdAt = new Date().toISOString();
    await manifest.add({
      format: MANIFEST_FORMAT,
      version: 1,
      createdAt,
      label: opts.label,
      kind: opts.kind,
    });
    emit(true);
    for await (const item of ahead) {
      const e = item.entry;
      checkEntryName(e.name, names);
      progress.currentName = e.name;
      const nameBuf = Buffer.from(e.name, 'utf8');
      const mtimeSec = Math.floor(e.mtimeMs / 1000);
      const mode = e.mode ?? 0o644;
      const zip64 = e.size === undefined || e.size >= ZIP64_LOCAL_THRESHOLD;
      const chunks = item.read();
      // The first bytes decide store vs deflate (content, not the name).
      let first = await chunks.next();
      const head: Buffer[] = [];
      let headLen = 0;
      while (!first.done && headLen < SNIFF_BYTES) {
        head.push(first.value);
        headLen += first.value.length;
        if (headLen < SNIFF_BYTES) first = await chunks.next();
      }
      const headBuf = Buffer.concat(head);
      const method =
        e.method === 'store'
          ? METHOD_STORE
          : e.method === 'deflate'
            ? METHOD_DEFLATE
            : headBuf.length === 0 || sniffFormat(headBuf)?.compressed
              ? METHOD_STORE
              : METHOD_DEFLATE;
      const offset = out.offset;
      const emitted = out.add(
        localHeader({
          name: nameBuf,
          method,
          mtimeSec,
          crc: 0,
          compressedSize: 0,
          size: 0,
          descriptor: true,
          zip64,
        }),
      );
      if (emitted) yield emitted;
      const hash = createHash('sha256');
      let crc = 0;
      let size = 0;
      let compressedSize = 0;
      let deflateAcc: Buffer[] = [];
      let deflateLen = 0;
      const flushDeflate = (final: boolean): Buffer | null => {
        if (!final && deflateLen === 0) return null;
        const input = deflateAcc.length === 1 ? deflateAcc[0] : Buffer.concat(deflateAcc, deflateLen);
        deflateAcc = [];
        deflateLen = 0;
        return zlib.deflateRawSync(input, {
          level,
          finishFlush: final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
        });
      };
      const take = (data: Buffer): Buffer | null => {
        crc = zlib.crc32(data, crc);
        hash.update(data);
        size += data.length;
        progress.bytesDone += data.length;
        if (method === METHOD_STORE) {
          compressedSize += data.length;
          return out.add(data);
        }
        deflateAcc.push(data);
        deflateLen += data.length;
        if (deflateLen < DEFLATE_CHUNK) return null;
        const d = flushDeflate(false)!;
        compressedSize += d.length;
        return out.add(d);
      };
      if (headBuf.length) {
        const p = take(headBuf);
        if (p) yield p;
      }
      if (!first.done) {
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
          const p = take(next.value);
          if (p) yield p;
          emit();
        }
      }
      if (method === METHOD_DEFLATE) {
        const d = flushDeflate(true)!;
        compressedSize += d.length;
        const p = out.add(d);
        if (p) yield p;
      }
      if (e.size !== undefined && e.size !== size)
        throw new PermanentError(
          `${e.name} is ${size} bytes, expected ${e.size}; it changed while being archived`,
          'ARCHIVE_SOURCE_CHANGED',
        );
      if (!zip64 && (size >= 0xffffffff || compressedSize >= 0xffffffff))
        throw new PermanentError(`${e.name} grew past 4 GiB while being archived`, 'ARCHIVE_SOURCE_CHANGED');
      const p = out.add(dataDescriptor(crc, compressedSize, size, zip64));
      if (p) yield p;
      central.push(
        centralHeader(
          {
            name: nameBuf,
            flags: FLAG_UTF8 | FLAG_DESCRIPTOR,
            method,
            mtimeSec,
            crc,
            compressedSize,
            size,
            offset,
            mode: S_IFREG | mode,
            isDir: false,
          },
          zip64,
        ),
      );
      await manifest.add({
        p: e.name,
        t: 'f',
        s: size,
        m: mode,
        mt: e.mtimeMs,
        h: hash.digest('hex'),
      } satisfies ManifestEntry);
      progress.entriesDone++;
      emit();
    }
    if (signal.aborted) throw signal.reason;
    const fileCount = progress.entriesDone;
    await manifest.add({ end: true, fileCount, entryCount: fileCount, totalBytes: progress.bytesDone });
    const manifestSha256 = await manifest.finish();
    {
      const nameBuf = Buffer.from(MANIFEST_NAME, 'utf8');
      const fields = {
        name: nameBuf,
        method: METHOD_DEFLATE,
        mtimeSec: Math.floor(Date.now() / 1000),
        crc: manifest.crc,
        compressedSize: manifest.deflated.length,
        size: manifest.size,
      };
      const offset = out.offset;
      let p = out.add(localHeader({ ...fields, descriptor: false, zip64: false }));
      if (p) yield p;
      for await (const piece of manifest.deflated.chunks()) {
        p = out.add(Buffer.from(piece));
        if (p) yield p;
      }
      central.push(
        centralHeader({ ...fields, flags: FLAG_UTF8, offset, mode: S_IFREG | 0o444, isDir: false }, false),
      );
    }
    const cdOffset = out.offset;
    for (const h of central) {
      const p = out.add(h);
      if (p) yield p;
    }
    const cdSize = out.offset - cdOffset;
    const comment: ArchiveComment = {
      arkive: 1,
      kind: opts.kind,
      createdAt,
      label: opts.label,
      fileCount,
      totalBytes: progress.bytesDone,
      manifestSha256,
    };
    out.add(
      endOfCentralDirectory(central.length, cdSize, cdOffset, Buffer.from(JSON.stringify(comment), 'utf8')),
    );
    const last = out.take();
    progress.currentName = undefined;
    emit(true);
    // The result is known once the last byte is handed over.
    const result = {
      size: out.offset,
      sha256: out.digest(),
      fileCount,
      entryCount: central.length,
      totalBytes: progress.bytesDone,
      manifestSha256,
    };
    if (last) yield last;
    resolve(result);
  } finally {
    ahead.close();
    await manifest.deflated.dispose();
  }
}

function checkEntryName(name: string, seen: Set<string>): void {
  const bad =
    !name ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.split('/').some((s) => s === '' || s === '.' || s === '..') ||
    name === MANIFEST_NAME;
  if (bad) throw new PermanentError(`Invalid entry name ${JSON.stringify(name)}`, 'ARCHIVE_BAD_NAME');
  if (seen.has(name)) throw new PermanentError(`Entry ${name} appears twice`, 'ARCHIVE_BAD_NAME');
  seen.add(name);
}

/** One entry being read ahead into a bounded buffer. */
class Prefetch {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private error: unknown = null;
  private wakeReader: (() => void) | null = null;
  private wakeFiller: (() => void) | null = null;
  private source: Readable | null = null;

  constructor(
    readonly entry: StreamEntry,
    private readonly limit: number,
    private readonly signal: AbortSignal,
  ) {
    void this.fill();
  }

  private notifyReader() {
    const w = this.wakeReader;
    this.wakeReader = null;
    w?.();
  }

  private async fill(): Promise<void> {
    const onAbort = () => {
      this.source?.destroy();
      this.wakeFiller?.();
    };
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.signal.throwIfAborted();
      this.source = await this.entry.open(this.signal);
      if (this.signal.aborted) this.source.destroy();
      for await (const c of this.source) {
        const buf = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
        this.chunks.push(buf);
        this.buffered += buf.length;
        this.notifyReader();
        while (this.buffered >= this.limit && !this.signal.aborted)
          await new Promise<void>((r) => (this.wakeFiller = r));
        this.signal.throwIfAborted();
      }
      this.ended = true;
    } catch (err) {
      this.error = this.signal.aborted ? this.signal.reason : err;
      this.source?.destroy();
    } finally {
      this.signal.removeEventListener('abort', onAbort);
      this.notifyReader();
    }
  }

  async *read(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.error !== null) throw this.error;
      const c = this.chunks.shift();
      if (c) {
        this.buffered -= c.length;
        const w = this.wakeFiller;
        this.wakeFiller = null;
        w?.();
        yield c;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => (this.wakeReader = r));
    }
  }

  close(): void {
    this.source?.destroy();
    this.wakeFiller?.();
  }
}

/** Opens up to `concurrency` entries ahead of the writer, in archive order. */
class ReadAhead {
  private open: Prefetch[] = [];
  private iter: Iterator<StreamEntry> | AsyncIterator<StreamEntry>;
  private exhausted = false;

  constructor(
    entries: Iterable<StreamEntry> | AsyncIterable<StreamEntry>,
    private readonly concurrency: number,
    private readonly limit: number,
    private readonly signal: AbortSignal,
  ) {
    this.iter =
      Symbol.asyncIterator in entries
        ? (entries as AsyncIterable<StreamEntry>)[Symbol.asyncIterator]()
        : (entries as Iterable<StreamEntry>)[Symbol.iterator]();
  }

  private async topUp(): Promise<void> {
    while (!this.exhausted && this.open.length < this.concurrency) {
      const n = await this.iter.next();
      if (n.done) this.exhausted = true;
      else this.open.push(new Prefetch(n.value, this.limit, this.signal));
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Prefetch> {
    for (;;) {
      await this.topUp();
      const next = this.open.shift();
      if (!next) return;
      try {
        yield next;
      } finally {
        next.close();
      }
    }
  }

  close(): void {
    for (const p of this.open) p.close();
    this.open = [];
  }
}
