export { createSnapshot, defaultArchiveName, sweepDeadPartials, sweepDeadSnapshotTemps } from './create';
export { verifyArchive } from './verify';
export {
  restoreArchive,
  restoreStaged,
  restoreMissingRun,
  removeTree,
  recoverInterruptedRestore,
  recoverRestoreLeftovers,
  type PreparedStaging,
  type StagedRestoreOptions,
} from './restore';
export { countArchiveFiles, listArchives } from './list';
export { MANIFEST_NAME } from './manifest';
export type { ArchiveKind } from './manifest';
export * from './types';
export { describeChanges, runState, type RunState, type StateOptions } from './run-state';
export { createZipStream } from './stream-zip';
export type { StreamEntry, StreamZipOptions, StreamZipProgress, StreamZipResult } from './stream-zip';
export { sniffFormat, SNIFF_BYTES, type SniffedType } from './sniff';
export { syncTree } from './durable';
