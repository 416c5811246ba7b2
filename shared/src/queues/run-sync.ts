import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { channels } from '../contracts/channels';
import { runSyncSpec } from '../contracts/kinds';
import { RUN_ID_PATTERN } from '../contracts/ids';
import { defineJobKind } from './define';

/**
 * An import of a run from another Arkive host. The source's bearer token is not in the payload
 * (operation inputs are shown to whoever may see the operation): it stays in the run_syncs row
 * `syncId` names, until the import succeeds or is cancelled.
 */
export const runSyncPayload = z.object({
  syncId: z.string().uuid(),
  runid: z.string().regex(RUN_ID_PATTERN),
  /** The source instance's base URL, e.g. https://arkive.example.org */
  sourceHost: z.string().url(),
  /** Absolute target root: RUNS_ROOT or one of RUN_SYNC_EXTRA_ROOTS (checked by the API and again by the worker). */
  targetRoot: z.string().min(1),
  ownerEmail: z.string().max(320).optional(),
  overwrite: z.boolean().default(false),
  /** What the source exports: its newest archive, or a fresh snapshot made for this import. */
  from: z.enum(['latest', 'snapshot']).default('latest'),
});
export type RunSyncPayload = z.infer<typeof runSyncPayload>;

export const runSyncResult = z.object({
  runid: z.string(),
  runDir: z.string(),
  size: z.number(),
  sha256: z.string(),
  files: z.number(),
  owner: z.string(),
  /** The archive as pulled, kept in the run's archives/. */
  archiveName: z.string(),
  preRestoreArchive: z.string().optional(),
});

/** Where an import keeps its download: STORAGE_ROOT/run-sync/<operationId>.zip.part */
export function runSyncDownloadPath(storageRoot: string, operationId: string): string {
  return path.join(storageRoot, 'run-sync', `${operationId}.zip.part`);
}

/** The hidden folder beside the target where a new run is restored before it is moved into place. */
export function runSyncStagingRoot(targetRoot: string, operationId: string): string {
  return path.join(targetRoot, `.run-sync-${operationId}`);
}

export const runSync = defineJobKind({
  spec: runSyncSpec,
  payload: runSyncPayload,
  result: runSyncResult,
  // Network faults inside one attempt are retried by the download itself (with Range); these
  // attempts cover a worker that died or a source that stayed away for a while.
  attempts: 3,
  backoffMs: 2000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runSync(p.runid),
  exclusiveKey: (p) => `run:${p.runid}`,
  // A retry resumes the download from the partial file (the processor checks the ETag).
  async cleanup({ operation, config }) {
    const p = runSyncPayload.safeParse(operation.input);
    await fs.rm(runSyncDownloadPath(config.storageRoot, operation.id), { force: true });
    if (p.success)
      await fs.rm(runSyncStagingRoot(p.data.targetRoot, operation.id), { recursive: true, force: true });
  },
});
