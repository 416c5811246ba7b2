import type { JobKind } from './define';
import { runRestore } from './run-restore';
import { runSnapshot } from './run-snapshot';
import { folderArchive } from './folder-archive';
import { galleryArchive } from './gallery-archive';
import { folderRetrieve } from './folder-retrieve';
import { migrationSnapshot, runMigration, runMigrationDryRun, runMigrationValidate } from './run-migration';
import { runSync } from './run-sync';
import { backupPrune, runBackup, runBackupRestore } from './run-backup';
import { runDelete } from './run-delete';
import { hostTurnOff } from './host-turn-off';
import { runMove } from './run-move';
import { runCopy, runCopyApply } from './run-copy';
import { backupScrub } from './backup-scrub';
import { backupZip } from './backup-zip';

export * from './define';
export * from './run-snapshot';
export * from './run-restore';
export * from './folder-archive';
export * from './run-backup';
export * from './gallery-archive';
export * from './folder-retrieve';
export * from './run-migration';
export * from './run-sync';
export * from './run-delete';
export * from './host-turn-off';
export * from './run-move';
export * from './run-copy';
export * from './backup-scrub';
export * from './backup-zip';

/** Every job kind of the system, keyed by kind. Add new kinds here (one file each beside this one). */
export const jobKinds = {
  [runSnapshot.kind]: runSnapshot,
  [runRestore.kind]: runRestore,
  [folderArchive.kind]: folderArchive,
  [runBackup.kind]: runBackup,
  [runBackupRestore.kind]: runBackupRestore,
  [galleryArchive.kind]: galleryArchive,
  [folderRetrieve.kind]: folderRetrieve,
  [runMigrationValidate.kind]: runMigrationValidate,
  [runMigrationDryRun.kind]: runMigrationDryRun,
  [runMigration.kind]: runMigration,
  [migrationSnapshot.kind]: migrationSnapshot,
  [runSync.kind]: runSync,
  [backupPrune.kind]: backupPrune,
  [runDelete.kind]: runDelete,
  [hostTurnOff.kind]: hostTurnOff,
  [runMove.kind]: runMove,
  [runCopy.kind]: runCopy,
  [runCopyApply.kind]: runCopyApply,
  [backupScrub.kind]: backupScrub,
  [backupZip.kind]: backupZip,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
} as const satisfies Record<string, JobKind<any, any>>;

export type JobKindName = keyof typeof jobKinds;

const registry = new Map<string, JobKind<unknown, unknown>>(
  Object.values(jobKinds).map((k) => [k.kind, k as JobKind<unknown, unknown>]),
);

/** Adds a kind outside the system's set (test kinds); a kind's name can be taken once. */
export function registerJobKind<P, R>(def: JobKind<P, R>): JobKind<P, R> {
  const known = registry.get(def.kind);
  if (known && known !== (def as JobKind<unknown, unknown>)) {
    // Test files may define the same kind again (fresh queue names); the latest definition wins.
    if (Object.values(jobKinds).some((k) => k.kind === def.kind))
      throw new Error(`Job kind ${def.kind} is already registered`);
  }
  registry.set(def.kind, def as JobKind<unknown, unknown>);
  return def;
}

/** The definition of a kind, if known (operations of unknown kinds are handled as one stage on their queue). */
export function findJobKind(kind: string): JobKind<unknown, unknown> | undefined {
  return registry.get(kind);
}

/** Every queue some stage of a registered kind runs on. */
export const QUEUE_NAMES = [
  ...new Set(Object.values(jobKinds).flatMap((k) => k.spec.stages.map((s) => s.queue))),
] as readonly string[];
