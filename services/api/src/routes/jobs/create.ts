import { z } from 'zod';
import { isMarkerName, requireTool, resolveFolder, ConflictError } from '@arkive/shared';
import { enqueueFolderJob } from './folder-jobs';
import fs from 'node:fs/promises';
import { defineRoute } from '../../http/route';
import { folderScanCache } from '../../folders/scan-cache';

/** PRD §5.4 POST /api/jobs → 201 {job_id, status: 'queued', folder_name, created_at}. */
export const createJob = defineRoute({
  method: 'post',
  path: '/api/jobs',
  summary:
    'Move a folder to cold storage: copy → 7z → test → upload → verify → empty the source (operators and admins)',
  tags: ['jobs'],
  access: { kind: 'role', role: 'operator' },
  body: z.object({ folder_path: z.string().min(1).max(4096) }),
  response: z.object({
    job_id: z.string(),
    status: z.literal('queued'),
    folder_name: z.string(),
    folder_path: z.string(),
    created_at: z.string(),
    channel: z.string(),
  }),
  status: 201,
  async handler({ deps, body, user }) {
    const ref = await resolveFolder(deps.config.sourceRoot, body.folder_path);
    const names = await fs.readdir(ref.abs);
    if (names.some((n) => isMarkerName(n, deps.config.folders.markerTemplate, ref.name))) {
      throw new ConflictError('FOLDER_ALREADY_ARCHIVED', `${ref.rel} already has an archive marker`);
    }
    if (names.length === 0) throw new ConflictError('FOLDER_EMPTY', `${ref.rel} is empty`);
    requireTool('7z'); // 503 TOOL_MISSING rather than a queued job that cannot succeed
    const op = await enqueueFolderJob(deps, ref.rel, user?.username ?? 'unknown');
    folderScanCache(deps.config); // keep the cache warm for the folders page; has_job comes from the DB
    return {
      job_id: op.id,
      status: 'queued' as const,
      folder_name: ref.name,
      folder_path: ref.rel,
      created_at: op.createdAt.toISOString(),
      channel: `folder:${op.id}`,
    };
  },
});
