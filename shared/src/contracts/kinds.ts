import type { EventType } from './events';

export type ScopeTypeName = 'run' | 'folder' | 'gallery' | 'host' | 'system';

/**
 * One stage of a job kind. Consecutive stages on the same queue run in one BullMQ job (one
 * processor call); when the next stage is on another queue the worker hands the operation off.
 */
export interface StageSpec {
  /** Stored in Operation.stage; also the PRD status of folder jobs. */
  name: string;
  /** For people: "Copying", "Uploading". */
  label: string;
  queue: string;
  /** Share of the overall percent (relative to the kind's other stages). */
  weight: number;
  /** Workers per process for this stage's queue (stages sharing a queue must agree). */
  concurrency: number;
  /** A retry (automatic or by a user) may start at this stage; later stages walk back to the nearest one. */
  retryFrom?: boolean;
  /**
   * Once this stage has begun, the operation can no longer be cancelled and a retry never starts
   * before it (the world changed for good: e.g. the source is being deleted).
   */
  pointOfNoReturn?: boolean;
  /**
   * While this stage runs, a cancel cannot stop it (e.g. an atomic swap); unlike a point of no
   * return, a failure in it is rolled back, so a retry may start over.
   */
  uncancellable?: boolean;
}

export interface KindSpec {
  kind: string;
  scopeType: ScopeTypeName;
  completeEvent: EventType;
  /** Non-terminal events the kind publishes besides STATUS/PROGRESS (run sync: DOWNLOADING, CHECKSUM_OK, REGISTERED). */
  stepEvents?: readonly EventType[];
  stages: readonly StageSpec[];
}

/** Validates a kind's stage list (unique names, queue segments consecutive and entered at a retry point). */
export function defineKindSpec<const K extends KindSpec>(spec: K): K {
  const names = new Set<string>();
  const seenQueues: string[] = [];
  if (spec.stages.length === 0) throw new Error(`${spec.kind}: a kind needs at least one stage`);
  for (const s of spec.stages) {
    if (names.has(s.name)) throw new Error(`${spec.kind}: stage ${s.name} declared twice`);
    names.add(s.name);
    if (seenQueues.at(-1) !== s.queue) {
      if (seenQueues.includes(s.queue))
        throw new Error(`${spec.kind}: stages on queue ${s.queue} must be consecutive`);
      seenQueues.push(s.queue);
      // A segment (a queue's run of stages) is entered at its first stage after a hand-off and
      // after an automatic retry, so that stage must be one a run can start at.
      if (!s.retryFrom)
        throw new Error(`${spec.kind}: stage ${s.name} starts a queue segment and must allow a retry`);
    } else if (spec.stages.find((o) => o.queue === s.queue)?.concurrency !== s.concurrency) {
      throw new Error(`${spec.kind}: stages on queue ${s.queue} must declare the same concurrency`);
    }
  }
  return spec;
}

/** Run snapshots: the run's tree → a ZIP with manifest under archives/. */
export const runSnapshotSpec = defineKindSpec({
  kind: 'run-snapshot',
  scopeType: 'run',
  completeEvent: 'ARCHIVE_COMPLETE',
  stages: [
    { name: 'archiving', label: 'Archiving', queue: 'compress', weight: 95, concurrency: 2, retryFrom: true },
    { name: 'verifying', label: 'Verifying the archive', queue: 'compress', weight: 5, concurrency: 2 },
  ],
});

/** Restores of a run from one of its archives: extract to staging, safety snapshot, swap. */
export const runRestoreSpec = defineKindSpec({
  kind: 'run-restore',
  scopeType: 'run',
  completeEvent: 'RESTORE_COMPLETE',
  stages: [
    {
      name: 'restoring',
      label: 'Extracting and verifying',
      queue: 'restore',
      weight: 85,
      concurrency: 2,
      retryFrom: true,
    },
    { name: 'pre-restore-snapshot', label: 'Safety snapshot', queue: 'restore', weight: 10, concurrency: 2 },
    {
      name: 'swapping',
      label: 'Swapping into place',
      queue: 'restore',
      weight: 5,
      concurrency: 2,
      uncancellable: true,
    },
  ],
});

/**
 * Cold-storage archiving of a NAS folder (PRD): copy → 7z → 7z t on `compress-folder`, then
 * upload → verify → empty the source on `upload-verify`; both queues one job at a time.
 */
export const folderArchiveSpec = defineKindSpec({
  kind: 'folder-archive',
  scopeType: 'folder',
  completeEvent: 'UPLOAD_COMPLETE',
  stages: [
    {
      name: 'copying',
      label: 'Copying',
      queue: 'compress-folder',
      weight: 20,
      concurrency: 1,
      retryFrom: true,
    },
    { name: 'compressing', label: 'Compressing (7z)', queue: 'compress-folder', weight: 30, concurrency: 1 },
    {
      name: 'verifying',
      label: 'Testing the archive (7z t)',
      queue: 'compress-folder',
      weight: 12,
      concurrency: 1,
    },
    {
      name: 'uploading',
      label: 'Uploading',
      queue: 'upload-verify',
      weight: 28,
      concurrency: 1,
      retryFrom: true,
    },
    {
      name: 'upload_verifying',
      label: 'Verifying the upload',
      queue: 'upload-verify',
      weight: 7,
      concurrency: 1,
    },
    {
      name: 'deleting_source',
      label: 'Emptying the source',
      queue: 'upload-verify',
      weight: 3,
      concurrency: 1,
      retryFrom: true,
      pointOfNoReturn: true,
    },
  ],
});

// --- backups (issue 13) ---

/** A restic backup of a run into its repository. */
export const runBackupSpec = defineKindSpec({
  kind: 'run-backup',
  scopeType: 'run',
  completeEvent: 'BACKUP_COMPLETE',
  stages: [
    {
      name: 'backing-up',
      label: 'Backing up',
      queue: 'backup',
      weight: 100,
      concurrency: 2,
      retryFrom: true,
    },
  ],
});

/** A restore of a run (whole or chosen paths) from one of its backups: staging + verify, safety snapshot, swap. */
export const runBackupRestoreSpec = defineKindSpec({
  kind: 'run-backup-restore',
  scopeType: 'run',
  completeEvent: 'RESTORE_COMPLETE',
  stages: [
    {
      name: 'restoring',
      label: 'Restoring and verifying',
      queue: 'backup',
      weight: 85,
      concurrency: 2,
      retryFrom: true,
    },
    { name: 'pre-restore-snapshot', label: 'Safety snapshot', queue: 'backup', weight: 10, concurrency: 2 },
    {
      name: 'swapping',
      label: 'Swapping into place',
      queue: 'backup',
      weight: 5,
      concurrency: 2,
      uncancellable: true,
    },
  ],
});

/**
 * A gallery's ZIP (issue 15): stream every image from the images bucket into the ZIP writer and the
 * ZIP into a multipart upload, check it with a HEAD, then e-mail the clients. E-mails are the side
 * effect that comes last: once they begin the archive is complete (no cancel; a retry only sends
 * to clients not reached yet).
 */
export const galleryArchiveSpec = defineKindSpec({
  kind: 'gallery-archive',
  scopeType: 'gallery',
  completeEvent: 'ARCHIVE_COMPLETE',
  stages: [
    {
      name: 'archiving',
      label: 'Zipping the images',
      queue: 'gallery-archive',
      weight: 92,
      concurrency: 2,
      retryFrom: true,
    },
    { name: 'verifying', label: 'Checking the upload', queue: 'gallery-archive', weight: 3, concurrency: 2 },
    {
      name: 'notifying',
      label: 'E-mailing the clients',
      queue: 'gallery-archive',
      weight: 5,
      concurrency: 2,
      retryFrom: true,
      pointOfNoReturn: true,
    },
  ],
});

/**
 * Restore from cold storage (issue 12): download the folder's object from the bucket, check it
 * (size + SHA-256 against the archive record, `7z t`), extract into a staging folder beside the
 * source, swap it in, remove the marker. On `compress-folder` (7z) behind the folder archives.
 */
export const folderRetrieveSpec = defineKindSpec({
  kind: 'folder-retrieve',
  scopeType: 'folder',
  completeEvent: 'RESTORE_COMPLETE',
  stages: [
    {
      name: 'downloading',
      label: 'Downloading',
      queue: 'compress-folder',
      weight: 40,
      concurrency: 1,
      retryFrom: true,
    },
    {
      name: 'checking',
      label: 'Checking (size, SHA-256, 7z t)',
      queue: 'compress-folder',
      weight: 20,
      concurrency: 1,
    },
    {
      name: 'extracting',
      label: 'Extracting to staging',
      queue: 'compress-folder',
      weight: 30,
      concurrency: 1,
    },
    {
      name: 'swapping',
      label: 'Swapping into place',
      queue: 'compress-folder',
      weight: 5,
      concurrency: 1,
      uncancellable: true,
    },
    {
      name: 'removing_marker',
      label: 'Removing the marker',
      queue: 'compress-folder',
      weight: 5,
      concurrency: 1,
      retryFrom: true,
      pointOfNoReturn: true,
    },
  ],
});

// --- Run migrations (issue 16): all on queue `migration`, events on `<runid>:migration` ---

/** Detect + validate every trait of a run; writes nothing. */
export const runMigrationValidateSpec = defineKindSpec({
  kind: 'run-migration-validate',
  scopeType: 'run',
  completeEvent: 'COMPLETE',
  stages: [
    {
      name: 'validating',
      label: 'Detecting and validating traits',
      queue: 'migration',
      weight: 100,
      concurrency: 2,
      retryFrom: true,
    },
  ],
});

/** Migrate a staging copy of the run, validate it, report the diff, remove the copy. */
export const runMigrationDryRunSpec = defineKindSpec({
  kind: 'run-migration-dry-run',
  scopeType: 'run',
  completeEvent: 'COMPLETE',
  stages: [
    {
      name: 'copying',
      label: 'Copying the run to staging',
      queue: 'migration',
      weight: 40,
      concurrency: 2,
      retryFrom: true,
    },
    { name: 'migrating', label: 'Migrating the copy', queue: 'migration', weight: 50, concurrency: 2 },
    { name: 'validating', label: 'Validating the copy', queue: 'migration', weight: 10, concurrency: 2 },
  ],
});

/**
 * The archive-guarded migration: pre-migration snapshot (a child operation) → traits in order →
 * validate → stamp nodb.version → post-migration snapshot. Any failure before the end restores the
 * pre-migration snapshot; stamping and the post snapshot cannot be cancelled (a failure there
 * still rolls back, so a retry starts over).
 */
export const runMigrationSpec = defineKindSpec({
  kind: 'run-migration',
  scopeType: 'run',
  completeEvent: 'MIGRATION_COMPLETE',
  stages: [
    {
      name: 'pre-snapshot',
      label: 'Pre-migration snapshot',
      queue: 'migration',
      weight: 30,
      concurrency: 2,
      retryFrom: true,
    },
    { name: 'migrating', label: 'Running the traits', queue: 'migration', weight: 40, concurrency: 2 },
    { name: 'validating', label: 'Validating', queue: 'migration', weight: 5, concurrency: 2 },
    {
      name: 'stamping',
      label: 'Stamping the version',
      queue: 'migration',
      weight: 2,
      concurrency: 2,
      uncancellable: true,
    },
    {
      name: 'post-snapshot',
      label: 'Post-migration snapshot',
      queue: 'migration',
      weight: 23,
      concurrency: 2,
      // Resumed here only while the run is migrated and stamped (canResumeAt); otherwise from the start.
      retryFrom: true,
      uncancellable: true,
    },
  ],
});

/** A migration's pre/post snapshot of its run (a child of run-migration, on the parent's run). */
export const migrationSnapshotSpec = defineKindSpec({
  kind: 'migration-snapshot',
  scopeType: 'run',
  completeEvent: 'ARCHIVE_COMPLETE',
  stages: [
    {
      name: 'archiving',
      label: 'Archiving',
      queue: 'migration',
      weight: 95,
      concurrency: 2,
      retryFrom: true,
    },
    { name: 'verifying', label: 'Verifying the archive', queue: 'migration', weight: 5, concurrency: 2 },
  ],
});

/**
 * Run sync (issue 17): import a run from another Arkive host. Download (resumable with Range),
 * verify size + SHA-256 against the source's export info, restore into a staging run with the safe
 * restore, then register: move into the target root, write .provenance.json, create the run rows.
 */
export const runSyncSpec = defineKindSpec({
  kind: 'run-sync',
  scopeType: 'run',
  completeEvent: 'SYNC_COMPLETE',
  stepEvents: ['DOWNLOADING', 'CHECKSUM_OK', 'REGISTERED'],
  stages: [
    {
      name: 'downloading',
      label: 'Downloading',
      queue: 'run-sync',
      weight: 60,
      concurrency: 2,
      retryFrom: true,
    },
    { name: 'verifying', label: 'Verifying size and SHA-256', queue: 'run-sync', weight: 10, concurrency: 2 },
    { name: 'restoring', label: 'Restoring (safe restore)', queue: 'run-sync', weight: 25, concurrency: 2 },
    {
      name: 'registering',
      label: 'Registering the run',
      queue: 'run-sync',
      weight: 5,
      concurrency: 2,
      uncancellable: true,
    },
  ],
});

/** Retention of a run's backups: `restic forget` by its policy, then `prune`, on the repository's exclusive slot. */
export const backupPruneSpec = defineKindSpec({
  kind: 'backup-prune',
  scopeType: 'run',
  completeEvent: 'COMPLETE',
  stages: [
    {
      name: 'pruning',
      label: 'Applying retention',
      queue: 'backup',
      weight: 100,
      concurrency: 2,
      retryFrom: true,
    },
  ],
});

/**
 * Deleting a run: its directory (archives included), its backups (`restic forget` now; the data goes
 * at the repository's next prune) and its rows. Holds the run's exclusive key: refused while other
 * work on the run is active.
 */
export const runDeleteSpec = defineKindSpec({
  kind: 'run-delete',
  scopeType: 'run',
  completeEvent: 'COMPLETE',
  stages: [
    {
      name: 'deleting',
      label: 'Deleting the run',
      queue: 'backup',
      weight: 100,
      concurrency: 2,
      retryFrom: true,
    },
  ],
});

/**
 * Turning a host off (issue 14): the host is set draining, every run on it whose backup is older
 * than its last edit is backed up (child run-backup operations), and only when all succeeded is
 * the host marked `off`. Runs on the host being turned off (it scans its runs' directories).
 */
export const hostTurnOffSpec = defineKindSpec({
  kind: 'host-turn-off',
  scopeType: 'host',
  completeEvent: 'COMPLETE',
  stages: [
    {
      name: 'backing-up',
      label: 'Backing up its runs',
      queue: 'backup',
      weight: 95,
      concurrency: 2,
      retryFrom: true,
    },
    { name: 'turning-off', label: 'Marking the host off', queue: 'backup', weight: 5, concurrency: 2 },
  ],
});

/**
 * Moving a run to another host (issue 14, the seed's Phase 2). On the source host (`backup`):
 * validate, lock, back up when the last backup is older than the last edit, update the placement;
 * on the destination host (`move-dest`): restore the backup into a staging folder renamed into
 * place, verify it against the snapshot; back on the source host (`move-source`): remove the
 * source copy, unlock. A failure on the destination puts the placement back (the source is
 * untouched until the destination verified).
 */
export const runMoveSpec = defineKindSpec({
  kind: 'run-move',
  scopeType: 'run',
  completeEvent: 'COMPLETE',
  stages: [
    { name: 'validating', label: 'Validating', queue: 'backup', weight: 2, concurrency: 2, retryFrom: true },
    { name: 'locking', label: 'Locking the run', queue: 'backup', weight: 1, concurrency: 2 },
    { name: 'backing-up', label: 'Backing up (when needed)', queue: 'backup', weight: 35, concurrency: 2 },
    { name: 'placing', label: 'Updating the placement', queue: 'backup', weight: 2, concurrency: 2 },
    {
      name: 'restoring',
      label: 'Restoring on the destination',
      queue: 'move-dest',
      weight: 45,
      concurrency: 2,
      retryFrom: true,
    },
    {
      name: 'verifying',
      label: 'Verifying on the destination',
      queue: 'move-dest',
      weight: 10,
      concurrency: 2,
    },
    {
      name: 'removing-source',
      label: 'Removing the source copy',
      queue: 'move-source',
      weight: 4,
      concurrency: 2,
      retryFrom: true,
      pointOfNoReturn: true,
    },
    { name: 'unlocking', label: 'Unlocking', queue: 'move-source', weight: 1, concurrency: 2 },
  ],
});

/**
 * Copy paths of a run to many runs (issue 14): the source snapshot (restic, only the paths; reused
 * when the run's last backup is fresh and holds them; none when every destination is on the
 * source's host), then one run-copy-apply child per destination; the parent's status rolls up.
 */
export const runCopySpec = defineKindSpec({
  kind: 'run-copy',
  scopeType: 'run',
  completeEvent: 'COMPLETE',
  stages: [
    {
      name: 'snapshotting',
      label: 'Snapshotting the source paths',
      queue: 'backup',
      weight: 20,
      concurrency: 2,
      retryFrom: true,
    },
    {
      name: 'applying',
      label: 'Copying to the destinations',
      queue: 'backup',
      weight: 80,
      concurrency: 2,
      retryFrom: true,
    },
  ],
});

/** One destination of a copy, on the destination run's host: restore (or plain copy) into a temp folder, rename into place. */
export const runCopyApplySpec = defineKindSpec({
  kind: 'run-copy-apply',
  scopeType: 'run',
  completeEvent: 'COMPLETE',
  stages: [
    {
      name: 'applying',
      label: 'Copying into the run',
      queue: 'backup',
      weight: 100,
      concurrency: 2,
      retryFrom: true,
    },
  ],
});

/**
 * The scrub of one backup repository: `restic check --read-data-subset=k/n`, k rotating daily so
 * every pack is read within BACKUP_SCRUB_PERIOD_DAYS. Holds the repository's exclusive slot.
 */
export const backupScrubSpec = defineKindSpec({
  kind: 'backup-scrub',
  scopeType: 'system',
  completeEvent: 'COMPLETE',
  stages: [
    {
      name: 'scrubbing',
      label: 'Reading packs (scrub)',
      queue: 'backup',
      weight: 100,
      concurrency: 2,
      retryFrom: true,
    },
  ],
});

/** A downloadable ZIP of a backup (whole or chosen paths): restore to a temp folder, then our ZIP engine. */
export const backupZipSpec = defineKindSpec({
  kind: 'backup-zip',
  scopeType: 'run',
  completeEvent: 'ARCHIVE_COMPLETE',
  stages: [
    {
      name: 'restoring',
      label: 'Restoring into a temp folder',
      queue: 'backup',
      weight: 50,
      concurrency: 2,
      retryFrom: true,
    },
    { name: 'zipping', label: 'Writing the ZIP', queue: 'backup', weight: 50, concurrency: 2 },
  ],
});

/** Every job kind's public shape, keyed by kind. */
export const KIND_SPECS = {
  [runSnapshotSpec.kind]: runSnapshotSpec,
  [runRestoreSpec.kind]: runRestoreSpec,
  [folderArchiveSpec.kind]: folderArchiveSpec,
  [runBackupSpec.kind]: runBackupSpec,
  [runBackupRestoreSpec.kind]: runBackupRestoreSpec,
  [galleryArchiveSpec.kind]: galleryArchiveSpec,
  [folderRetrieveSpec.kind]: folderRetrieveSpec,
  [runMigrationValidateSpec.kind]: runMigrationValidateSpec,
  [runMigrationDryRunSpec.kind]: runMigrationDryRunSpec,
  [runMigrationSpec.kind]: runMigrationSpec,
  [migrationSnapshotSpec.kind]: migrationSnapshotSpec,
  [runSyncSpec.kind]: runSyncSpec,
  [backupPruneSpec.kind]: backupPruneSpec,
  [runDeleteSpec.kind]: runDeleteSpec,
  [hostTurnOffSpec.kind]: hostTurnOffSpec,
  [runMoveSpec.kind]: runMoveSpec,
  [runCopySpec.kind]: runCopySpec,
  [runCopyApplySpec.kind]: runCopyApplySpec,
  [backupScrubSpec.kind]: backupScrubSpec,
  [backupZipSpec.kind]: backupZipSpec,
} as const satisfies Record<string, KindSpec>;

export type KindName = keyof typeof KIND_SPECS;
export const KIND_NAMES = Object.keys(KIND_SPECS) as KindName[];

export function kindSpec(kind: string): KindSpec | undefined {
  return (KIND_SPECS as Record<string, KindSpec>)[kind];
}

export function stageIndex(spec: KindSpec, stage: string | null | undefined): number {
  return stage ? spec.stages.findIndex((s) => s.name === stage) : -1;
}

/** Overall percent (0-100) at `fraction` (0-1) of `stage`; undefined for a stage the kind does not declare. */
export function overallPercent(spec: KindSpec, stage: string, fraction: number): number | undefined {
  const i = stageIndex(spec, stage);
  if (i < 0) return undefined;
  const total = spec.stages.reduce((n, s) => n + s.weight, 0);
  const before = spec.stages.slice(0, i).reduce((n, s) => n + s.weight, 0);
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  return ((before + spec.stages[i].weight * f) / total) * 100;
}

/** The stages of one queue segment: the consecutive stages starting at `from` on its queue. */
export function segmentOf(spec: KindSpec, from: string): StageSpec[] {
  const i = stageIndex(spec, from);
  if (i < 0) return [];
  const queue = spec.stages[i].queue;
  const out: StageSpec[] = [];
  for (let j = i; j < spec.stages.length && spec.stages[j].queue === queue; j++) out.push(spec.stages[j]);
  return out;
}
