import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { requireRun, runParams } from '../archives/common';
import { parseRange } from '../archives/download';
import { exportQuery, maySnapshot, selectExportArchive } from './select';

export const runExport = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/export',
  summary:
    'The run as one of our standard ZIPs (with manifest): Content-Length, ETag = SHA-256, Range and If-Range. ?name= serves exactly the archive export/info named. Sessions or a sync token',
  tags: ['run-sync'],
  access: { kind: 'run', role: 'viewer', allowSyncToken: true },
  params: runParams,
  query: exportQuery,
  raw: true,
  async handler({ deps, params, query, req, res, user }) {
    const { runid } = params;
    const runDir = await requireRun(deps, runid);
    const a = await selectExportArchive(deps, runid, runDir, query, user?.username ?? null, maySnapshot(req));
    const etag = `"${a.sha256}"`;
    // If-Range: the range only applies while the archive is the same one; otherwise all of it.
    const ifRange = req.headers['if-range'];
    const range = !ifRange || ifRange === etag ? parseRange(req.headers.range, a.size) : null;
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${a.size}`);
      throw new AppError(
        'RANGE_NOT_SATISFIABLE',
        `Range ${req.headers.range} is outside the archive (${a.size} bytes)`,
        416,
      );
    }
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', a.mtime.toUTCString());
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${runid}.zip"`);
    res.setHeader('X-Arkive-Archive', a.name);
    const { start, end } = range ?? { start: 0, end: a.size - 1 };
    const length = a.size === 0 ? 0 : end - start + 1;
    res.setHeader('Content-Length', String(length));
    if (range) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${start}-${end}/${a.size}`);
    } else res.status(200);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    try {
      await pipeline(fs.createReadStream(a.file, { start, end }), res);
    } catch (err) {
      deps.logger.warn({ err, runid, name: a.name }, 'run export interrupted');
      res.destroy();
    }
  },
});
