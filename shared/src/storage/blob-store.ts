import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError, CancelledError, ValidationError } from '../errors';

export interface PutOptions {
  /** Expected byte count; a body of another length is refused and nothing is stored. */
  size?: number;
  /** Expected SHA-256 (hex) when the caller knows it; a body that hashes otherwise is refused. */
  sha256?: string;
  contentType?: string;
  signal?: AbortSignal;
  onProgress?(bytesSent: number, total?: number): void;
}

export interface PutResult {
  key: string;
  size: number;
  /** Hex SHA-256 of the bytes stored. */
  sha256: string;
  etag?: string;
}

export interface ByteRange {
  start: number;
  /** Inclusive, like HTTP Range; clamped to the object's last byte. */
  end?: number;
}

export interface GetOptions {
  range?: ByteRange;
  signal?: AbortSignal;
}

export interface BlobHead {
  key: string;
  size: number;
  lastModified: Date;
  /** Hex SHA-256 from stored metadata (or a full-object checksum) when known. */
  sha256?: string;
  etag?: string;
}

export interface BlobListItem {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ListOptions {
  /** Page size, 1..1000 (default 1000). */
  limit?: number;
  /** `nextCursor` from the previous page. */
  cursor?: string;
}

export interface ListPage {
  items: BlobListItem[];
  nextCursor?: string;
}

export interface PresignOptions {
  expiresInSeconds: number;
  method?: 'GET' | 'PUT';
}

export interface BlobStoreDescription {
  driver: 's3' | 'local';
  bucket: string;
  endpoint?: string;
}

/**
 * A bucket of immutable blobs addressed by key. Implemented by the local-filesystem driver and the
 * S3 driver; both pass the same contract tests. Nothing half-written is ever visible under a key.
 */
export interface BlobStore {
  put(key: string, body: Readable | Buffer, opts?: PutOptions): Promise<PutResult>;
  /** Rejects with NotFoundError `BLOB_NOT_FOUND` when the key does not exist. */
  get(key: string, opts?: GetOptions): Promise<Readable>;
  head(key: string): Promise<BlobHead | null>;
  /** Keys starting with `prefix` (a plain string prefix, not a directory), in byte order. */
  list(prefix: string, opts?: ListOptions): Promise<ListPage>;
  listAll(prefix: string): AsyncIterable<BlobListItem>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** A URL a client can fetch directly; the local driver throws AppError `PRESIGN_UNSUPPORTED`. */
  presign(key: string, opts: PresignOptions): Promise<string>;
  /** Hex SHA-256 computed by streaming the stored bytes (verification, not metadata). */
  sha256(key: string): Promise<string>;
  describe(): BlobStoreDescription;
  /** Resolves when the bucket is reachable and usable; rejects with a readable message otherwise. */
  check(): Promise<void>;
}

export const MAX_KEY_BYTES = 1024;
/** Names the local driver uses next to objects; refused in keys so both drivers accept the same keys. */
export const META_SUFFIX = '.arkive-meta.json';
export const TEMP_PREFIX = '.arkive-tmp-';

/** Throws ValidationError unless `key` is a safe object key. */
export function validateKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0)
    throw new ValidationError('Blob key must be a non-empty string');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
    throw new ValidationError(`Blob key is longer than ${MAX_KEY_BYTES} bytes`);
  if (key.includes('\0')) throw new ValidationError('Blob key must not contain NUL');
  if (key.startsWith('/')) throw new ValidationError(`Blob key must not start with "/": ${key}`);
  if (key.includes('\\')) throw new ValidationError(`Blob key must not contain "\\": ${key}`);
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new ValidationError(`Blob key must not contain empty, "." or ".." segments: ${key}`);
    }
    if (segment.endsWith(META_SUFFIX) || segment.startsWith(TEMP_PREFIX)) {
      throw new ValidationError(`Blob key uses a reserved name (${META_SUFFIX} / ${TEMP_PREFIX}): ${key}`);
    }
  }
  return key;
}

/** A list prefix: empty, or a key-like string whose last segment may be partial (e.g. "runs/ab"). */
export function validatePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw new ValidationError('List prefix must be a string');
  if (prefix === '') return prefix;
  if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES)
    throw new ValidationError(`List prefix is longer than ${MAX_KEY_BYTES} bytes`);
  if (prefix.includes('\0') || prefix.includes('\\') || prefix.startsWith('/'))
    throw new ValidationError(`Invalid list prefix: ${prefix}`);
  const dirs = prefix.split('/').slice(0, -1);
  if (dirs.some((d) => d === '' || d === '.' || d === '..'))
    throw new ValidationError(`List prefix must not contain empty, "." or ".." segments: ${prefix}`);
  return prefix;
}

export function validateRange(range: ByteRange | undefined): void {
  if (!range) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0)
    throw new ValidationError('Range start must be a non-negative integer');
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start))
    throw new ValidationError('Range end must be an integer ≥ start');
}

export function validateLimit(limit: number | undefined): number {
  if (limit === undefined) return 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new ValidationError('List limit must be between 1 and 1000');
  return limit;
}

export function validatePutOptions(opts: PutOptions): void {
  if (opts.size !== undefined && (!Number.isSafeInteger(opts.size) || opts.size < 0))
    throw new ValidationError('put size must be a non-negative integer');
  if (opts.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(opts.sha256))
    throw new ValidationError('put sha256 must be 64 hex characters');
}

export function rangeNotSatisfiable(key: string, start: number, size: number): AppError {
  return new AppError(
    'BLOB_RANGE_INVALID',
    `Range starting at byte ${start} is beyond the end of ${key} (${size} bytes)`,
    416,
  );
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('Upload cancelled');
}

/** Checks a finished body against what the caller declared; both drivers refuse to commit on mismatch. */
export function checkDeclared(key: string, opts: PutOptions, size: number, sha256: string): void {
  if (opts.size !== undefined && opts.size !== size) {
    throw new AppError('BLOB_SIZE_MISMATCH', `Body for ${key} was ${size} bytes, expected ${opts.size}`, 422);
  }
  if (opts.sha256 !== undefined && opts.sha256.toLowerCase() !== sha256) {
    throw new AppError(
      'BLOB_CHECKSUM_MISMATCH',
      `Body for ${key} has SHA-256 ${sha256}, expected ${opts.sha256.toLowerCase()}`,
      422,
    );
  }
}

export async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new ValidationError('Invalid list cursor');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** Drains `list` pages into one async stream of items. */
export async function* listAllPages(
  store: Pick<BlobStore, 'list'>,
  prefix: string,
): AsyncIterable<BlobListItem> {
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, { cursor });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
