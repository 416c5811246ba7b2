import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { archiveParams, assertArchiveName, requireArchiveFile, requireRun } from './common';

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

export const downloadRunArchive = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/archives/:name/download',
  summary: 'Download an archive (supports Range; ETag is the SHA-256 when recorded)',
  tags: ['archives'],
  // allowSignedLink: a signed link may stand in for a session (enforced by the auth module).
  access: { kind: 'run', role: 'viewer', allowSignedLink: true },
  params: archiveParams,
  raw: true,
  async handler({ deps, params, req, res }) {
    const { runid } = params;
    const runDir = await requireRun(deps, runid);
    const name = assertArchiveName(params.name);
    const { file, size, mtime } = await requireArchiveFile(runDir, runid, name);
    const row = await deps.prisma.archive.findUnique({ where: { runId_name: { runId: runid, name } } });
    const etag = row?.sha256 && Number(row.size) === size ? `"${row.sha256}"` : undefined;

    // If-Range: only honour the range while the representation is the same one.
    const ifRange = req.headers['if-range'];
    const rangeAllowed = !ifRange || (etag ? ifRange === etag : ifRange === mtime.toUTCString());
    const range = rangeAllowed ? parseRange(req.headers.range, size) : null;
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${size}`);
      throw new AppError(
        'RANGE_NOT_SATISFIABLE',
        `Range ${req.headers.range} is outside the archive (${size} bytes)`,
        416,
      );
    }
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Last-Modified', mtime.toUTCString());
    res.setHeader('Cache-Control', 'private, no-cache');
    if (etag) res.setHeader('ETag', etag);
    if (etag && req.headers['if-none-match']?.split(',').some((t) => t.trim() === etag)) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const length = size === 0 ? 0 : end - start + 1;
    res.setHeader('Content-Length', String(length));
    if (range) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    } else res.status(200);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file, { start, end });
    try {
      await pipeline(stream, res);
    } catch (err) {
      // The client went away, or the file vanished mid-stream: nothing more can be sent.
      deps.logger.warn({ err, runid, name }, 'archive download interrupted');
      res.destroy();
    }
  },
});
