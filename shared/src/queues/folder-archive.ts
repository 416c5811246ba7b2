import { z } from 'zod';
import { channels } from '../events';
import { defineJobKind } from './define';

/** A folder path relative to SOURCE_ROOT: exactly three segments, none empty, `.` or `..`. */
export const folderRelPath = z
  .string()
  .min(5)
  .max(4000)
  .refine((p) => {
    const parts = p.split('/');
    return (
      parts.length === 3 &&
      parts.every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\0') && !s.includes('\\'))
    );
  }, 'must be <level1>/<level2>/<folder> relative to SOURCE_ROOT');

export const folderArchivePayload = z.object({ folder: folderRelPath });
export type FolderArchivePayload = z.infer<typeof folderArchivePayload>;

/** Stage 1 never finishes the operation (it hands off to folder-upload); its result is the final upload result. */
export const folderArchiveResult = z.object({
  bucket: z.string(),
  key: z.string(),
  size: z.number(),
  sha256: z.string(),
  folder_size_bytes: z.number().optional(),
  file_count: z.number().optional(),
  archive_size_bytes: z.number().optional(),
  marker_path: z.string().optional(),
});

/** Copy → 7z → 7z t on queue `compress-folder` (one at a time), then hand-off to `folder-upload`. */
export const folderArchive = defineJobKind({
  kind: 'folder-archive',
  queue: 'compress-folder',
  payload: folderArchivePayload,
  result: folderArchiveResult,
  // The real limit per error class comes from config (MAX_*_RETRIES); the API enqueues with those.
  attempts: 10,
  backoffMs: 30000,
  scopeType: 'folder',
  scopeId: (p) => p.folder,
  channel: (_p, operationId) => channels.folder(operationId),
  completeEvent: 'UPLOAD_COMPLETE',
  exclusiveKey: (p) => `folder:${p.folder}`,
});
