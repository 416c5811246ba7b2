import { defineRoute } from '../../../http/route';
import { sendFile } from '../../../http/send-file';
import { requireRun, runParams } from '../archives/common';
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
    await sendFile(
      req,
      res,
      deps.logger,
      {
        file: a.file,
        size: a.size,
        filename: `${runid}.zip`,
        contentType: 'application/zip',
        etag: `"${a.sha256}"`,
        lastModified: a.mtime,
        what: 'the archive',
        headers: { 'X-Arkive-Archive': a.name },
      },
      { runid, name: a.name },
    );
  },
});
