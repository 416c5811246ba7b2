import { z } from 'zod';
import { channels } from '../events';
import { defineJobKind } from './define';
import { folderArchiveResult, folderRelPath } from './folder-archive';

/** What stage 1 hands to stage 2 (also recorded in the operation's result for a retry from stage 2). */
export const folderUploadPayload = z.object({
  folder: folderRelPath,
  operationId: z.string().uuid(),
  archivePath: z.string().min(1),
  archiveSize: z.number().int().nonnegative(),
  archiveSha256: z.string().regex(/^[0-9a-f]{64}$/),
  folderSize: z.number().int().nonnegative(),
  fileCount: z.number().int().nonnegative(),
});
export type FolderUploadPayload = z.infer<typeof folderUploadPayload>;

export const FOLDER_UPLOAD_JOB_SUFFIX = 'upload';
export function folderUploadJobId(operationId: string): string {
  return `${operationId}.${FOLDER_UPLOAD_JOB_SUFFIX}`;
}

/**
 * Stage 2 of a folder archive, on queue `upload-verify` (one at a time): upload, verify (HEAD, LIST,
 * size, SHA-256 read back), write the marker, empty the source, delete the local archive. It runs
 * under the same Operation (kind `folder-archive`), which this stage finishes.
 */
export const folderUpload = defineJobKind({
  kind: 'folder-upload',
  queue: 'upload-verify',
  payload: folderUploadPayload,
  result: folderArchiveResult,
  attempts: 10,
  backoffMs: 30000,
  scopeType: 'folder',
  scopeId: (p) => p.folder,
  channel: (p) => channels.folder(p.operationId),
  completeEvent: 'UPLOAD_COMPLETE',
});
