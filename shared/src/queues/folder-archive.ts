import fs from 'node:fs/promises';
import { z } from 'zod';
import { channels } from '../contracts/channels';
import { folderArchiveSpec } from '../contracts/kinds';
import { jobDirs, parseFolderPath } from '../folders/paths';
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
export type FolderArchiveResult = z.infer<typeof folderArchiveResult>;

/** What the stages carry forward (Operation.checkpoint): the tested archive, then the verified object. */
export const folderArchiveCheckpoint = z.object({
  archive: z
    .object({
      size: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      folderSize: z.number().int().nonnegative(),
      fileCount: z.number().int().nonnegative(),
    })
    .optional(),
  /** The source folder's fingerprint before the copy: it is emptied only if still exactly this. */
  source: z.object({ digest: z.string(), entries: z.number(), takenAt: z.number() }).optional(),
  verified: z.object({ bucket: z.string(), key: z.string() }).optional(),
});
export type FolderArchiveCheckpoint = z.infer<typeof folderArchiveCheckpoint>;

export function readFolderCheckpoint(raw: unknown): FolderArchiveCheckpoint {
  const parsed = folderArchiveCheckpoint.safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}

const exists = (p: string) =>
  fs.stat(p).then(
    (s) => s.size,
    () => undefined,
  );

/**
 * Cold-storage archiving of a NAS folder (PRD): one Operation through copy → 7z → 7z t
 * (`compress-folder`) and upload → verify → empty the source (`upload-verify`). A retry starts at
 * the upload when the tested archive is still on disk with its recorded size, at the clean-up
 * when the upload was verified, else at the copy.
 */
export const folderArchive = defineJobKind({
  spec: folderArchiveSpec,
  payload: folderArchivePayload,
  result: folderArchiveResult,
  // The real limits per error class come from config (MAX_*_RETRIES), see jobOptions.
  attempts: 10,
  backoffMs: 30000,
  scopeId: (p) => p.folder,
  channel: (_p, operationId) => channels.folder(operationId),
  exclusiveKey: (p) => `folder:${p.folder}`,
  jobOptions(config, stage) {
    const f = config.folders;
    const perClass = stage.queue === 'compress-folder' ? f.maxCompressionRetries : f.maxUploadRetries;
    return {
      attempts: Math.max(f.maxConnectionErrorRetries, perClass),
      backoff: { type: 'fixed', delay: f.retryDelaySeconds * 1000 },
    };
  },
  async canResumeAt(stage, { config, operation }) {
    // The source changed after it was copied: only a new copy can archive what it holds now.
    if (operation.errorCode === 'SOURCE_CHANGED') return stage.name === 'copying';
    const cp = readFolderCheckpoint(operation.checkpoint);
    if (stage.name === 'deleting_source') return cp.verified !== undefined && cp.archive !== undefined;
    if (stage.name === 'uploading') {
      if (!cp.archive) return false;
      const ref = parseFolderPath(config.sourceRoot, operation.scopeId);
      const dirs = jobDirs(config.storageRoot, operation.id, ref.name);
      const size = (await exists(dirs.archive)) ?? (await exists(dirs.failedArchive));
      return size === cp.archive.size;
    }
    return true;
  },
  async cleanup({ config, operation }) {
    // Work files only (the source is never touched by a cancel); failed/<job>/ stays for inspection.
    const dirs = jobDirs(config.storageRoot, operation.id, 'x');
    await fs.rm(dirs.temp, { recursive: true, force: true });
    await fs.rm(dirs.archives, { recursive: true, force: true });
  },
});
