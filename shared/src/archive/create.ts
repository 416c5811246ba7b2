import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { CancelledError, PermanentError } from '../errors';
import type { Stats } from 'node:fs';
import { ARCHIVES_DIR, isValidRunId } from '../runs';
import { DeflatePool, deflateRoom, type WholeResult } from './deflate-pool';
import { chooseEncoding } from './encoding';
import { readFully } from './file-io';
import { describeFsError } from './fs-errors';
import { OWNER_PATTERN, ownerState, ownerToken } from './temp-owner';
import { AsyncQueue, Budget, noop } from './flow';
import {
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  alternateManifestName,
  slugLabel,
  timestampName,
  type ArchiveComment,
  type ManifestEntry,
} from './manifest';
import { ArchiveOutput } from './output';
import { SharedRing, type Region } from './ring';
import type { ArchiveProgress, CreateSnapshotOptions, SnapshotResult } from './types';
import { ManifestWriter } from './manifest-writer';
import { SpillBuffer } from './spill';
import { countRun, walkEntries, type WalkEntry } from './walk';
import {
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  METHOD_DEFLATE,
  METHOD_STORE,
  FLAG_UTF8,
  FLAG_DESCRIPTOR,
  centralHeader,
  dataDescriptor,
  endOfCentralDirectory,
  localHeader,
} from './zip-format';

export const CHUNK = 1 << 20;
const SAMPLE = 32 << 10;
const STORE_RATIO = 0.95;
/**
 * zlib level 2: on text it is 3–4 % smaller than level 1 for ~10 % more time; on binaries
 * deflated with small blocks (encoding.ts) it is smaller at the same speed.
 */
const DEFAULT_LEVEL = 2;
/** bytes in flight (read, being deflated, waiting to be written): the shared ring's size */
const RING_BYTES = 32 << 20;
const FILES_IN_FLIGHT = 256;
/** small files per worker message, and their bytes */
const SMALL_BATCH_FILES = 48;
const SMALL_BATCH_BYTES = 1 << 20;
/** skipped link names kept for the report (all are counted) */
const MAX_SKIPPED_NAMES = 1000;
/** Files whose size could reach 4 GiB get ZIP64 local headers. */
const ZIP64_LOCAL_THRESHOLD = 0xffff0000 - CHUNK;

type Job =
  | { kind: 'dir'; e: WalkEntry }
  | { kind: 'symlink'; e: WalkEntry }
  | {
      kind: 'small';
      e: WalkEntry;
      result: Promise<SmallResult>;
    }
  | {
      kind: 'big';
      e: WalkEntry;
      method: number;
      chunks: AsyncQueue<Chunk>;
      done: Promise<{ crc: number; sha256: string; size: number }>;
    };

/** One piece of a large file: its encoded bytes (a view into the ring) and the region to release. */
interface Chunk {
  out: Promise<Buffer>;
  region: Region | null;
  /** input bytes, for progress */
  bytes: number;
}

export function defaultArchiveName(label?: string, prefix = ''): string {
  const slug = label ? slugLabel(label) : '';
  return `${prefix}${timestampName()}${slug ? `_${slug}` : ''}.zip`;
}

function checkName(name: string): void {
  if (!/^[^/\\\0]+\.zip$/.test(name) || name.startsWith('.')) {
    throw new PermanentError(
      `Invalid archive name ${JSON.stringify(name)}: a plain file name ending in .zip`,
      'ARCHIVE_BAD_NAME',
    );
  }
}

/** Stream a run directory into a standard ZIP with a manifest; see README.md for the format. */
export async function createSnapshot(opts: CreateSnapshotOptions): Promise<SnapshotResult> {
  const runDir = path.resolve(opts.runDir);
  const st = await fs.stat(runDir).catch(() => null);
  if (!st?.isDirectory()) throw new PermanentError(`Run directory ${runDir} does not exist`, 'RUN_NOT_FOUND');
  const outDir = path.resolve(opts.outDir ?? path.join(runDir, ARCHIVES_DIR));
  const label = opts.label?.slice(0, 200);
  const kind = opts.kind ?? 'snapshot';
  const name = opts.name ?? defaultArchiveName(label, kind === 'snapshot' ? '' : `${kind}-`);
  checkName(name);
  await fs.mkdir(outDir, { recursive: true });
  const finalPath = path.join(outDir, name);
  if (
    await fs.lstat(finalPath).then(
      () => true,
      () => false,
    )
  )
    throw new PermanentError(`Archive ${name} already exists`, 'ARCHIVE_EXISTS');
  const hostId = opts.hostId ?? 'local';
  await sweepDeadPartials(outDir, hostId);
  const tmpPath = path.join(outDir, partialName(name, hostId));
  const signal = opts.signal;
  signal?.throwIfAborted?.();

  const progress: ArchiveProgress = {
    stage: 'scanning',
    bytesDone: 0,
    bytesTotal: 0,
    filesDone: 0,
    filesTotal: 0,
  };
  let lastEmit = 0;
  const emit = (force = false) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    opts.onProgress({ ...progress });
  };
  emit(true);

  // The worker threads start now and boot while the tree is counted (their start-up is a fixed
  // cost of every snapshot).
  const ring = new SharedRing(RING_BYTES);
  const pool = new DeflatePool(ring, opts.level ?? DEFAULT_LEVEL, STORE_RATIO, opts.threads);
  const closingPoolOnFailure = <T>(p: Promise<T>): Promise<T> =>
    p.catch(async (err: unknown) => {
      await pool.close();
      throw err;
    });
  // Two passes over the tree: totals for the percentages first, then the entries stream into the
  // pipeline, so no list of the run's entries is ever held.
  const excluded = [tmpPath, finalPath];
  const counted = await closingPoolOnFailure(countRun(runDir, excluded, signal, MANIFEST_NAME));
  // A run may hold a file or folder named like our manifest (a person unzipped an archive into it,
  // say): it is archived like any other entry, and this archive's manifest takes a free name,
  // recorded in the comment.
  const manifestName = counted.found ? await closingPoolOnFailure(freeManifestName(runDir)) : MANIFEST_NAME;
  progress.stage = 'compressing';
  progress.bytesTotal = counted.bytes;
  progress.filesTotal = counted.files;
  emit(true);
  const skippedLinks: string[] = [];
  let skippedLinkCount = 0;
  const entries = walkEntries(runDir, excluded, signal, (rel) => {
    skippedLinkCount++;
    if (skippedLinks.length < MAX_SKIPPED_NAMES) skippedLinks.push(rel);
  });

  const slots = new Budget(FILES_IN_FLIGHT);
  const jobs = new AsyncQueue<Job>();
  let failure: unknown = null;
  const fail = (err: unknown) => {
    if (failure === null) failure = err;
    ring.fail(failure);
    slots.fail(failure);
    jobs.fail(failure);
  };
  const onAbort = () => {
    fail(new CancelledError('Snapshot cancelled'));
    void pool.close();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const fh = await closingPoolOnFailure(fs.open(tmpPath, 'wx', 0o644));
  let fhClosed = false;
  // The central directory and the deflated manifest wait for the end of the archive: past 8 MiB
  // they continue in temp files beside it.
  const central = new SpillBuffer(`${tmpPath}.central`, opts.spillAfterBytes);
  const manifest = new ManifestWriter(new SpillBuffer(`${tmpPath}.manifest`, opts.spillAfterBytes));
  let entryCount = 0;
  const addCentral = async (header: Buffer) => {
    entryCount++;
    await central.append(header);
  };
  try {
    const out = new ArchiveOutput(fh);
    const producer = produce(entries, pool, ring, slots, jobs, manifestName).catch(fail);
    const createdAt = new Date().toISOString();
    await manifest.add({ format: MANIFEST_FORMAT, version: 1, createdAt, label, kind });

    const writeWhole = async (
      rel: string,
      isDir: boolean,
      mode: number,
      mtimeSec: number,
      method: number,
      crc: number,
      size: number,
      data: Buffer,
    ) => {
      const nameBuf = Buffer.from(isDir ? `${rel}/` : rel, 'utf8');
      const offset = out.offset;
      await out.write(
        localHeader({
          name: nameBuf,
          method,
          mtimeSec,
          crc,
          compressedSize: data.length,
          size,
          descriptor: false,
          zip64: false,
        }),
      );
      await out.write(data);
      await addCentral(
        centralHeader(
          {
            name: nameBuf,
            flags: FLAG_UTF8,
            method,
            mtimeSec,
            crc,
            compressedSize: data.length,
            size,
            offset,
            mode,
            isDir,
          },
          false,
        ),
      );
    };

    for await (const job of jobs) {
      const e = job.e;
      const mtimeSec = Math.floor(e.mtimeMs / 1000);
      progress.currentPath = e.rel;
      if (job.kind === 'dir') {
        await writeWhole(e.rel, true, S_IFDIR | e.mode, mtimeSec, METHOD_STORE, 0, 0, Buffer.alloc(0));
        await manifest.add({ p: e.rel, t: 'd', s: 0, m: e.mode, mt: e.mtimeMs } satisfies ManifestEntry);
      } else if (job.kind === 'symlink') {
        const data = Buffer.from(e.target!, 'utf8');
        await writeWhole(
          e.rel,
          false,
          S_IFLNK | 0o777,
          mtimeSec,
          METHOD_STORE,
          zlib.crc32(data),
          data.length,
          data,
        );
        await manifest.add({
          p: e.rel,
          t: 'l',
          s: data.length,
          m: 0o777,
          mt: e.mtimeMs,
          l: e.target,
        } satisfies ManifestEntry);
      } else if (job.kind === 'small') {
        const r = await job.result.catch((err: unknown) => {
          throw sourceError(e.rel, err);
        });
        await writeWhole(
          e.rel,
          false,
          S_IFREG | e.mode,
          mtimeSec,
          r.stored ? METHOD_STORE : METHOD_DEFLATE,
          r.crc,
          r.size,
          r.out,
        );
        r.release();
        slots.release(1);
        await manifest.add({
          p: e.rel,
          t: 'f',
          s: r.size,
          m: e.mode,
          mt: e.mtimeMs,
          h: r.sha256,
        } satisfies ManifestEntry);
        progress.bytesDone += r.size;
        progress.filesDone++;
      } else {
        const nameBuf = Buffer.from(e.rel, 'utf8');
        const offset = out.offset;
        const zip64 = e.size >= ZIP64_LOCAL_THRESHOLD;
        await out.write(
          localHeader({
            name: nameBuf,
            method: job.method,
            mtimeSec,
            crc: 0,
            compressedSize: 0,
            size: 0,
            descriptor: true,
            zip64,
          }),
        );
        let compressedSize = 0;
        for await (const c of job.chunks) {
          const buf = await c.out;
          await out.write(buf);
          compressedSize += buf.length;
          if (c.region) ring.release(c.region);
          progress.bytesDone += c.bytes;
          emit();
        }
        const d = await job.done;
        const useZip64 = zip64 || d.size >= 0xffffffff || compressedSize >= 0xffffffff;
        if (useZip64 && !zip64)
          throw new PermanentError(
            `File ${e.rel} grew past 4 GiB while being archived`,
            'ARCHIVE_SOURCE_CHANGED',
          );
        await out.write(dataDescriptor(d.crc, compressedSize, d.size, zip64));
        await addCentral(
          centralHeader(
            {
              name: nameBuf,
              flags: FLAG_UTF8 | FLAG_DESCRIPTOR,
              method: job.method,
              mtimeSec,
              crc: d.crc,
              compressedSize,
              size: d.size,
              offset,
              mode: S_IFREG | e.mode,
              isDir: false,
            },
            zip64,
          ),
        );
        await manifest.add({
          p: e.rel,
          t: 'f',
          s: d.size,
          m: e.mode,
          mt: e.mtimeMs,
          h: d.sha256,
        } satisfies ManifestEntry);
        progress.filesDone++;
      }
      emit();
    }
    await producer;
    if (failure) throw failure;

    progress.stage = 'finalizing';
    progress.currentPath = undefined;
    emit(true);
    const fileCount = progress.filesDone;
    await manifest.add({
      end: true,
      fileCount,
      entryCount: manifest.lines - 1,
      totalBytes: progress.bytesDone,
    });
    const manifestSha256 = await manifest.finish();
    if (manifest.size >= 0xffffffff || manifest.deflated.length >= 0xffffffff)
      throw new PermanentError('The manifest of this run would exceed 4 GiB', 'ARCHIVE_TOO_MANY_ENTRIES');
    // The manifest entry: sizes and CRC are known by now, its data streams from the spill buffer.
    {
      const nameBuf = Buffer.from(manifestName, 'utf8');
      const mtimeSec = Math.floor(Date.now() / 1000);
      const offset = out.offset;
      const fields = {
        name: nameBuf,
        method: METHOD_DEFLATE,
        mtimeSec,
        crc: manifest.crc,
        compressedSize: manifest.deflated.length,
        size: manifest.size,
      };
      await out.write(localHeader({ ...fields, descriptor: false, zip64: false }));
      for await (const piece of manifest.deflated.chunks()) await out.write(piece);
      await addCentral(
        centralHeader({ ...fields, flags: FLAG_UTF8, offset, mode: S_IFREG | 0o444, isDir: false }, false),
      );
    }

    const cdOffset = out.offset;
    for await (const piece of central.chunks()) await out.write(piece);
    const cdSize = out.offset - cdOffset;
    const comment: ArchiveComment = {
      arkive: 1,
      kind,
      createdAt,
      label,
      fileCount,
      totalBytes: progress.bytesDone,
      manifestSha256,
      ...(manifestName !== MANIFEST_NAME ? { manifestName } : {}),
    };
    await out.write(
      endOfCentralDirectory(entryCount, cdSize, cdOffset, Buffer.from(JSON.stringify(comment), 'utf8')),
    );
    await out.flush();
    signal?.throwIfAborted?.();
    await fh.sync();
    await fh.close();
    fhClosed = true;
    if (
      await fs.lstat(finalPath).then(
        () => true,
        () => false,
      )
    )
      throw new PermanentError(`Archive ${name} already exists`, 'ARCHIVE_EXISTS');
    await fs.rename(tmpPath, finalPath).catch((err: unknown) => {
      throw (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? new PermanentError(
            `Writing archive ${name} failed: its temp file was removed while the snapshot was being written; run the snapshot again`,
            'ARCHIVE_WRITE_FAILED',
          )
        : err;
    });
    await syncDir(outDir);
    progress.stage = 'done';
    emit(true);
    return {
      path: finalPath,
      name,
      size: out.offset,
      sha256: out.digest(),
      fileCount,
      entryCount,
      totalBytes: progress.bytesDone,
      manifestSha256,
      label,
      kind,
      skippedLinks,
      skippedLinkCount,
    };
  } catch (err) {
    fail(err);
    if (!fhClosed) await fh.close().catch(noop);
    await fs.rm(tmpPath, { force: true }).catch(noop);
    if (signal?.aborted && !(err instanceof CancelledError)) throw new CancelledError('Snapshot cancelled');
    throw inRunTerms(err, runDir, name, tmpPath);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await pool.close();
    await central.dispose();
    await manifest.deflated.dispose();
  }
}

/**
 * Temp names beside the archive: `.<name, at most 100 bytes>.partial-<owner>-<rand>` and its spill
 * files (`.central`, `.manifest`). The owner token (temp-owner.ts) says which process of which
 * host writes it; the name is shortened so that the spill names stay far below 255 bytes.
 */
const PARTIAL_NAME = new RegExp(`^\\..*\\.partial-(${OWNER_PATTERN})-[0-9a-f]{8}(\\.central|\\.manifest)?$`);
/** Before owner tokens: `.<name>.partial-<hex>`. */
const LEGACY_PARTIAL_NAME = /^\..+\.zip\.partial-[0-9a-f]+(\.central|\.manifest)?$/;

function partialName(name: string, hostId: string): string {
  let short = name;
  while (Buffer.byteLength(short) > 100) short = [...short].slice(0, -1).join('');
  return `.${short}.partial-${ownerToken(hostId)}-${randomBytes(4).toString('hex')}`;
}

/** A live writer touches its temp files every few seconds; a group idle this long was left by a crash. */
const DEAD_PARTIAL_MS = 10 * 60 * 1000;

/**
 * Remove the temp files of snapshots that will never finish, in `outDir`: at once when their
 * owner is a process of this host that is provably gone; files of a live process never; files of
 * another host (or without an owner) once the whole group (archive + spill files) has been idle
 * for 10 minutes, as before owner tokens, unless `provenOnly`. Returns what was removed.
 */
export async function sweepDeadPartials(
  outDir: string,
  hostId = 'local',
  opts: { provenOnly?: boolean } = {},
): Promise<Array<{ name: string; size: number }>> {
  const groups = new Map<string, { owner: string | null; files: Array<{ name: string; st: Stats }> }>();
  for (const n of await fs.readdir(outDir).catch(() => [] as string[])) {
    const m = PARTIAL_NAME.exec(n);
    const legacy = !m && LEGACY_PARTIAL_NAME.test(n);
    if (!m && !legacy) continue;
    const st = await fs.lstat(path.join(outDir, n)).catch(() => null);
    if (!st?.isFile()) continue;
    const base = n.replace(/\.(central|manifest)$/, '');
    const g = groups.get(base) ?? { owner: m ? m[1] : null, files: [] };
    g.files.push({ name: n, st });
    groups.set(base, g);
  }
  const removed: Array<{ name: string; size: number }> = [];
  for (const g of groups.values()) {
    const state = g.owner ? ownerState(g.owner, hostId) : 'unknown';
    if (state === 'alive') continue;
    const idle = Date.now() - Math.max(...g.files.map((f) => f.st.mtimeMs));
    if (state === 'unknown' && (opts.provenOnly || idle <= DEAD_PARTIAL_MS)) continue;
    for (const f of g.files) {
      await fs.rm(path.join(outDir, f.name), { force: true }).catch(noop);
      removed.push({ name: f.name, size: f.st.size });
    }
  }
  return removed;
}

/**
 * For a starting snapshot service: the temp files in every run's archives/ under `runsRoot` whose
 * process of this host is provably gone (never a live one's, never another host's, never a name
 * without an owner token). Returns what was removed, as `<runid>/archives/<name>`.
 */
export async function sweepDeadSnapshotTemps(
  runsRoot: string,
  hostId = 'local',
): Promise<Array<{ path: string; size: number }>> {
  const out: Array<{ path: string; size: number }> = [];
  for (const runid of await fs.readdir(runsRoot).catch(() => [] as string[])) {
    if (!isValidRunId(runid)) continue;
    const dir = path.join(runsRoot, runid, ARCHIVES_DIR);
    for (const r of await sweepDeadPartials(dir, hostId, { provenOnly: true }))
      out.push({ path: `${runid}/${ARCHIVES_DIR}/${r.name}`, size: r.size });
  }
  return out;
}

export async function syncDir(dir: string): Promise<void> {
  const dh = await fs.open(dir, 'r').catch(() => null);
  if (!dh) return;
  await dh.sync().catch(noop);
  await dh.close().catch(noop);
}

/** A top-level name for this archive's manifest that the run does not use. */
async function freeManifestName(runDir: string): Promise<string> {
  for (;;) {
    const name = alternateManifestName(randomBytes(4).toString('hex'));
    if (
      !(await fs.lstat(path.join(runDir, name)).then(
        () => true,
        () => false,
      ))
    )
      return name;
  }
}

function manifestNameTaken(name: string): PermanentError {
  return new PermanentError(
    `${name} appeared in the run while the snapshot was being written (the archive's manifest uses that name); run the snapshot again`,
    'ARCHIVE_SOURCE_CHANGED',
  );
}

/**
 * A file-system error of a snapshot, in the run's terms: one about a path in the run names the
 * run-relative file; one about the archive's temp or spill files names the archive.
 */
function inRunTerms(err: unknown, runDir: string, name: string, tmpPath: string): unknown {
  const p = (err as NodeJS.ErrnoException | null)?.path;
  const rel = p ? path.relative(runDir, p) : '';
  if (p && !p.startsWith(tmpPath) && rel && !rel.startsWith('..') && !path.isAbsolute(rel))
    return sourceError(rel.split(path.sep).join('/'), err);
  return describeFsError(err, `Writing archive ${name} failed`, 'ARCHIVE_WRITE_FAILED');
}

/** A run file that cannot be read any more: say which and why, in the run's terms. */
function sourceError(rel: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT')
    return new PermanentError(
      `${rel} disappeared while the snapshot was being written (something deleted or moved it meanwhile). Nothing in the run was changed and no archive was kept: retrying is safe once the run has stopped changing`,
      'ARCHIVE_SOURCE_CHANGED',
    );
  return describeFsError(err, `Cannot read ${rel}`, 'ARCHIVE_SOURCE_UNREADABLE');
}

type SmallResult = WholeResult & {
  /** call once the bytes are written: the batch's ring region is freed after its last file */
  release(): void;
};

/**
 * Small files go to the workers in batches (one message per batch instead of one per file), their
 * outputs packed into one ring region. A batch is sent before the producer could wait, so the
 * writer never waits for a file whose batch has not been sent.
 */
class SmallBatch {
  private files: Array<{ path: string; size: number }> = [];
  private waiting: Array<{ resolve(r: SmallResult): void; reject(e: unknown): void }> = [];
  private bytes = 0;

  constructor(
    private readonly pool: DeflatePool,
    private readonly ring: SharedRing,
  ) {}

  get full(): boolean {
    return this.files.length >= SMALL_BATCH_FILES || this.bytes >= SMALL_BATCH_BYTES;
  }

  add(path: string, size: number): Promise<SmallResult> {
    this.files.push({ path, size });
    this.bytes += size;
    const result = new Promise<SmallResult>((resolve, reject) => this.waiting.push({ resolve, reject }));
    result.catch(noop);
    return result;
  }

  async send(): Promise<void> {
    if (!this.files.length) return;
    const { files, waiting, bytes } = this;
    this.files = [];
    this.waiting = [];
    this.bytes = 0;
    let region: Region;
    try {
      region = await this.ring.acquire(bytes);
    } catch (err) {
      for (const w of waiting) w.reject(err);
      throw err;
    }
    let unwritten = files.length;
    const release = () => {
      if (--unwritten === 0) this.ring.release(region);
    };
    this.pool.files(files, region).then(
      (results) => results.forEach((r, i) => waiting[i].resolve({ ...r, release })),
      (err) => waiting.forEach((w) => w.reject(err)),
    );
  }
}

/** Reads files in archive order and hands them to the pool; memory bounded by the ring and slots. */
async function produce(
  entries: AsyncIterable<WalkEntry[]>,
  pool: DeflatePool,
  ring: SharedRing,
  slots: Budget,
  jobs: AsyncQueue<Job>,
  manifestName: string,
): Promise<void> {
  const batch = new SmallBatch(pool, ring);
  for await (const walked of entries)
    for (const e of walked) {
      if (e.rel === manifestName) throw manifestNameTaken(e.rel);
      if (e.type !== 'file') {
        jobs.push(e.type === 'dir' ? { kind: 'dir', e } : { kind: 'symlink', e });
        continue;
      }
      if (e.size <= CHUNK) {
        if (!slots.tryAcquire(1)) {
          await batch.send();
          await slots.acquire(1);
        }
        jobs.push({ kind: 'small', e, result: batch.add(e.abs, e.size) });
        if (batch.full) await batch.send();
        continue;
      }
      await batch.send();
      await produceBig(e, pool, ring, jobs);
    }
  await batch.send();
  jobs.end();
}

async function produceBig(
  e: WalkEntry,
  pool: DeflatePool,
  ring: SharedRing,
  jobs: AsyncQueue<Job>,
): Promise<void> {
  const chunks = new AsyncQueue<Chunk>();
  let settle!: (v: { crc: number; sha256: string; size: number }) => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<{ crc: number; sha256: string; size: number }>(
    (res, rej) => ((settle = res), (reject = rej)),
  );
  done.catch(noop);
  const fh = await fs.open(e.abs, 'r').catch((err: unknown) => {
    throw sourceError(e.rel, err);
  });
  try {
    // Store or deflate, and the deflate block size, from a sample (content, not the name).
    const sample = Buffer.allocUnsafe(SAMPLE);
    const { bytesRead: sampleLen } = await fh.read(sample, 0, SAMPLE, 0);
    const enc = chooseEncoding(zlib, sample.subarray(0, sampleLen), pool.level, pool.storeRatio);
    const method = enc.store ? METHOD_STORE : METHOD_DEFLATE;
    jobs.push({ kind: 'big', e, method, chunks, done });
    const hash = createHash('sha256');
    let crc = 0;
    let pos = 0;
    let finalSent = false;
    while (pos < e.size) {
      const want = Math.min(CHUNK, e.size - pos);
      // Read into the ring; deflate output goes into the same region, after the input.
      const region = await ring.acquire(method === METHOD_STORE ? want : want + deflateRoom(want));
      const buf = ring.view(region, 0, want);
      let got: number;
      try {
        got = await readFully(fh, buf, pos);
      } catch (err) {
        ring.release(region);
        throw sourceError(e.rel, err);
      }
      const data = buf.subarray(0, got);
      crc = zlib.crc32(data, crc);
      hash.update(data);
      pos += got;
      const final = got < want || pos >= e.size;
      const out = method === METHOD_STORE ? Promise.resolve(data) : pool.chunk(region, got, final, enc);
      out.catch(noop);
      chunks.push({ out, region, bytes: got });
      if (final) {
        finalSent = true;
        break;
      }
    }
    if (!finalSent && method === METHOD_DEFLATE)
      chunks.push({ out: Promise.resolve(zlib.deflateRawSync(Buffer.alloc(0))), region: null, bytes: 0 });
    chunks.end();
    settle({ crc, sha256: hash.digest('hex'), size: pos });
  } catch (err) {
    chunks.fail(err);
    reject(err);
    throw err;
  } finally {
    await fh.close();
  }
}
