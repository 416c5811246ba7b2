import type { ArchiveKind } from './manifest';

export type ArchiveStage =
  | 'scanning'
  | 'compressing'
  | 'finalizing'
  | 'reading'
  | 'verifying'
  | 'extracting'
  | 'swapping'
  | 'pre-restore-snapshot'
  | 'done';

export interface ArchiveProgress {
  stage: ArchiveStage;
  currentPath?: string;
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

export type ProgressFn = (p: ArchiveProgress) => void;

export interface CreateSnapshotOptions {
  runDir: string;
  /** default `<runDir>/archives` */
  outDir?: string;
  /** file name ending in .zip; default `<timestamp>[_<label-slug>].zip` */
  name?: string;
  label?: string;
  kind?: ArchiveKind;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** zlib level (default 2) */
  level?: number;
  /** worker threads (default: one per core) */
  threads?: number;
  /** bytes of central directory / deflated manifest kept in memory before a temp file takes over (default 8 MiB) */
  spillAfterBytes?: number;
  /** HOST_ID, part of the owner token in temp file names (temp-owner.ts); default `local` */
  hostId?: string;
}

export interface SnapshotResult {
  path: string;
  name: string;
  size: number;
  sha256: string;
  fileCount: number;
  entryCount: number;
  totalBytes: number;
  manifestSha256: string;
  label?: string;
  kind: ArchiveKind;
  /** symlinks pointing outside the run, not stored (the first 1,000 names) */
  skippedLinks: string[];
  /** how many such links were skipped */
  skippedLinkCount: number;
}

export interface RestoreLimits {
  /** total uncompressed bytes (default 1 TiB) */
  maxTotalBytes?: number;
  /** number of entries (default 5,000,000) */
  maxEntries?: number;
  /** uncompressed/compressed ratio per entry, checked on entries above `ratioMinBytes` (default 1000) */
  maxRatio?: number;
  /** default 1 MiB */
  ratioMinBytes?: number;
}

export interface RestoreOptions {
  runDir: string;
  archivePath: string;
  /** snapshot the current content into archives/ before swapping (default true) */
  preRestoreSnapshot?: boolean;
  /** restore an archive that holds no files (empties the run); refused with ARCHIVE_EMPTY otherwise */
  allowEmpty?: boolean;
  /**
   * Throws (e.g. RUN_LOCKED) when the run must not be replaced now; called with the run's folder
   * right before the swap and with its moved-aside content during it. Lock files, Redis locks.
   */
  assertUnlocked?: (dir: string) => Promise<void>;
  /** HOST_ID, part of the owner token in temp folder names (temp-owner.ts); default `local` */
  hostId?: string;
  limits?: RestoreLimits;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /**
   * Awaited as the restore enters its later stages, before it does anything there (a worker
   * records the stage; a cancel after `swapping` began cannot stop the swap).
   */
  beforeStage?(stage: 'pre-restore-snapshot' | 'swapping'): Promise<void>;
}

export interface RestoreResult {
  filesRestored: number;
  entries: number;
  manifest: boolean;
  preRestoreArchive?: SnapshotResult;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface VerifyResult {
  ok: true;
  entries: number;
  manifest: boolean;
}

export interface ArchiveListing {
  name: string;
  size: number;
  createdAt: string;
  sha256?: string;
  manifestSha256?: string;
  fileCount?: number;
  label?: string;
  kind: ArchiveKind;
}
