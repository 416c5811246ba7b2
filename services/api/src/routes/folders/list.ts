import { z } from 'zod';
import { ACTIVE_STATUSES, folderObjectKey, formatBytes, parseFolderPath } from '@arkive/shared';
import { FOLDER_JOB_KIND, folderJobStatus } from '../jobs/folder-jobs';
import { coldRecordOf, FOLDER_RETRIEVE_KIND } from './retrieve-jobs';
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
  /**
   * ready (can go to cold storage) | in_progress (a job runs: archiving or retrieving) | archived
   * (in cold storage; `archive` holds the record) | failed (the last job failed; `last_error`).
   */
  /** Where "Move to cold storage" puts it: the bucket and the object key. */
  destination_bucket: z.string(),
  destination_key: z.string(),
  state: z.enum(['ready', 'in_progress', 'archived', 'failed']),
  /** The running job's kind: folder-archive (to cold storage) or folder-retrieve (back from it). */
  job_kind: z.string().nullable(),
  job_percent: z.number().nullable(),
  archive: z
    .object({
      archived_at: z.string().nullable(),
      archived_by: z.string().nullable(),
      bucket: z.string(),
      key: z.string(),
      size_bytes: z.number(),
      size_human: z.string(),
      sha256: z.string(),
      job_id: z.string().nullable(),
    })
    .nullable(),
  last_error: z
    .object({
      job_id: z.string(),
      kind: z.string(),
      message: z.string().nullable(),
      at: z.string().nullable(),
    })
    .nullable(),
});

/**
 * PRD §5.3: folders three levels under SOURCE_ROOT, as a JSON array. The scan is cached: `refresh=true`
 * starts a rescan in the background and answers with the last result at once. Headers: `X-Total-Count`
 * (before limit/offset), `X-Folder-Scan: scanning|idle`, `X-Folder-Scanned-At`.
 */
export const listFolders = defineRoute({
  method: 'get',
  path: '/api/folders',
  summary:
    'Folders under SOURCE_ROOT with their state (ready, in progress, archived with its record, failed); cached scan',
  tags: ['folders'],
  access: { kind: 'user' },
  query,
  response: z.array(folderSchema),
  async handler({ deps, query: q, res }) {
    const { result, scanning } = await folderScanCache(deps.config).get({ refresh: q.refresh });
    const needle = q.q?.trim().toLowerCase();
    // Folders archived or retrieved since the scan show their new state without waiting for a rescan.
    const since = await deps.prisma.operation.findMany({
      where: {
        kind: { in: [FOLDER_JOB_KIND, FOLDER_RETRIEVE_KIND] },
        status: 'succeeded',
        finishedAt: { gte: result.scannedAt },
      },
      orderBy: { finishedAt: 'asc' },
      select: { scopeId: true, kind: true },
    });
    const archivedNow = new Map(since.map((o) => [o.scopeId, o.kind === FOLDER_JOB_KIND]));
    const folders = archivedNow.size
      ? result.folders.map((f) =>
          archivedNow.has(f.rel) ? { ...f, isArchived: archivedNow.get(f.rel) === true } : f,
        )
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
        kind: { in: [FOLDER_JOB_KIND, FOLDER_RETRIEVE_KIND] },
        status: { in: [...ACTIVE_STATUSES] },
        scopeId: { in: pageItems.map((f) => f.rel) },
      },
      select: { id: true, kind: true, scopeId: true, status: true, stage: true, progressPercent: true },
    });
    const byFolder = new Map(active.map((o) => [o.scopeId, o]));
    // The last finished job of each folder: a failure there is the folder's state until the next job.
    const finished = await deps.prisma.operation.findMany({
      where: {
        kind: { in: [FOLDER_JOB_KIND, FOLDER_RETRIEVE_KIND] },
        status: { in: ['succeeded', 'failed', 'expired', 'cancelled'] },
        scopeId: { in: pageItems.map((f) => f.rel) },
      },
      orderBy: { createdAt: 'desc' },
      distinct: ['scopeId'],
      select: { id: true, kind: true, scopeId: true, status: true, error: true, finishedAt: true },
    });
    const lastOf = new Map(finished.map((o) => [o.scopeId, o]));
    const records = new Map(
      await Promise.all(
        pageItems
          .filter((f) => f.isArchived)
          .map(
            async (f) =>
              [
                f.rel,
                await coldRecordOf(deps.prisma, deps.config, parseFolderPath(deps.config.sourceRoot, f.rel)),
              ] as const,
          ),
      ),
    );
    res.setHeader('X-Total-Count', String(total));
    res.setHeader('X-Folder-Scan', scanning ? 'scanning' : 'idle');
    res.setHeader('X-Folder-Scanned-At', result.scannedAt.toISOString());
    const bucket = deps.blobStore.describe().bucket;
    return pageItems.map((f) => {
      const job = byFolder.get(f.rel);
      const last = lastOf.get(f.rel);
      const rec = records.get(f.rel) ?? null;
      const failed = last && (last.status === 'failed' || last.status === 'expired');
      const state = job ? 'in_progress' : f.isArchived ? 'archived' : failed ? 'failed' : 'ready';
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
        job_status: job
          ? job.kind === FOLDER_JOB_KIND
            ? folderJobStatus(job)
            : (job.stage ?? 'queued')
          : null,
        destination_bucket: bucket,
        destination_key: folderObjectKey(f),
        state: state as 'ready' | 'in_progress' | 'archived' | 'failed',
        job_kind: job?.kind ?? null,
        job_percent: job ? Math.round(job.progressPercent) : null,
        archive: rec
          ? {
              archived_at: rec.archivedAt,
              archived_by: rec.archivedBy,
              bucket: rec.bucket,
              key: rec.key,
              size_bytes: rec.size,
              size_human: formatBytes(rec.size),
              sha256: rec.sha256,
              job_id: rec.archiveJobId,
            }
          : null,
        last_error:
          failed && last
            ? {
                job_id: last.id,
                kind: last.kind,
                message: last.error,
                at: last.finishedAt?.toISOString() ?? null,
              }
            : null,
      };
    });
  },
});
