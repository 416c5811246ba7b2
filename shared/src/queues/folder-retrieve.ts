import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { channels } from '../contracts/channels';
import { folderRetrieveSpec } from '../contracts/kinds';
import { isMarkerName } from '../folders/markers';
import { parseFolderPath } from '../folders/paths';
import { defineJobKind } from './define';
import { folderRelPath } from './folder-archive';

/** What to bring back: the folder and its cold-storage record (from the archive job or the marker). */
export const folderRetrievePayload = z.object({
  folder: folderRelPath,
  bucket: z.string().min(1),
  key: z.string().min(1).max(4000),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The folder-archive job that made the object, when known. */
  archiveJobId: z.string().optional(),
});
export type FolderRetrievePayload = z.infer<typeof folderRetrievePayload>;

export const folderRetrieveResult = z.object({
  bucket: z.string(),
  key: z.string(),
  size: z.number(),
  sha256: z.string(),
  file_count: z.number(),
  folder_size_bytes: z.number(),
  /** The marker that was removed. */
  marker_removed: z.string(),
});
export type FolderRetrieveResult = z.infer<typeof folderRetrieveResult>;

/**
 * Work places of one retrieval: the download under STORAGE_ROOT/retrieve/<job>/, the staging folder
 * and the set-aside source (the marker) beside the source, on the source's own filesystem so the
 * swap is two renames.
 */
export function retrieveDirs(
  config: { storageRoot: string; sourceRoot: string },
  jobId: string,
  rel: string,
) {
  const ref = parseFolderPath(config.sourceRoot, rel);
  const parent = path.dirname(ref.abs);
  const download = path.join(config.storageRoot, 'retrieve', jobId);
  const staging = path.join(parent, `.${ref.name}.retrieve-${jobId}`);
  return {
    ref,
    download,
    archive: path.join(download, `${ref.name}.tar.7z`),
    staging,
    /** What the archive extracts to (it holds `<folder>/...`). */
    stagedFolder: path.join(staging, ref.name),
    /** The emptied source (only its marker) while and after it is swapped out. */
    setAside: path.join(parent, `.${ref.name}.archived-${jobId}`),
  };
}

const isDir = (p: string) =>
  fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

/**
 * Restore from cold storage: download → check (size + SHA-256 + 7z t) → extract to staging beside
 * the source → swap → remove the marker. The object stays in the bucket. A cancel before the swap
 * leaves the folder as it was (marker and all); the swap cannot be cancelled and rolls back on
 * failure; once the marker is being removed the retrieval only goes forward.
 */
export const folderRetrieve = defineJobKind({
  spec: folderRetrieveSpec,
  payload: folderRetrievePayload,
  result: folderRetrieveResult,
  attempts: 3,
  backoffMs: 10000,
  scopeId: (p) => p.folder,
  channel: (_p, operationId) => channels.folder(operationId),
  exclusiveKey: (p) => `folder:${p.folder}`,
  async canResumeAt(stage, { config, operation }) {
    // Removing the marker needs the swap done: the set-aside source is there, or it is gone
    // already and the folder in place has no marker.
    if (stage.name === 'removing_marker') {
      const d = retrieveDirs(config, operation.id, operation.scopeId);
      if (await isDir(d.setAside)) return true;
      const names = await fs.readdir(d.ref.abs).catch(() => undefined);
      return (
        names !== undefined && !names.some((n) => isMarkerName(n, config.folders.markerTemplate, d.ref.name))
      );
    }
    return true;
  },
  async cleanup({ config, operation }) {
    const d = retrieveDirs(config, operation.id, operation.scopeId);
    await fs.rm(d.download, { recursive: true, force: true });
    await fs.rm(d.staging, { recursive: true, force: true });
  },
});
