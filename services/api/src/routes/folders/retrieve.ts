import { z } from 'zod';
import {
  appendLog,
  ConflictError,
  enqueueOperation,
  folderRetrieve,
  requireTool,
  resolveFolder,
} from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { coldRecordOf, hasMarker } from './retrieve-jobs';

/**
 * Restore from cold storage (issue 12): download → check size + SHA-256 against the record and
 * `7z t` → extract to staging beside the source → swap → remove the marker. The object stays.
 */
export const retrieveFolder = defineRoute({
  method: 'post',
  path: '/api/folders/retrieve',
  summary: 'Restore an archived folder from cold storage (operators and admins); the object stays',
  tags: ['folders'],
  access: { kind: 'role', role: 'operator' },
  body: z.object({ folder_path: z.string().min(1).max(4096) }),
  response: z.object({ operationId: z.string(), channel: z.string() }),
  status: 202,
  async handler({ deps, body, user }) {
    const ref = await resolveFolder(deps.config.sourceRoot, body.folder_path);
    if (!(await hasMarker(deps.config, ref)))
      throw new ConflictError('FOLDER_NOT_ARCHIVED', `${ref.rel} is not in cold storage (no archive marker)`);
    const record = await coldRecordOf(deps.prisma, deps.config, ref);
    if (!record)
      throw new ConflictError(
        'COLD_RECORD_MISSING',
        `${ref.rel} has a marker but no record of its object (bucket, key, size, SHA-256); restore it by hand`,
      );
    requireTool('7z');
    const by = user?.username ?? 'unknown';
    const { operationId, channel } = await enqueueOperation(
      deps,
      folderRetrieve,
      {
        folder: ref.rel,
        bucket: record.bucket,
        key: record.key,
        size: record.size,
        sha256: record.sha256,
        ...(record.archiveJobId ? { archiveJobId: record.archiveJobId } : {}),
      },
      {
        createdBy: by,
        enqueuedMessage: `Queued retrieval of ${ref.rel} from ${record.bucket}/${record.key}`,
      },
    );
    await appendLog(deps.prisma, operationId, 'INFO', `Retrieval requested by ${by} for ${ref.rel}`);
    return { operationId, channel };
  },
});
