import { z } from 'zod';
import { channels } from '../contracts/channels';
import { backupZipSpec } from '../contracts/kinds';
import { RUN_ID_PATTERN } from '../contracts/ids';
import { defineJobKind } from './define';
import { runRelativePath } from './run-backup';

export const backupZipPayload = z.object({
  runid: z.string().regex(RUN_ID_PATTERN),
  /** the Backup row's id */
  backupId: z.string().uuid(),
  /** only these paths (files or folders) of the backup; default: all of it */
  paths: z.array(runRelativePath).max(1000).optional(),
});
export const backupZipResult = z.object({
  /** the BackupZip row (= the operation's id) */
  zipId: z.string(),
  size: z.number(),
  sha256: z.string(),
  files: z.number(),
  expiresAt: z.string(),
  downloadUrl: z.string(),
});

export const backupZip = defineJobKind({
  spec: backupZipSpec,
  payload: backupZipPayload,
  result: backupZipResult,
  attempts: 2,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  // reads only a backup (never the run's directory): no exclusive key, any number at a time
});

/** Where the downloadable ZIPs of backups live (DATA_DIR/backup-zips/<zipId>.zip). */
export const BACKUP_ZIPS_DIR = 'backup-zips';
