import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  ARCHIVES_DIR,
  dryRunStagingDir,
  registerProcessor,
  requireRunDir,
  runMigrationDryRun,
  type ProcessorContext,
  type runMigrationDryRunResult,
} from '@arkive/shared';
import {
  inspectRun,
  migrateTraits,
  MigrationStepError,
  validateTraits,
  type AppliedTrait,
  type Trait,
} from '@arkive/shared/migration';
import { treeDiff, treeHashes } from '../tree';

type Result = z.infer<typeof runMigrationDryRunResult>;

/**
 * Dry run: copy the run (without archives/) to a staging folder under STORAGE_ROOT, migrate the
 * copy, validate it, report what changed, remove the copy. The run itself is only read.
 */
export function dryRunProcessor(traits: readonly Trait[]) {
  return registerProcessor(
    runMigrationDryRun,
    async (ctx: ProcessorContext<{ runid: string }>): Promise<Result> => {
      const { runid } = ctx.payload;
      const dir = await requireRunDir(ctx.config.runsRoot, runid);
      const stagingRoot = dryRunStagingDir(ctx.config, ctx.operation.id);
      const copy = path.join(stagingRoot, runid);
      await fs.rm(stagingRoot, { recursive: true, force: true });
      try {
        const inspection = await inspectRun({ dir, runid }, traits, ctx.config.migration.currentVersion);
        await fs.mkdir(stagingRoot, { recursive: true });
        const archives = path.join(dir, ARCHIVES_DIR);
        await fs.cp(dir, copy, {
          recursive: true,
          verbatimSymlinks: true,
          preserveTimestamps: true,
          filter: (src) => src !== archives,
        });
        ctx.throwIfStopped();
        const before = await treeHashes(copy);
        await ctx.enterStage(
          'migrating',
          `Migrating a copy: ${inspection.planned.join(', ') || 'no traits detected'}`,
        );
        const run = { dir: copy, runid };
        let applied: AppliedTrait[] = [];
        let failure: Result['failure'];
        try {
          applied = await migrateTraits(
            run,
            traits,
            inspection.planned,
            (m) => ctx.report.status(m),
            async (t, i, of) => {
              ctx.throwIfStopped();
              await ctx.report.status(`Running ${t.id} (${i + 1} of ${of})`);
              await ctx.report.progress({
                fraction: i / of,
                current: i,
                total: of,
                unit: 'traits',
              });
            },
          );
          await ctx.enterStage('validating', 'Validating the migrated copy');
          await validateTraits(run, traits);
          ctx.throwIfStopped();
        } catch (err) {
          if (!(err instanceof MigrationStepError)) throw err;
          failure = { trait: err.traitId, reason: err.message };
          await ctx.report.status(`The migration would fail: ${err.message}`, 'WARNING');
        }
        const diff = treeDiff(before, await treeHashes(copy));
        await ctx.report.status(
          failure
            ? `Dry run: the migration would fail in ${failure.trait}; the run is untouched`
            : `Dry run: ${diff.changed.length} file(s) would change, ${diff.added.length} added, ${diff.removed.length} removed; the run is untouched`,
        );
        return {
          version: inspection.version,
          current_version: inspection.current_version,
          planned: inspection.planned,
          ok: !failure,
          ...(failure ? { failure } : {}),
          traits: applied,
          diff,
        };
      } finally {
        await fs.rm(stagingRoot, { recursive: true, force: true });
      }
    },
  );
}
