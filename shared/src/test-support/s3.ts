import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => S3rverApp;

interface KoaContext {
  method: string;
  path: string;
  req: { headers: Record<string, string | string[] | undefined> };
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void;
interface S3rverApp {
  middleware: Middleware[];
  httpServer?: Server;
  run(): Promise<{ port: number; address: string }>;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): Promise<void>;
}

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  directory: string;
  /** With `https: true`: the self-signed certificate (PEM file) the server presents, for clients to trust. */
  caCert?: string;
  /** Bytes of PUT/POST bodies the server received so far (from their lengths), for deduplication checks. */
  bytesReceived(): number;
  /** S3_* variables pointing a Config at this server. */
  env: Record<string, string>;
  stop(): Promise<void>;
  /** Stop (dropping open connections) then start again on the same port and directory: an outage. */
  restart(): Promise<void>;
  /** Stop and delete the directory. */
  close(): Promise<void>;
}

const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';

/**
 * A real S3-compatible server (s3rver) on 127.0.0.1, a free port and a temp directory, with one
 * bucket created. s3rver 3.7 answers AbortMultipartUpload with 405 and ListMultipartUploads with
 * NotImplemented; both are added here (backed by s3rver's own upload directory) so the S3 driver's
 * clean-up can be exercised and checked through the real S3 API. Two more s3rver bugs are patched
 * below: truncated ListObjectsV2 pages (DES tokens) and listing order.
 */
export async function startS3Server(
  opts: { bucket?: string; https?: boolean; parentDir?: string } = {},
): Promise<TestS3Server> {
  allowS3rverContinuationTokens();
  listInByteOrder();
  // parentDir: where the server's temp directory goes (a benchmark puts it on tmpfs or on disk)
  const directory = await fs.mkdtemp(path.join(opts.parentDir ?? os.tmpdir(), 'arkive-s3rver-'));
  const bucket = opts.bucket ?? `arkive-test-${crypto.randomBytes(3).toString('hex')}`;
  let port = 0;
  let app: S3rverApp | undefined;
  let received = 0;
  const tls = opts.https ? selfSignedCertificate(directory) : undefined;

  const start = async () => {
    const server = new S3rver({
      address: '127.0.0.1',
      port,
      directory,
      silent: true,
      resetOnClose: false,
      vhostBuckets: false,
      configureBuckets: [{ name: bucket }],
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    });
    server.middleware.unshift(multipartUploadsMiddleware(directory));
    server.middleware.unshift((ctx, next) => {
      // counted from the headers: listening to the body here would take it from s3rver
      const h = ctx.req.headers;
      const len = Number(h['x-amz-decoded-content-length'] ?? h['content-length'] ?? 0);
      if ((ctx.method === 'PUT' || ctx.method === 'POST') && Number.isFinite(len)) received += len;
      return next();
    });
    if (process.env.S3RVER_DEBUG) server.on('error', (err) => console.error('s3rver:', err));
    const addr = await server.run();
    port = addr.port;
    app = server;
  };
  const stop = async () => {
    const current = app;
    app = undefined;
    if (!current?.httpServer) return;
    const closed = current.close();
    current.httpServer.closeAllConnections();
    await closed;
  };

  await start();
  const endpoint = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    region: 'us-east-1',
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
    directory,
    caCert: tls?.certFile,
    bytesReceived: () => received,
    env: {
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: SECRET_KEY,
      S3_BUCKET: bucket,
      S3_FORCE_PATH_STYLE: 'true',
    },
    stop,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A self-signed certificate for 127.0.0.1, made now with openssl (kept in the server's temp folder).
 * restic's S3 client over plain HTTP uses streaming signatures that s3rver stores undecoded; over
 * HTTPS it sends plain payloads (restic trusts the certificate through --cacert).
 */
function selfSignedCertificate(directory: string): { key: Buffer; cert: Buffer; certFile: string } {
  const keyFile = path.join(directory, '.tls-key.pem');
  const certFile = path.join(directory, '.tls-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}

/** Where s3rver 3.7 keeps in-progress multipart uploads: `<dir>/<bucket>/._S3rver_uploads/<uploadId>/`. */
function uploadsDir(directory: string, bucket: string): string {
  return path.join(directory, bucket, '._S3rver_uploads');
}

function multipartUploadsMiddleware(directory: string): Middleware {
  return async (ctx, next) => {
    const segments = ctx.path.split('/').filter(Boolean);
    const bucket = segments[0];
    if (!bucket) return next();
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    if (ctx.method === 'DELETE' && uploadId && segments.length > 1) {
      if (!/^[A-Za-z0-9_-]+$/.test(uploadId)) return next();
      const dir = path.join(uploadsDir(directory, bucket), uploadId);
      try {
        await fs.access(dir);
      } catch {
        ctx.status = 404;
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`;
        return;
      }
      await fs.rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    if (ctx.method === 'GET' && segments.length === 1 && 'uploads' in ctx.query) {
      const root = uploadsDir(directory, bucket);
      const ids = await fs.readdir(root).catch(() => [] as string[]);
      const uploads: string[] = [];
      for (const id of ids.sort()) {
        const key = await fs.readFile(path.join(root, id, 'key'), 'utf8').catch(() => undefined);
        if (key !== undefined)
          uploads.push(`<Upload><Key>${xmlEscape(key)}</Key><UploadId>${xmlEscape(id)}</UploadId></Upload>`);
      }
      ctx.status = 200;
      ctx.type = 'application/xml';
      ctx.body =
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult><Bucket>${xmlEscape(bucket)}</Bucket>` +
        `<IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`;
      return;
    }
    return next();
  };
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * s3rver 3.7 encrypts ListObjectsV2 continuation tokens with single DES ('des'), which OpenSSL 3
 * (Node 17+) no longer offers, so any truncated listing answers 500. Two-key DES-EDE with both
 * keys equal is exactly single DES and is still available; route only 'des' there.
 */
let desPatched = false;
function allowS3rverContinuationTokens(): void {
  if (desPatched) return;
  desPatched = true;
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return; // the runtime still has DES
  } catch {
    /* patch below */
  }
  const mutable = crypto as unknown as Record<string, unknown>;
  const wrap = (original: (...args: never[]) => unknown) =>
    function (this: unknown, algorithm: string, key: Buffer, iv: Buffer, ...rest: unknown[]) {
      if (algorithm === 'des' && Buffer.isBuffer(key) && key.length === 8) {
        return (original as (...a: unknown[]) => unknown).call(
          this,
          'des-ede-cbc',
          Buffer.concat([key, key]),
          iv,
          ...rest,
        );
      }
      return (original as (...a: unknown[]) => unknown).call(this, algorithm, key, iv, ...rest);
    };
  mutable.createCipheriv = wrap(crypto.createCipheriv as never);
  mutable.createDecipheriv = wrap(crypto.createDecipheriv as never);
}

/**
 * s3rver 3.7 lists in directory-walk order ("a/b/1" before "a/b-c") and filters pages with
 * `key > startAfter`, so a page boundary inside such keys skips objects. S3 lists in UTF-8 byte
 * order; make s3rver do the same (lists the whole prefix per page: fine for tests).
 */
let listPatched = false;
function listInByteOrder(): void {
  if (listPatched) return;
  listPatched = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const FilesystemStore = require('s3rver/lib/stores/filesystem') as { prototype: Record<string, unknown> };
  type Listed = { objects: { key: string }[]; commonPrefixes: string[]; isTruncated: boolean };
  type ListFn = (
    this: unknown,
    bucket: string,
    options: { startAfter?: string; maxKeys?: number },
  ) => Promise<Listed>;
  const original = FilesystemStore.prototype.listObjects as ListFn;
  const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  FilesystemStore.prototype.listObjects = async function (
    this: unknown,
    bucket: string,
    options: { startAfter?: string; maxKeys?: number },
  ) {
    const { startAfter = '', maxKeys = Infinity } = options;
    const all = await original.call(this, bucket, { ...options, startAfter: '', maxKeys: Infinity });
    const objects = all.objects.filter((o) => cmp(o.key, startAfter) > 0).sort((a, b) => cmp(a.key, b.key));
    return {
      objects: objects.slice(0, maxKeys),
      commonPrefixes: all.commonPrefixes.filter((p) => cmp(p, startAfter) > 0),
      isTruncated: objects.length > maxKeys,
    };
  } as ListFn;
}
