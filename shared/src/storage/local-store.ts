import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import { AppError, CancelledError, ConflictError, NotFoundError, ValidationError } from '../errors';
import {
  META_SUFFIX,
  TEMP_PREFIX,
  checkDeclared,
  decodeCursor,
  encodeCursor,
  listAllPages,
  rangeNotSatisfiable,
  sha256OfStream,
  throwIfAborted,
  validateKey,
  validateLimit,
  validatePrefix,
  validatePutOptions,
  validateRange,
  type BlobHead,
  type BlobListItem,
  type BlobStore,
  type BlobStoreDescription,
  type GetOptions,
  type ListOptions,
  type ListPage,
  type PutOptions,
  type PutResult,
} from './blob-store';

export interface LocalBlobStoreOptions {
  /** `DATA_DIR/buckets` */
  root: string;
  bucket?: string;
}

/** What the sidecar records; `ino`/`size`/`mtimeMs` tie it to one version of the object file. */
interface Sidecar {
  sha256: string;
  size: number;
  ino: number;
  mtimeMs: number;
  contentType?: string;
}

const PROGRESS_EVERY = 1024 * 1024;

/**
 * Blobs as files under `<root>/<bucket>/<key>`. A put streams into a temp file in the same
 * directory, fsyncs, renames over the key and fsyncs the directory, so a reader sees the old
 * object or the new one, never a part. The SHA-256 goes to a sidecar `<key>.arkive-meta.json`
 * (hidden from list) that is trusted only while it matches the file's inode, size and mtime.
 * Limitation against S3: a key cannot also be a "directory" of other keys ("a" and "a/b").
 */
export class LocalBlobStore implements BlobStore {
  readonly bucket: string;
  readonly dir: string;

  constructor(opts: LocalBlobStoreOptions) {
    this.bucket = opts.bucket ?? 'arkive';
    if (!/^[a-z0-9][a-z0-9.-]{1,62}$/.test(this.bucket))
      throw new AppError('INVALID_BUCKET', `Invalid bucket name: ${this.bucket}`, 500);
    this.dir = path.resolve(opts.root, this.bucket);
  }

  describe(): BlobStoreDescription {
    return { driver: 'local', bucket: this.bucket };
  }

  async check(): Promise<void> {
    try {
      await fs.mkdir(this.dir, { recursive: true });
      await fs.access(this.dir, fs.constants.R_OK | fs.constants.W_OK);
    } catch (err) {
      throw new AppError(
        'STORAGE_UNAVAILABLE',
        `Local bucket directory ${this.dir} is not usable: ${(err as Error).message}`,
        503,
      );
    }
  }

  private filePath(key: string): string {
    return path.join(this.dir, ...validateKey(key).split('/'));
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    const target = this.filePath(key);
    validatePutOptions(opts);
    throwIfAborted(opts.signal);
    const dir = path.dirname(target);
    const temp = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    if (opts.signal) addAbortSignal(opts.signal, source);
    let handle: fs.FileHandle | undefined;
    try {
      handle = await this.createTemp(dir, temp, key);
      const hash = createHash('sha256');
      let size = 0;
      let reported = 0;
      for await (const chunk of source) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        hash.update(buf);
        await handle.write(buf);
        size += buf.length;
        if (opts.onProgress && size - reported >= PROGRESS_EVERY) {
          reported = size;
          opts.onProgress(size, opts.size);
        }
        throwIfAborted(opts.signal);
      }
      const sha256 = hash.digest('hex');
      checkDeclared(key, opts, size, sha256);
      await handle.sync();
      const stat = await handle.stat();
      await handle.close();
      handle = undefined;
      throwIfAborted(opts.signal);
      const sidecar: Sidecar = {
        sha256,
        size,
        ino: stat.ino,
        mtimeMs: stat.mtimeMs,
        contentType: opts.contentType,
      };
      const metaTemp = `${temp}.meta`;
      await writeFileSynced(metaTemp, JSON.stringify(sidecar));
      await fs.rename(temp, target).catch((err) => {
        throw mapFsError(err, key);
      });
      await fs.rename(metaTemp, target + META_SUFFIX);
      await fsyncDir(dir);
      opts.onProgress?.(size, opts.size);
      return { key, size, sha256 };
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await fs.rm(temp, { force: true }).catch(() => undefined);
      await fs.rm(`${temp}.meta`, { force: true }).catch(() => undefined);
      if (opts.signal?.aborted) throw new CancelledError('Upload cancelled');
      throw err;
    }
  }

  /** Creates the temp file, retrying when a concurrent delete removes the just-created directory. */
  private async createTemp(dir: string, temp: string, key: string): Promise<fs.FileHandle> {
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.mkdir(dir, { recursive: true });
        return await fs.open(temp, 'wx', 0o644);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && attempt < 3) continue;
        throw mapFsError(err, key);
      }
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    const file = this.filePath(key);
    validateRange(opts.range);
    throwIfAborted(opts.signal);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(key);
      throw mapFsError(err, key);
    }
    let start: number | undefined;
    let end: number | undefined;
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw notFound(key);
      if (opts.range) {
        if (opts.range.start >= stat.size) throw rangeNotSatisfiable(key, opts.range.start, stat.size);
        start = opts.range.start;
        end = Math.min(opts.range.end ?? stat.size - 1, stat.size - 1);
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    const stream = handle.createReadStream({ start, end });
    if (opts.signal) addAbortSignal(opts.signal, stream);
    return stream;
  }

  async head(key: string): Promise<BlobHead | null> {
    const file = this.filePath(key);
    const stat = await this.statFile(file, key);
    if (!stat) return null;
    const sidecar = await readSidecar(file + META_SUFFIX);
    const valid =
      sidecar && sidecar.ino === stat.ino && sidecar.size === stat.size && sidecar.mtimeMs === stat.mtimeMs;
    return {
      key,
      size: stat.size,
      lastModified: new Date(stat.mtimeMs),
      sha256: valid ? sidecar.sha256 : undefined,
    };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const limit = validateLimit(opts.limit);
    const after = decodeCursor(opts.cursor);
    const items: BlobListItem[] = [];
    const slash = prefix.lastIndexOf('/');
    const startDir = slash >= 0 ? prefix.slice(0, slash + 1) : '';
    let more = false;
    const visit = async (relDir: string): Promise<boolean> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(path.join(this.dir, ...relDir.split('/').filter(Boolean)), {
          withFileTypes: true,
        });
      } catch (err) {
        if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return true;
        throw err;
      }
      // Visiting "<dir>/" for directories and names for files, in byte order, yields keys in byte order.
      const named = entries
        .filter(
          (e) =>
            !e.name.startsWith(TEMP_PREFIX) &&
            !e.name.endsWith(META_SUFFIX) &&
            (e.isDirectory() || e.isFile()),
        )
        .map((e) => ({ entry: e, name: relDir + e.name + (e.isDirectory() ? '/' : '') }))
        .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
      for (const { entry, name } of named) {
        if (!(name.startsWith(prefix) || prefix.startsWith(name))) continue;
        if (entry.isDirectory()) {
          // Every key under `name` sorts before `after` when `after` is past `name` and outside it.
          if (
            after !== undefined &&
            !after.startsWith(name) &&
            Buffer.compare(Buffer.from(name), Buffer.from(after)) < 0
          )
            continue;
          if (!(await visit(name))) return false;
          continue;
        }
        if (!name.startsWith(prefix)) continue;
        if (after !== undefined && Buffer.compare(Buffer.from(name), Buffer.from(after)) <= 0) continue;
        if (items.length === limit) {
          more = true;
          return false;
        }
        const stat = await fs.stat(path.join(this.dir, ...name.split('/'))).catch(() => undefined);
        if (stat?.isFile()) items.push({ key: name, size: stat.size, lastModified: new Date(stat.mtimeMs) });
      }
      return true;
    };
    await visit(startDir);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].key) : undefined };
  }

  listAll(prefix: string): AsyncIterable<BlobListItem> {
    validatePrefix(prefix);
    return listAllPages(this, prefix);
  }

  async delete(key: string): Promise<void> {
    const file = this.filePath(key);
    await fs.rm(file + META_SUFFIX, { force: true });
    try {
      await fs.rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      if (
        (err as NodeJS.ErrnoException).code === 'EISDIR' ||
        (err as NodeJS.ErrnoException).code === 'ERR_FS_EISDIR'
      )
        return;
      throw err;
    }
    // Drop now-empty parent directories; a concurrent put recreates its directory (createTemp).
    let dir = path.dirname(file);
    while (dir.startsWith(this.dir + path.sep)) {
      try {
        await fs.rmdir(dir);
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }

  async presign(): Promise<string> {
    throw new AppError(
      'PRESIGN_UNSUPPORTED',
      'The local-filesystem bucket cannot make presigned URLs; serve the blob through an Arkive signed download link instead',
      501,
    );
  }

  async sha256(key: string): Promise<string> {
    return sha256OfStream(await this.get(key));
  }

  private async statFile(file: string, key: string) {
    try {
      const stat = await fs.stat(file);
      return stat.isFile() ? stat : undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw mapFsError(err, key);
    }
  }
}

function notFound(key: string): NotFoundError {
  return new NotFoundError('BLOB_NOT_FOUND', `No blob at ${key}`);
}

function mapFsError(err: unknown, key: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENAMETOOLONG')
    return new ValidationError(`Blob key ${key} has a segment longer than the filesystem allows (255 bytes)`);
  if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST') {
    return new ConflictError(
      'BLOB_KEY_CONFLICT',
      `Key ${key} clashes with another key used as its folder (local driver)`,
    );
  }
  return err;
}

async function readSidecar(file: string): Promise<Sidecar | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Sidecar;
  } catch {
    return undefined;
  }
}

async function writeFileSynced(file: string, data: string): Promise<void> {
  const handle = await fs.open(file, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
