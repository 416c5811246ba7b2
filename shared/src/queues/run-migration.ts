import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { restoreArchive } from '../archive/restore';
import type { Config } from '../config';
import { runPath } from '../runs';
import { channels } from '../contracts/channels';
import {
  migrationSnapshotSpec,
  runMigrationDryRunSpec,
  runMigrationSpec,
  runMigrationValidateSpec,
} from '../contracts/kinds';
import { RUN_ID_PATTERN } from '../contracts/ids';
import { defineJobKind } from './define';

/** `POST /api/runs/:runid/migration {mode}`: which kind a mode enqueues. */
export const MIGRATION_MODES = ['validate', 'dry-run', 'migrate'] as const;
export type MigrationMode = (typeof MIGRATION_MODES)[number];

const runPayload = z.object({ runid: z.string().regex(RUN_ID_PATTERN) });

const traitReport = z.object({
  id: z.string(),
  description: z.string(),
  detected: z.boolean(),
  details: z.record(z.string(), z.unknown()),
  blockers: z.array(z.string()),
});

export const runMigrationValidateResult = z.object({
  version: z.number(),
  current_version: z.number(),
  planned: z.array(z.string()),
  traits: z.array(traitReport.extend({ valid: z.boolean(), problems: z.array(z.string()) })),
  /** Whether a migration would change anything. */
  needsMigration: z.boolean(),
});

const appliedTrait = z.object({ id: z.string(), filesChanged: z.array(z.string()), summary: z.string() });

export const runMigrationDryRunResult = z.object({
  version: z.number(),
  current_version: z.number(),
  planned: z.array(z.string()),
  /** Whether the migrated copy passed every trait's validation. */
  ok: z.boolean(),
  /** The trait and reason when it did not. */
  failure: z.object({ trait: z.string(), reason: z.string() }).optional(),
  traits: z.array(appliedTrait),
  /** Run-relative paths the migration would add, change or remove. */
  diff: z.object({ added: z.array(z.string()), changed: z.array(z.string()), removed: z.array(z.string()) }),
});

export const runMigrationResult = z.object({
  versionBefore: z.number(),
  version: z.number(),
  traits: z.array(appliedTrait),
  archiveBefore: z.string(),
  archiveAfter: z.string(),
});

export const migrationSnapshotPayload = runPayload.extend({
  archiveKind: z.enum(['pre-migration', 'post-migration']),
  label: z.string().trim().max(100).optional(),
});
export const migrationSnapshotResult = z.object({
  name: z.string(),
  size: z.number(),
  sha256: z.string(),
  fileCount: z.number(),
});

/** Where a dry run copies its run: STORAGE_ROOT/migration-dry-run/<operation id>/<runid>. */
export function dryRunStagingDir(config: Pick<Config, 'storageRoot'>, operationId: string): string {
  return path.join(config.storageRoot, 'migration-dry-run', operationId);
}

const runScoped = {
  scopeId: (p: { runid: string }) => p.runid,
  channel: (p: { runid: string }) => channels.runMigration(p.runid),
};

export const runMigrationValidate = defineJobKind({
  spec: runMigrationValidateSpec,
  payload: runPayload,
  result: runMigrationValidateResult,
  attempts: 2,
  backoffMs: 2000,
  ...runScoped,
});

export const runMigrationDryRun = defineJobKind({
  spec: runMigrationDryRunSpec,
  payload: runPayload,
  result: runMigrationDryRunResult,
  attempts: 2,
  backoffMs: 2000,
  ...runScoped,
  async cleanup({ operation, config }) {
    await fs.rm(dryRunStagingDir(config, operation.id), { recursive: true, force: true });
  },
});

export const runMigration = defineJobKind({
  spec: runMigrationSpec,
  payload: runPayload,
  result: runMigrationResult,
  attempts: 2,
  backoffMs: 5000,
  ...runScoped,
  exclusiveKey: (p) => `run:${p.runid}`,
  /** The post-migration snapshot is where a run resumes only while the run is migrated and stamped. */
  async canResumeAt(stage, { operation }) {
    if (stage.name !== 'post-snapshot') return true;
    const cp = (operation.checkpoint as { migration?: { phase?: string } } | null)?.migration;
    return cp?.phase === 'stamped';
  },
  /**
   * Ended while no worker runs it (e.g. a cancel was asked, then the worker died) with traits
   * possibly half applied: put the run back to its pre-migration snapshot.
   */
  async cleanup({ operation, config }) {
    const cp = (operation.checkpoint as { migration?: { phase?: string; pre?: string } } | null)?.migration;
    if (cp?.phase !== 'migrating' || !cp.pre) return;
    const input = operation.input as { runid: string };
    const runDir = runPath(config.runsRoot, input.runid);
    await restoreArchive({
      runDir,
      archivePath: path.join(runDir, 'archives', cp.pre),
      preRestoreSnapshot: false,
      allowEmpty: true,
      hostId: config.hostId,
    });
  },
});

export const migrationSnapshot = defineJobKind({
  spec: migrationSnapshotSpec,
  payload: migrationSnapshotPayload,
  result: migrationSnapshotResult,
  attempts: 3,
  backoffMs: 2000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runMigration(p.runid),
  exclusiveKey: (p) => `run:${p.runid}`,
});
