import { z } from 'zod';
import { defineRoute } from '../../../http/route';
import { requireRun, runParams } from '../archives/common';
import { exportQuery, maySnapshot, readRunVersion, selectExportArchive } from './select';

export const exportInfoSchema = z.object({
  runid: z.string(),
  /** Bytes of the exported ZIP. */
  size: z.number(),
  /** SHA-256 of the exported ZIP (also the download's ETag). */
  sha256: z.string(),
  /** Files in the archive. */
  files: z.number(),
  /** The run's version marker (nodb.version), null when it has none. */
  version: z.number().nullable(),
  /** The archive's name: pass it as ?name= to GET export to get exactly these bytes. */
  name: z.string(),
  created_at: z.string(),
});

export const runExportInfo = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/export/info',
  summary:
    'What GET export serves: size, SHA-256, file count, version and name of the run as one of our ZIPs (from=latest: newest archive; from=snapshot: a fresh snapshot). Sessions or a sync token',
  tags: ['run-sync'],
  access: { kind: 'run', role: 'viewer', allowSyncToken: true },
  params: runParams,
  query: exportQuery,
  response: exportInfoSchema,
  async handler({ deps, params, query, req, user }) {
    const runDir = await requireRun(deps, params.runid);
    const a = await selectExportArchive(
      deps,
      params.runid,
      runDir,
      query,
      user?.username ?? null,
      maySnapshot(req),
    );
    return {
      runid: params.runid,
      size: a.size,
      sha256: a.sha256,
      files: a.files,
      version: await readRunVersion(runDir),
      name: a.name,
      created_at: a.createdAt.toISOString(),
    };
  },
});
