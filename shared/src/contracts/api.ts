import { z } from 'zod';
import { folderArchiveSpec } from './kinds';

/** Response schemas of the API's run and archive routes (the web and the CLI read these fields, no others). */
export const runRoleSchema = z.enum(['viewer', 'collaborator', 'owner']);
export type RunRole = z.infer<typeof runRoleSchema>;

export const runLockSchema = z.object({
  locked: z.boolean(),
  lockFiles: z.array(z.string()),
  redisLocks: z.array(z.string()),
});

/** A run's health, computed from the disk, Redis and the archive records on every read. */
export const runHealthSchema = z.object({
  /** The run's directory does not exist under RUNS_ROOT: snapshots and restores are refused. */
  missing: z.boolean(),
  /** Bytes and files of the run, archives/ excluded (null when the directory is missing). */
  sizeBytes: z.number().nullable(),
  fileCount: z.number().nullable(),
  /** Lock files (`*.nodb.lock`, path relative to the run) with the time each was written. */
  lockFiles: z.array(z.object({ path: z.string(), since: z.string().nullable() })),
  /** Set fields of the run's Redis lock hash `<runid>:locks` and their values. */
  redisLocks: z.array(z.object({ field: z.string(), value: z.string() })),
  /** The newest snapshot (kind `snapshot`) of the run. */
  lastSnapshot: z.object({ name: z.string(), createdAt: z.string() }).nullable(),
  /** ZIP archives under archives/ and their total size. */
  archiveCount: z.number(),
  archiveBytes: z.number(),
  /** Everything under archives/ on disk (partial files included). */
  archivesDiskBytes: z.number(),
  /** Free space on the filesystem holding RUNS_ROOT. */
  diskFreeBytes: z.number().nullable(),
  /** Why a snapshot cannot start now (directory missing, run locked); null when it can. */
  snapshotBlockedReason: z.string().nullable(),
});
export type RunHealth = z.infer<typeof runHealthSchema>;

/** A run's backup state as lists and settings show it (from the database: no scan of the run). */
export const runBackupStatusSchema = z.object({
  last_backup_at: z.string().nullable(),
  last_edited_at: z.string().nullable(),
  /** fresh: backed up since its last edit; stale: edited since its last backup; never: no backup yet */
  state: z.enum(['fresh', 'stale', 'never']),
  /** The run's sticky repository (its region); the host's default region until its first backup. */
  region: z.string(),
  /** null until the first backup (or an administrator's choice) fixes it. */
  backupRepoId: z.string().nullable(),
});
export type RunBackupStatus = z.infer<typeof runBackupStatusSchema>;

export const runSchema = z.object({
  runid: z.string(),
  /** The role you act with (admins: owner). */
  role: runRoleSchema,
  /** Your membership role; null for an administrator who is not a member. */
  memberRole: runRoleSchema.nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  exists: z.boolean(),
  /** Null only when the list was asked for `lock=false` (lock files are found by walking the run's tree). */
  lock: runLockSchema.nullable(),
  /** Null only when the list was asked for `lock=false`. */
  health: runHealthSchema.nullable(),
  /** The run's live channel for snapshots and restores (join it for events of every operation on the run). */
  channel: z.string(),
  /** The host whose RUNS_ROOT holds the run (its work runs on that host's workers). */
  host_id: z.string(),
  /** Last backup, fresh / stale / never, and the region of the run's backups. */
  backup: runBackupStatusSchema,
});
export type RunView = z.infer<typeof runSchema>;

export const memberSchema = z.object({
  username: z.string(),
  userId: z.number().int(),
  role: runRoleSchema,
  createdAt: z.string(),
});

export const activeOperationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  stage: z.string().nullable(),
  progressPercent: z.number(),
  channel: z.string(),
});
export type ActiveOperation = z.infer<typeof activeOperationSchema>;

export const archiveItemSchema = z.object({
  name: z.string(),
  size: z.number(),
  createdAt: z.string(),
  sha256: z.string().nullable(),
  fileCount: z.number().nullable(),
  label: z.string().nullable(),
  kind: z.string(),
  downloadable: z.boolean(),
  downloadUrl: z.string().nullable(),
});
export type ArchiveItem = z.infer<typeof archiveItemSchema>;

export const runArchivesSchema = z.object({
  items: z.array(archiveItemSchema),
  activeOperation: activeOperationSchema.nullable(),
});
export type RunArchives = z.infer<typeof runArchivesSchema>;

/** The cold-storage PRD's job statuses: queued, each stage of folder-archive while it runs, then the outcome. */
export const JOB_STATUSES = [
  'queued',
  ...folderArchiveSpec.stages.map((s) => s.name),
  'completed',
  'failed',
  'cancelled',
] as [string, ...string[]];
export const jobStatusSchema = z.enum(JOB_STATUSES);

/** A folder job (GET /api/jobs, /api/jobs/:id): the PRD's snake_case shape. */
export const jobSchema = z.object({
  job_id: z.string(),
  folder_name: z.string(),
  folder_path: z.string(),
  source_path: z.string(),
  globus_destination_path: z.string().nullable(),
  destination_key: z.string().nullable(),
  bucket: z.string().nullable(),
  archive_path: z.string().nullable(),
  status: jobStatusSchema,
  progress_percent: z.number(),
  current_operation: z.string().nullable(),
  folder_size_bytes: z.number().nullable(),
  archive_size_bytes: z.number().nullable(),
  sha256: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  error_message: z.string().nullable(),
  error_code: z.string().nullable(),
  retry_count: z.number(),
  globus_task_id: z.null(),
  channel: z.string(),
});
export type JobView = z.infer<typeof jobSchema>;

/** A run's archive retention (GET/PUT /api/runs/:runid/retention). */
export const retentionPolicySchema = z.object({
  /** Keep the newest N snapshots (0 = no count limit). */
  keepLast: z.number().int().min(0),
  /** Keep snapshots newer than D days (0 = no age limit; with keepLast 0 too, every snapshot stays). */
  keepDays: z.number().int().min(0),
  /** Pre-restore snapshots are deleted after D days (0 = kept for ever). */
  preRestoreDays: z.number().int().min(0),
});
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

export const archiveDeletionSchema = z.object({
  name: z.string(),
  kind: z.string(),
  size: z.number(),
  /** `user` or `retention`. */
  reason: z.string(),
  /** The username, or the rule that let it go. */
  detail: z.string(),
  deletedAt: z.string(),
});
export type ArchiveDeletionView = z.infer<typeof archiveDeletionSchema>;

export const runRetentionSchema = z.object({
  /** What the run follows now. */
  policy: retentionPolicySchema,
  /** The run's own values (null: the default applies). */
  overrides: z.object({
    keepLast: z.number().int().nullable(),
    keepDays: z.number().int().nullable(),
    preRestoreDays: z.number().int().nullable(),
  }),
  /** The deployment defaults (RETENTION_KEEP_LAST, RETENTION_KEEP_DAYS, RETENTION_PRE_RESTORE_DAYS). */
  defaults: retentionPolicySchema,
  /** The policy in words. */
  description: z.string(),
  /** The newest deletions of the run's archives, by people and by retention. */
  recentDeletions: z.array(archiveDeletionSchema),
});
export type RunRetentionView = z.infer<typeof runRetentionSchema>;

export const retentionRunSchema = z.object({
  deleted: z.array(z.object({ name: z.string(), kind: z.string(), size: z.number(), rule: z.string() })),
  skipped: z.string().nullable(),
});
