import { z } from 'zod';
import { channels } from '../contracts/channels';
import { backupPruneSpec, runBackupRestoreSpec, runBackupSpec } from '../contracts/kinds';
import { RUN_ID_PATTERN } from '../contracts/ids';
import { defineJobKind } from './define';

export const BACKUP_PURPOSES = ['manual', 'scheduled', 'pre-delete', 'copy', 'turn-off'] as const;

export const runBackupPayload = z.object({
  runid: z.string().regex(RUN_ID_PATTERN),
  purpose: z.enum(BACKUP_PURPOSES).default('manual'),
});
export const runBackupResult = z.object({
  backupId: z.string(),
  snapshotId: z.string(),
  files: z.number(),
  bytes: z.number(),
  bytesAdded: z.number(),
});

export const runBackup = defineJobKind({
  spec: runBackupSpec,
  payload: runBackupPayload,
  result: runBackupResult,
  attempts: 3,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  exclusiveKey: (p) => `run:${p.runid}`,
});

/** A path inside a run as the API takes it: relative, '/'-separated, no '.'/'..' segments. */
export const runRelativePath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) =>
      !p.startsWith('/') &&
      !p.includes('\0') &&
      p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..') &&
      p.split('/')[0] !== 'archives',
    { message: "a path inside the run: relative, no '.' or '..' segments, not under archives/" },
  );

export const runBackupRestorePayload = z.object({
  runid: z.string().regex(RUN_ID_PATTERN),
  /** the Backup row's id */
  backupId: z.string().uuid(),
  /** restore only these paths (files or folders); the rest of the run is kept */
  paths: z.array(runRelativePath).max(1000).optional(),
  preRestoreSnapshot: z.boolean().default(true),
  /** the run's directory is missing (restore-on-missing): restore it without a swap */
  intoMissing: z.boolean().default(false),
});
export const runBackupRestoreResult = z.object({
  filesRestored: z.number(),
  snapshotId: z.string(),
  preRestoreArchive: z.string().optional(),
});

export const runBackupRestore = defineJobKind({
  spec: runBackupRestoreSpec,
  payload: runBackupRestorePayload,
  result: runBackupRestoreResult,
  attempts: 2,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  exclusiveKey: (p) => `run:${p.runid}`,
});

/** A run's retention policy (restic forget's --keep-* options); at least one rule. */
export const retentionPolicy = z
  .object({
    keepLast: z.number().int().min(1).max(10000).optional(),
    keepDaily: z.number().int().min(1).max(10000).optional(),
    keepWeekly: z.number().int().min(1).max(10000).optional(),
    keepMonthly: z.number().int().min(1).max(10000).optional(),
    keepWithinDays: z.number().int().min(1).max(36500).optional(),
  })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'at least one keep rule' });
export type RetentionPolicy = z.infer<typeof retentionPolicy>;

export const backupPrunePayload = z.object({
  runid: z.string().regex(RUN_ID_PATTERN),
  /** the repository (region) whose exclusive slot the prune takes */
  repoId: z.string().min(1).max(64),
  policy: retentionPolicy,
});
export const backupPruneResult = z.object({ kept: z.number(), removed: z.number() });

export const backupPrune = defineJobKind({
  spec: backupPruneSpec,
  payload: backupPrunePayload,
  result: backupPruneResult,
  attempts: 3,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  // one exclusive operation (prune, check) per repository at a time
  exclusiveKey: (p) => `repo:${p.repoId}`,
});
