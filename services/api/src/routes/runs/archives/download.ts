import { defineRoute } from '../../../http/route';
import { sendFile } from '../../../http/send-file';
import { archiveParams, assertArchiveName, requireArchiveFile, requireRun } from './common';

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

    await sendFile(
      req,
      res,
      deps.logger,
      {
        file,
        size,
        filename: name,
        contentType: 'application/zip',
        etag,
        lastModified: mtime,
        what: 'the archive',
      },
      { runid, name },
    );
  },
});
