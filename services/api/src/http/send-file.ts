import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@arkive/shared';

/**
 * Serving one file from disk with HTTP's download semantics: one byte `Range` (206, or 416 with
 * `Content-Range: bytes *\/size`), `If-Range` (the range only while the representation is the same),
 * `If-None-Match` (304), HEAD, and an interrupted stream that ends the response instead of throwing.
 * The archive, export and backup-ZIP downloads all go through here.
 */

type ByteRange = { start: number; end: number };

/**
 * Parses a `Range` header for a file of `size` bytes: one satisfiable range, 'unsatisfiable', or
 * null to ignore it (absent, not bytes, or several ranges — then the whole file is sent).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim());
  if (!m) return header.trim().startsWith('bytes=') && !header.includes(',') ? 'unsatisfiable' : null;
  const [, a, b] = m;
  if (a === '' && b === '') return 'unsatisfiable';
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || (b !== '' && Number(b) < start)) return 'unsatisfiable';
  return { start, end };
}

export interface FileToSend {
  file: string;
  size: number;
  /** The name the browser saves it under (Content-Disposition). */
  filename: string;
  contentType: string;
  /** A strong ETag, quoted (e.g. the SHA-256); without one, If-Range compares Last-Modified. */
  etag?: string;
  lastModified?: Date;
  /** What the file is, for the 416 message ("the archive", "the ZIP"). */
  what: string;
  headers?: Record<string, string>;
}

interface Logger {
  warn(obj: object, msg: string): void;
}

export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  f: FileToSend,
  logContext: object,
): Promise<void> {
  const { size, etag } = f;
  const modified = f.lastModified?.toUTCString();
  const ifRange = req.headers['if-range'];
  const rangeAllowed = !ifRange || (etag ? ifRange === etag : ifRange === modified);
  const range = rangeAllowed ? parseRange(req.headers.range, size) : null;
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${size}`);
    throw new AppError(
      'RANGE_NOT_SATISFIABLE',
      `Range ${req.headers.range} is outside ${f.what} (${size} bytes)`,
      416,
    );
  }
  res.setHeader('Accept-Ranges', 'bytes');
  if (modified) res.setHeader('Last-Modified', modified);
  res.setHeader('Cache-Control', 'private, no-cache');
  if (etag) res.setHeader('ETag', etag);
  for (const [k, v] of Object.entries(f.headers ?? {})) res.setHeader(k, v);
  if (etag && req.headers['if-none-match']?.split(',').some((t) => t.trim() === etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Type', f.contentType);
  res.setHeader('Content-Disposition', `attachment; filename="${f.filename}"`);
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  res.setHeader('Content-Length', String(length));
  res.statusCode = range ? 206 : 200;
  if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(fs.createReadStream(f.file, { start, end }), res);
  } catch (err) {
    // The client went away, or the file vanished mid-stream: nothing more can be sent.
    logger.warn({ err, ...logContext }, 'download interrupted');
    res.destroy();
  }
}
