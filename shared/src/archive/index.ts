export { createSnapshot, defaultArchiveName } from './create';
export { verifyArchive } from './verify';
export { restoreArchive, recoverInterruptedRestore } from './restore';
export { listArchives } from './list';
export { MANIFEST_NAME } from './manifest';
export type { ArchiveKind } from './manifest';
export * from './types';
