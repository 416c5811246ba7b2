import { createHash } from 'node:crypto';
import { Readable, addAbortSignal } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  AppError,
  CancelledError,
  NotFoundError,
  PermanentError,
  TransientError,
  ValidationError,
  errorMessage,
} from '../errors';
import {
  checkDeclared,
  listAllPages,
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
  type PresignOptions,
  type PutOptions,
  type PutResult,
} from './blob-store';

const MiB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MiB;
const MAX_PART_SIZE = 5 * 1024 * MiB;
const MAX_PARTS = 10_000;
/** Largest object CopyObject can rewrite in one request (used to attach the SHA-256 metadata). */
const MAX_COPY_SIZE = 5 * 1024 * MiB;

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
  /** Multipart part size (≥ 5 MiB, default 8 MiB); bodies up to one part go in a single PutObject. */
  partSize?: number;
  /** Parts in flight at once (default 4). Memory use is about partSize × (queueSize + 2). */
  queueSize?: number;
  /**
   * After an upload: 'auto' reads the object back and hashes it only when the server did not
   * confirm our SHA-256 checksums (it echoes them when it checked them; s3rver ignores them);
   * 'always' reads back every upload; 'never' trusts the server.
   */
  verify?: 'auto' | 'always' | 'never';
  /** SDK attempts per request, including retries of 5xx/network failures (default 3). */
  maxAttempts?: number;
}

/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, R2, s3rver). Uploads are hand-rolled
 * multipart so that each part carries its own SHA-256 checksum, memory stays bounded, and a
 * failed or cancelled upload is aborted instead of left as an orphan. The whole-object SHA-256 is
 * stored as `x-amz-meta-sha256` so `head` can return it.
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  readonly bucket: string;
  private readonly endpoint?: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly verify: 'auto' | 'always' | 'never';

  constructor(opts: S3BlobStoreOptions) {
    this.bucket = opts.bucket;
    this.endpoint = opts.endpoint;
    this.partSize = Math.min(Math.max(opts.partSize ?? 8 * MiB, MIN_PART_SIZE), MAX_PART_SIZE);
    this.queueSize = Math.max(1, opts.queueSize ?? 4);
    this.verify = opts.verify ?? 'auto';
    this.client = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region,
      forcePathStyle: opts.forcePathStyle ?? true,
      credentials:
        opts.accessKeyId && opts.secretAccessKey
          ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
          : undefined,
      maxAttempts: opts.maxAttempts ?? 3,
      // The SDK's default adds CRC32 via aws-chunked trailers, which several S3-compatible servers
      // mishandle; we send SHA-256 checksums explicitly instead.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    });
  }

  describe(): BlobStoreDescription {
    return { driver: 's3', bucket: this.bucket, endpoint: this.endpoint };
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const where = `S3 bucket "${this.bucket}"${this.endpoint ? ` at ${this.endpoint}` : ''}`;
      const status = httpStatus(err);
      if (status === 404) throw new NotFoundError('BUCKET_NOT_FOUND', `${where} does not exist`);
      if (status === 403 || status === 401)
        throw new PermanentError(
          `${where} refused our credentials (${errorName(err)})`,
          'STORAGE_ACCESS_DENIED',
        );
      const reason = (errorMessage(err) || errorName(err)).replace(/^AWS SDK error wrapper for /, '');
      const unreachable = new TransientError(`${where} is not reachable: ${reason}`, 'STORAGE_UNAVAILABLE', {
        status,
        name: errorName(err),
      });
      unreachable.cause = err;
      throw unreachable;
    }
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    validatePutOptions(opts);
    throwIfAborted(opts.signal);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    if (opts.signal) addAbortSignal(opts.signal, source);
    const cancel = new AbortController();
    const onAbort = () => cancel.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const whole = createHash('sha256');
    const reader = new PartReader(source, whole, (n) => this.partSizeFor(n, opts.size), this.queueSize + 1);
    try {
      const first = await reader.next();
      const second = first && first.length === this.partSizeFor(1, opts.size) ? await reader.next() : null;
      if (!second)
        return await this.putSingle(key, first ?? Buffer.alloc(0), whole.digest('hex'), opts, cancel.signal);
      return await this.putMultipart(key, [first!, second], reader, whole, opts, cancel.signal);
    } catch (err) {
      if (opts.signal?.aborted) throw new CancelledError('Upload cancelled');
      if (err instanceof BodyReadError) throw err.original;
      throw mapS3Error(err, key, this.endpoint);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      if (!source.destroyed && !source.readableEnded) source.destroy();
    }
  }

  private partSizeFor(partNumber: number, total?: number): number {
    if (total !== undefined)
      return Math.min(Math.max(this.partSize, Math.ceil(total / MAX_PARTS)), MAX_PART_SIZE);
    // Unknown length: grow parts every 1000 so 10,000 parts still reach S3's 5 TiB limit.
    return Math.min(this.partSize * 2 ** Math.floor((partNumber - 1) / 1000), MAX_PART_SIZE);
  }

  private async putSingle(
    key: string,
    buf: Buffer,
    sha256: string,
    opts: PutOptions,
    signal: AbortSignal,
  ): Promise<PutResult> {
    checkDeclared(key, opts, buf.length, sha256);
    const checksum = Buffer.from(sha256, 'hex').toString('base64');
    const res = await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: buf,
        ContentLength: buf.length,
        ContentType: opts.contentType,
        ChecksumSHA256: checksum,
        Metadata: { sha256 },
      }),
      { abortSignal: signal },
    );
    if (res.ChecksumSHA256 && res.ChecksumSHA256 !== checksum)
      throw await this.discardCorrupt(key, 'the server computed another SHA-256');
    throwIfAborted(opts.signal);
    opts.onProgress?.(buf.length, opts.size);
    await this.verifyStored(key, buf.length, sha256, res.ChecksumSHA256 === checksum);
    return { key, size: buf.length, sha256, etag: unquote(res.ETag) };
  }

  private async putMultipart(
    key: string,
    firstParts: Buffer[],
    reader: PartReader,
    whole: ReturnType<typeof createHash>,
    opts: PutOptions,
    signal: AbortSignal,
  ): Promise<PutResult> {
    const created = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        ContentType: opts.contentType,
        ChecksumAlgorithm: 'SHA256',
        Metadata: opts.sha256 ? { sha256: opts.sha256.toLowerCase() } : undefined,
      }),
      { abortSignal: signal },
    );
    const uploadId = created.UploadId!;
    const parts: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    const stopParts = new AbortController();
    const partSignal = AbortSignal.any([signal, stopParts.signal]);
    let failure: unknown;
    let partsEchoed = true;
    let sent = 0;
    let partNumber = 0;
    const launch = (buf: Buffer) => {
      const n = ++partNumber;
      if (n > MAX_PARTS)
        throw new PermanentError(`Upload of ${key} needs more than ${MAX_PARTS} parts`, 'BLOB_TOO_LARGE');
      const checksum = createHash('sha256').update(buf).digest('base64');
      const task = this.client
        .send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: n,
            Body: buf,
            ContentLength: buf.length,
            ChecksumSHA256: checksum,
          }),
          { abortSignal: partSignal },
        )
        .then((res) => {
          if (res.ChecksumSHA256 !== checksum) {
            if (res.ChecksumSHA256)
              throw new TransientError(
                `Part ${n} of ${key} arrived corrupted (SHA-256 mismatch)`,
                'BLOB_CHECKSUM_MISMATCH',
              );
            partsEchoed = false;
          }
          parts[n - 1] = { PartNumber: n, ETag: res.ETag, ChecksumSHA256: checksum };
          sent += buf.length;
          reader.release(buf);
          opts.onProgress?.(sent, opts.size);
        })
        .catch((err) => {
          failure ??= err;
          stopParts.abort();
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    };
    try {
      let next: Buffer | null = firstParts.shift() ?? null;
      while (next && failure === undefined) {
        launch(next);
        while (inFlight.size >= this.queueSize) await Promise.race(inFlight);
        next = firstParts.shift() ?? (failure === undefined ? await reader.next() : null);
      }
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure;
      throwIfAborted(opts.signal);
      const sha256 = whole.digest('hex');
      checkDeclared(key, opts, reader.bytes, sha256);
      const done = await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
        { abortSignal: signal },
      );
      let etag = unquote(done.ETag);
      let serverChecked = partsEchoed;
      if (!opts.sha256 && reader.bytes <= MAX_COPY_SIZE) {
        // The hash is only known now; rewrite the metadata in place. Real S3 also computes a
        // full-object SHA-256 for the copy, which doubles as a server-side check of ours.
        const copy = await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: key,
            CopySource: `${this.bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
            MetadataDirective: 'REPLACE',
            Metadata: { sha256 },
            ContentType: opts.contentType,
            ChecksumAlgorithm: 'SHA256',
          }),
        );
        const copied = copy.CopyObjectResult?.ChecksumSHA256;
        if (copied && !copied.includes('-')) {
          if (Buffer.from(copied, 'base64').toString('hex') !== sha256)
            throw await this.discardCorrupt(key, 'the server computed another SHA-256');
          serverChecked = true;
        }
        etag = unquote(copy.CopyObjectResult?.ETag) ?? etag;
      }
      await this.verifyStored(key, reader.bytes, sha256, serverChecked);
      return { key, size: reader.bytes, sha256, etag };
    } catch (err) {
      stopParts.abort();
      await Promise.allSettled(inFlight);
      await this.abortUpload(key, uploadId);
      throw err;
    }
  }

  /** Best effort: a server that is down keeps the parts until a bucket lifecycle rule expires them. */
  private async abortUpload(key: string, uploadId: string): Promise<void> {
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
      .catch(() => undefined);
  }

  private async verifyStored(
    key: string,
    size: number,
    sha256: string,
    serverChecked: boolean,
  ): Promise<void> {
    if (this.verify === 'never' || (this.verify === 'auto' && serverChecked)) return;
    const head = await this.head(key);
    if (!head || head.size !== size)
      throw await this.discardCorrupt(key, `stored size ${head?.size ?? 'none'} ≠ ${size}`);
    const stored = await this.sha256(key);
    if (stored !== sha256) throw await this.discardCorrupt(key, `stored SHA-256 ${stored} ≠ sent ${sha256}`);
  }

  private async discardCorrupt(key: string, why: string): Promise<AppError> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(() => undefined);
    return new TransientError(
      `Upload of ${key} failed verification (${why}); the object was removed`,
      'BLOB_VERIFY_FAILED',
    );
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    validateKey(key);
    validateRange(opts.range);
    throwIfAborted(opts.signal);
    const range = opts.range ? `bytes=${opts.range.start}-${opts.range.end ?? ''}` : undefined;
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }),
        { abortSignal: opts.signal },
      );
      const body = res.Body as Readable;
      if (opts.signal) addAbortSignal(opts.signal, body);
      return body;
    } catch (err) {
      if (opts.signal?.aborted) throw new CancelledError('Download cancelled');
      throw mapS3Error(err, key, this.endpoint);
    }
  }

  async head(key: string): Promise<BlobHead | null> {
    validateKey(key);
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      const meta = res.Metadata?.sha256;
      let sha256 = meta && /^[0-9a-f]{64}$/.test(meta) ? meta : undefined;
      if (
        !sha256 &&
        res.ChecksumSHA256 &&
        res.ChecksumType !== 'COMPOSITE' &&
        !res.ChecksumSHA256.includes('-')
      ) {
        sha256 = Buffer.from(res.ChecksumSHA256, 'base64').toString('hex');
      }
      return {
        key,
        size: res.ContentLength ?? 0,
        lastModified: res.LastModified ?? new Date(0),
        sha256,
        etag: unquote(res.ETag),
      };
    } catch (err) {
      if (httpStatus(err) === 404) return null;
      throw mapS3Error(err, key, this.endpoint);
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const limit = validateLimit(opts.limit);
    if (opts.cursor !== undefined && typeof opts.cursor !== 'string')
      throw new ValidationError('Invalid list cursor');
    try {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix || undefined,
          MaxKeys: limit,
          ContinuationToken: opts.cursor || undefined,
        }),
      );
      const items: BlobListItem[] = (res.Contents ?? []).map((o) => ({
        key: o.Key!,
        size: o.Size ?? 0,
        lastModified: o.LastModified ?? new Date(0),
      }));
      return { items, nextCursor: res.IsTruncated ? res.NextContinuationToken : undefined };
    } catch (err) {
      throw mapS3Error(err, undefined, this.endpoint);
    }
  }

  listAll(prefix: string): AsyncIterable<BlobListItem> {
    validatePrefix(prefix);
    return listAllPages(this, prefix);
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (httpStatus(err) === 404 && errorName(err) !== 'NoSuchBucket') return;
      throw mapS3Error(err, key, this.endpoint);
    }
  }

  async presign(key: string, opts: PresignOptions): Promise<string> {
    validateKey(key);
    const expiresIn = opts.expiresInSeconds;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604_800)
      throw new ValidationError('expiresInSeconds must be between 1 and 604800');
    const command =
      opts.method === 'PUT'
        ? new PutObjectCommand({ Bucket: this.bucket, Key: key })
        : new GetObjectCommand({ Bucket: this.bucket, Key: key });
    return getSignedUrl(this.client, command, { expiresIn });
  }

  async sha256(key: string): Promise<string> {
    return sha256OfStream(await this.get(key));
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** A failure of the caller's body stream (not of S3): surfaced as the original error. */
class BodyReadError extends Error {
  constructor(readonly original: unknown) {
    super('body stream failed');
  }
}

/**
 * Cuts a byte stream into parts of the requested sizes while hashing the whole stream in order.
 * Each part is copied into a buffer of its size as the chunks arrive (no per-part concatenation);
 * buffers handed back with `release` once their part is stored are reused, so a long upload keeps
 * a fixed set of part buffers instead of leaving one garbage buffer per part for the GC.
 */
class PartReader {
  bytes = 0;
  private readonly iterator: AsyncIterator<unknown>;
  /** the unread rest of the last chunk */
  private rest: Buffer | null = null;
  private done = false;
  private partNumber = 0;
  private readonly free: Buffer[] = [];

  constructor(
    source: Readable,
    private readonly hash: ReturnType<typeof createHash>,
    private readonly sizeFor: (partNumber: number) => number,
    private readonly keep = 0,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** A part buffer whose upload is complete (nothing reads it any more) for a later part. */
  release(part: Buffer): void {
    if (this.free.length < this.keep && part.byteOffset === 0) this.free.push(Buffer.from(part.buffer));
  }

  private alloc(size: number): Buffer {
    for (;;) {
      const b = this.free.pop();
      if (!b) return Buffer.allocUnsafeSlow(size);
      if (b.length === size) return b;
    }
  }

  async next(): Promise<Buffer | null> {
    const want = this.sizeFor(++this.partNumber);
    let part: Buffer | null = null;
    let filled = 0;
    while (filled < want) {
      let chunk = this.rest;
      this.rest = null;
      if (!chunk) {
        if (this.done) break;
        let r: IteratorResult<unknown>;
        try {
          r = await this.iterator.next();
        } catch (err) {
          throw new BodyReadError(err);
        }
        if (r.done) {
          this.done = true;
          break;
        }
        chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
        this.hash.update(chunk);
        this.bytes += chunk.length;
      }
      if (chunk.length === 0) continue;
      part ??= this.alloc(want);
      const n = Math.min(chunk.length, want - filled);
      chunk.copy(part, filled, 0, n);
      filled += n;
      if (n < chunk.length) this.rest = chunk.subarray(n);
    }
    if (!part || filled === 0) return null;
    return filled === part.length ? part : part.subarray(0, filled);
  }
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? 'Error';
}
function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
  'InvalidObjectState',
]);

/**
 * Maps S3 answers that retrying cannot fix to our error types. Failures without an HTTP answer
 * (refused/reset connections, DNS, timeouts) become TransientError `STORAGE_UNAVAILABLE` — the SDK
 * sometimes hands them over wrapped without their `code`, so classifyError could not tell.
 * 5xx answers are returned unchanged; classifyError() calls them transient from their status.
 */
export function mapS3Error(err: unknown, key?: string, endpoint?: string): unknown {
  if (err instanceof AppError) return err;
  const name = errorName(err);
  const status = httpStatus(err);
  if (name === 'NoSuchBucket')
    return new NotFoundError('BUCKET_NOT_FOUND', `S3 bucket does not exist (${errorMessage(err)})`);
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404)
    return new NotFoundError('BLOB_NOT_FOUND', `No blob at ${key ?? '(unknown key)'}`);
  if (name === 'InvalidRange' || status === 416)
    return new AppError('BLOB_RANGE_INVALID', `Range is beyond the end of ${key}`, 416);
  if (ACCESS_DENIED.has(name) || status === 403) {
    return new PermanentError(
      `S3 refused access${key ? ` to ${key}` : ''}: ${name} ${errorMessage(err)}`.trim(),
      'STORAGE_ACCESS_DENIED',
    );
  }
  if (status === undefined && typeof err === 'object' && err !== null && '$metadata' in err) {
    const message = errorMessage(err).replace(/^AWS SDK error wrapper for /, '');
    const wrapped = new TransientError(
      `S3${endpoint ? ` at ${endpoint}` : ''} is unreachable: ${message}`,
      'STORAGE_UNAVAILABLE',
      { name },
    );
    wrapped.cause = err;
    return wrapped;
  }
  return err;
}
