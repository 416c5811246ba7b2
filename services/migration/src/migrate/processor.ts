import type { z } from 'zod';
import {
  assertRunUnlocked,
  CancelledError,
  errorCode,
  errorMessage,
  markRunEdited,
  migrationSnapshot,
  PermanentError,
  registerProcessor,
  requireRunDir,
  runMigration,
  ShutdownError,
  type ChildOutcome,
  type ProcessorContext,
  type runMigrationResult,
} from '@arkive/shared';
import {
  inspectRun,
  migrateTraits,
  MigrationStepError,
  validateTraits,
  writeRunVersion,
  type AppliedTrait,
  type Trait,
} from '@arkive/shared/migration';
import { recordMigration } from '../records';
import { restorePreMigration } from './rollback';

type Result = z.infer<typeof runMigrationResult>;

/**
 * Where a migration stands (Operation.checkpoint.migration), written before each step that
 * changes the run so that a retry after a crash knows what to undo:
 * - no `phase`: nothing done in this round yet;
 * - `snapshotted`: the pre-migration archive `pre` exists, the run is as it was;
 * - `migrating`: traits may have changed the run (a crash here restores `pre`);
 * - `stamped`: migrated, validated and stamped; the post-migration snapshot is pending.
 * `round` grows after each rollback so that a retry takes a fresh pre-migration snapshot.
 */
export interface MigrationCheckpoint {
  round: number;
  phase?: 'snapshotted' | 'migrating' | 'stamped';
  pre?: string;
  versionBefore?: number;
  planned?: string[];
  applied?: AppliedTrait[];
  crashes?: number;
}

/** BullMQ's signals that the job waits (for its children, or postponed): not failures. */
const isControlFlow = (err: unknown) =>
  err instanceof Error && (err.name === 'WaitingChildrenError' || err.name === 'DelayedError');

function snapshotName(o: ChildOutcome[], what: string): string {
  const c = o[0];
  if (c?.status !== 'succeeded')
    throw new PermanentError(
      `The ${what} snapshot ${c?.status ?? 'did not run'}: ${c?.error ?? 'no outcome'}`,
      c?.errorCode ?? 'SNAPSHOT_FAILED',
    );
  return (c.result as { name: string }).name;
}

export function migrateProcessor(traits: readonly Trait[]) {
  return registerProcessor(
    runMigration,
    async (ctx: ProcessorContext<{ runid: string }>): Promise<Result> => {
      const { runid } = ctx.payload;
      const currentVersion = ctx.config.migration.currentVersion;
      let cp: MigrationCheckpoint = {
        round: 0,
        ...(ctx.checkpoint.migration as MigrationCheckpoint | undefined),
      };
      const save = async (next: MigrationCheckpoint) => {
        cp = next;
        await ctx.saveCheckpoint({ migration: next });
      };
      const runDir = await requireRunDir(ctx.config.runsRoot, runid);
      const run = { dir: runDir, runid };
      const unlocked = () => assertRunUnlocked(runDir, runid, ctx.redis, ctx.config.redisPrefix);

      /** Any failure once the pre-migration snapshot exists: restore it, then end with the reason. */
      const rollBack = async (err: unknown): Promise<never> => {
        const pre = cp.pre!;
        await ctx.report.status(
          `Restoring the pre-migration snapshot ${pre}: ${errorMessage(err)}`,
          'WARNING',
        );
        try {
          await restorePreMigration(runDir, pre, ctx.config.hostId);
          // the restored files keep their old mtimes: say the run changed, so it is backed up again
          await markRunEdited(ctx.prisma, runid);
        } catch (rb) {
          const message = `Migration failed (${errorMessage(err)}) and restoring ${pre} failed too: ${errorMessage(rb)}; restore it from the archive dashboard`;
          await recordMigration(ctx.prisma, runid, {
            lastStatus: 'failed',
            lastMessage: message,
            lastOperationId: ctx.operation.id,
          });
          throw new PermanentError(message, 'ROLLBACK_FAILED');
        }
        await save({ round: cp.round + 1 });
        const stopped = err instanceof CancelledError || err instanceof ShutdownError;
        const reason =
          err instanceof MigrationStepError
            ? err.message
            : `${ctx.operation.stage ?? 'migration'}: ${errorMessage(err)}`;
        const message = stopped
          ? `Migration stopped (${errorMessage(err)}); the run was restored from ${pre}`
          : `Migration failed in ${reason}; the run was restored from ${pre} (version ${cp.versionBefore ?? '?'} unchanged)`;
        await ctx.report.status(`Restored ${pre}: the run is as it was before the migration`, 'WARNING');
        await recordMigration(ctx.prisma, runid, {
          lastStatus: stopped ? 'cancelled' : 'rolled-back',
          lastMessage: message,
          lastOperationId: ctx.operation.id,
        });
        if (stopped) throw err;
        throw new PermanentError(
          message,
          err instanceof MigrationStepError ? 'MIGRATION_FAILED' : errorCode(err),
        );
      };

      // A worker died while the traits were changing the run: put it back first.
      if (cp.phase === 'migrating' && cp.pre) {
        const crashes = (cp.crashes ?? 0) + 1;
        await ctx.report.status(
          `The previous worker stopped while migrating; restoring ${cp.pre}`,
          'WARNING',
        );
        if (crashes >= 2)
          await rollBack(
            new PermanentError('the worker stopped twice while migrating', 'MIGRATION_INTERRUPTED'),
          );
        await restorePreMigration(runDir, cp.pre, ctx.config.hostId);
        await markRunEdited(ctx.prisma, runid);
        await save({ ...cp, phase: 'snapshotted', crashes });
        await ctx.report.status(`Restored ${cp.pre}; the migration starts over`);
      }
      ctx.throwIfStopped();

      if (!cp.phase) {
        await unlocked();
        const inspection = await inspectRun(run, traits, currentVersion);
        await ctx.report.status(
          inspection.planned.length
            ? `Version ${inspection.version}; traits detected: ${inspection.planned.join(', ')}`
            : `Version ${inspection.version}; no traits detected (the version will be stamped)`,
        );
        const outcomes = await ctx.runChildren(`pre-${cp.round}`, [
          {
            def: migrationSnapshot,
            payload: { runid, archiveKind: 'pre-migration' as const, label: 'before migration' },
          },
        ]);
        const pre = snapshotName(outcomes, 'pre-migration');
        await save({
          ...cp,
          phase: 'snapshotted',
          pre,
          versionBefore: inspection.version,
          planned: inspection.planned,
        });
        await recordMigration(ctx.prisma, runid, {
          localPath: runDir,
          traitsDetected: inspection.planned,
          lastStatus: 'running',
          lastOperationId: ctx.operation.id,
          archiveBefore: pre,
          archiveAfter: null,
          lastMessage: null,
        });
        await ctx.report.status(`Pre-migration snapshot ${pre}`);
      }

      if (cp.phase === 'snapshotted') {
        try {
          ctx.throwIfStopped();
          await unlocked();
          await save({ ...cp, phase: 'migrating' });
          await ctx.enterStage('migrating', `Running ${cp.planned?.length ?? 0} trait(s)`);
          const applied = await migrateTraits(
            run,
            traits,
            cp.planned ?? [],
            (m) => ctx.report.status(m),
            async (t, i, of) => {
              ctx.throwIfStopped();
              // A STATUS line per trait (progress events are throttled and may be merged).
              await ctx.report.status(`Running ${t.id} (${i + 1} of ${of}): ${t.description}`);
              await ctx.report.progress({
                fraction: i / of,
                current: i,
                total: of,
                unit: 'traits',
              });
            },
          );
          for (const a of applied) await ctx.report.status(`${a.id}: ${a.summary}`);
          ctx.throwIfStopped();
          await ctx.enterStage('validating', 'Validating every trait');
          await validateTraits(run, traits);
          ctx.throwIfStopped();
          await ctx.enterStage('stamping', `Stamping nodb.version ${currentVersion}`);
          await writeRunVersion(runDir, currentVersion);
          await markRunEdited(ctx.prisma, runid);
          await save({ ...cp, phase: 'stamped', applied });
        } catch (err) {
          await rollBack(err);
        }
      }

      let post: string;
      try {
        await ctx.enterStage('post-snapshot', 'Post-migration snapshot');
        post = snapshotName(
          await ctx.runChildren(`post-${cp.round}`, [
            {
              def: migrationSnapshot,
              payload: { runid, archiveKind: 'post-migration' as const, label: 'after migration' },
            },
          ]),
          'post-migration',
        );
      } catch (err) {
        if (isControlFlow(err)) throw err;
        return rollBack(err);
      }
      const applied = cp.applied ?? [];
      const message = applied.length
        ? `Migrated to version ${currentVersion}: ${applied.map((a) => a.id).join(', ')}`
        : `No traits detected; stamped version ${currentVersion}`;
      await recordMigration(ctx.prisma, runid, {
        lastStatus: 'succeeded',
        lastMigrationVersion: currentVersion,
        archiveAfter: post,
        lastMessage: message,
        lastOperationId: ctx.operation.id,
      });
      await ctx.report.status(message);
      return {
        versionBefore: cp.versionBefore ?? 0,
        version: currentVersion,
        traits: applied,
        archiveBefore: cp.pre!,
        archiveAfter: post,
      };
    },
  );
}
