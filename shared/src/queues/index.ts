import type { JobKind } from './define';
import { runRestore } from './run-restore';
import { runSnapshot } from './run-snapshot';
import { folderArchive } from './folder-archive';
import { folderUpload } from './folder-upload';

export * from './define';
export * from './run-snapshot';
export * from './run-restore';
export * from './folder-archive';
export * from './folder-upload';

/** Every job kind of the system, keyed by kind. Add new kinds here (one file each beside this one). */
export const jobKinds = {
  [runSnapshot.kind]: runSnapshot,
  [runRestore.kind]: runRestore,
  [folderArchive.kind]: folderArchive,
  [folderUpload.kind]: folderUpload,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
} as const satisfies Record<string, JobKind<any, any>>;

export type JobKindName = keyof typeof jobKinds;

export const QUEUE_NAMES = ['compress', 'restore', 'compress-folder', 'upload-verify'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function getJobKind(kind: string): JobKind<unknown, unknown> {
  const def = (jobKinds as Record<string, JobKind<unknown, unknown>>)[kind];
  if (!def) throw new Error(`Unknown job kind ${kind}`);
  return def;
}
