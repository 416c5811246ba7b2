import { isValidRunId } from './ids';

function runid(id: string): string {
  if (!isValidRunId(id)) throw new Error(`Invalid run id ${JSON.stringify(id)}`);
  return id;
}

/** Channel names of the design contract. The API answers every 202 with the channel to follow. */
export const channels = {
  runArchive: (id: string) => `${runid(id)}:archive`,
  runMigration: (id: string) => `${runid(id)}:migration`,
  runSync: (id: string) => `${runid(id)}:run_sync`,
  folder: (operationId: string) => `folder:${operationId}`,
  galleryArchive: (galleryId: string) => `gallery:${galleryId}:archive`,
  operations: () => 'operations',
  /** A host's own operations (turn-off); administrators only. */
  host: (hostId: string) => `host:${hostId}`,
  /** A backup repository's exclusive work (scrub): administrators only. */
  backupRepo: (repoId: string) => `backup-repo:${repoId}`,
} as const;

export type ChannelTarget =
  | { kind: 'run'; runid: string; topic: 'archive' | 'migration' | 'run_sync' }
  | { kind: 'folder'; operationId: string }
  | { kind: 'gallery'; galleryId: string }
  | { kind: 'host'; hostId: string }
  | { kind: 'backupRepo'; repoId: string }
  | { kind: 'operations' };

const RUN_CHANNEL = /^(.+):(archive|migration|run_sync)$/;
const FOLDER_CHANNEL = /^folder:([A-Za-z0-9_-]{1,128})$/;
const HOST_CHANNEL = /^host:([A-Za-z0-9][A-Za-z0-9_-]{0,62})$/;
const GALLERY_CHANNEL = /^gallery:([A-Za-z0-9_-]{1,128}):archive$/;
const REPO_CHANNEL = /^backup-repo:([A-Za-z0-9_-]{1,64})$/;

/** What a channel name is about, or undefined for a name that is not one of ours. */
export function parseChannel(channel: string): ChannelTarget | undefined {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > 200) return undefined;
  if (channel === 'operations') return { kind: 'operations' };
  // Runs first: a run may be called `host`, `folder` or `backup-repo`, and its members must keep
  // its live events (a host or repository named archive, migration or run_sync has no channel).
  const run = RUN_CHANNEL.exec(channel);
  if (run && isValidRunId(run[1]))
    return { kind: 'run', runid: run[1], topic: run[2] as 'archive' | 'migration' | 'run_sync' };
  const gallery = GALLERY_CHANNEL.exec(channel);
  if (gallery) return { kind: 'gallery', galleryId: gallery[1] };
  const host = HOST_CHANNEL.exec(channel);
  if (host) return { kind: 'host', hostId: host[1] };
  const repo = REPO_CHANNEL.exec(channel);
  if (repo) return { kind: 'backupRepo', repoId: repo[1] };
  const folder = FOLDER_CHANNEL.exec(channel);
  if (folder) return { kind: 'folder', operationId: folder[1] };
  return undefined;
}
