import { z } from 'zod';
import { ACTIVE_STATUSES, formatBytes } from '@arkive/shared';
import { FOLDER_JOB_KIND, folderJobStatus } from '../jobs/folder-jobs';
import { defineRoute } from '../../http/route';
import { folderScanCache } from '../../folders/scan-cache';

const boolish = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const query = z.object({
  refresh: boolish,
  include_archived: boolish,
  q: z.string().max(500).optional(),
  sort: z
    .enum(['name', '-name', 'path', '-path', 'size', '-size', 'modified', '-modified', 'files', '-files'])
    .default('path'),
  limit: z.coerce.number().int().min(1).max(100000).default(10000),
  offset: z.coerce.number().int().min(0).default(0),
});

export const folderSchema = z.object({
  path: z.string(),
  relative_path: z.string(),
  name: z.string(),
  level1: z.string(),
  level2: z.string(),
  size_bytes: z.number(),
  size_human: z.string(),
  modified_at: z.string(),
  file_count: z.number(),
  is_archived: z.boolean(),
  has_job: z.boolean(),
  job_id: z.string().nullable(),
  job_status: z.string().nullable(),
});

/**
 * PRD §5.3: folders three levels under SOURCE_ROOT, as a JSON array. The scan is cached: `refresh=true`
 * starts a rescan in the background and answers with the last result at once. Headers: `X-Total-Count`
 * (before limit/offset), `X-Folder-Scan: scanning|idle`, `X-Folder-Scanned-At`.
 */
export const listFolders = defineRoute({
  method: 'get',
  path: '/api/folders',
  summary: 'Folders ready to archive (cached scan; refresh=true rescans in the background)',
  tags: ['folders'],
  access: { kind: 'user' },
  query,
  response: z.array(folderSchema),
  async handler({ deps, query: q, res }) {
    const { result, scanning } = await folderScanCache(deps.config).get({ refresh: q.refresh });
    const needle = q.q?.trim().toLowerCase();
    // Folders archived since the scan are shown as archived without waiting for the next rescan.
    const archivedSince = new Set(
      (
        await deps.prisma.operation.findMany({
          where: { kind: FOLDER_JOB_KIND, status: 'succeeded', finishedAt: { gte: result.scannedAt } },
          select: { scopeId: true },
        })
      ).map((o) => o.scopeId),
    );
    const folders = archivedSince.size
      ? result.folders.map((f) => (archivedSince.has(f.rel) ? { ...f, isArchived: true } : f))
      : result.folders;
    let items = folders.filter(
      (f) => (q.include_archived || !f.isArchived) && (!needle || f.rel.toLowerCase().includes(needle)),
    );
    const desc = q.sort.startsWith('-');
    const field = q.sort.replace(/^-/, '');
    const keyOf = (f: (typeof items)[number]): string | number =>
      field === 'size'
        ? f.sizeBytes
        : field === 'modified'
          ? f.modifiedAt.getTime()
          : field === 'files'
            ? f.fileCount
            : field === 'name'
              ? f.name.toLowerCase()
              : f.rel;
    items = [...items].sort((a, b) => {
      const x = keyOf(a);
      const y = keyOf(b);
      const c = x < y ? -1 : x > y ? 1 : a.rel < b.rel ? -1 : 1;
      return desc ? -c : c;
    });
    const total = items.length;
    const pageItems = items.slice(q.offset, q.offset + q.limit);
    const active = await deps.prisma.operation.findMany({
      where: {
        kind: FOLDER_JOB_KIND,
        status: { in: [...ACTIVE_STATUSES] },
        scopeId: { in: pageItems.map((f) => f.rel) },
      },
      select: { id: true, scopeId: true, status: true, stage: true },
    });
    const byFolder = new Map(active.map((o) => [o.scopeId, o]));
    res.setHeader('X-Total-Count', String(total));
    res.setHeader('X-Folder-Scan', scanning ? 'scanning' : 'idle');
    res.setHeader('X-Folder-Scanned-At', result.scannedAt.toISOString());
    return pageItems.map((f) => {
      const job = byFolder.get(f.rel);
      return {
        path: f.path,
        relative_path: f.rel,
        name: f.name,
        level1: f.level1,
        level2: f.level2,
        size_bytes: f.sizeBytes,
        size_human: formatBytes(f.sizeBytes),
        modified_at: f.modifiedAt.toISOString(),
        file_count: f.fileCount,
        is_archived: f.isArchived,
        has_job: Boolean(job),
        job_id: job?.id ?? null,
        job_status: job ? folderJobStatus(job) : null,
      };
    });
  },
});
