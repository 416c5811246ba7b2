import type { z } from 'zod';
import {
  registerProcessor,
  requireRunDir,
  runMigrationValidate,
  type ProcessorContext,
  type runMigrationValidateResult,
} from '@arkive/shared';
import { inspectRun, orderTraits, type Trait } from '@arkive/shared/migration';
import { recordMigration } from '../records';

type Result = z.infer<typeof runMigrationValidateResult>;

/** Validate only: detect and validate every trait; nothing in the run is written. */
export function validateProcessor(traits: readonly Trait[]) {
  return registerProcessor(
    runMigrationValidate,
    async (ctx: ProcessorContext<{ runid: string }>): Promise<Result> => {
      const { runid } = ctx.payload;
      const dir = await requireRunDir(ctx.config.runsRoot, runid);
      const run = { dir, runid };
      const inspection = await inspectRun(run, traits, ctx.config.migration.currentVersion);
      const out: Result['traits'] = [];
      const ordered = orderTraits(traits);
      for (const [i, t] of ordered.entries()) {
        ctx.throwIfStopped();
        const report = inspection.traits.find((r) => r.id === t.id)!;
        const v = await t.validate(run);
        out.push({ ...report, valid: v.ok, problems: v.problems });
        const what = report.detected
          ? `detected (${JSON.stringify(report.details)})${report.blockers.length ? `; blockers: ${report.blockers.join('; ')}` : ''}`
          : 'not detected';
        await ctx.report.progress({
          fraction: (i + 1) / ordered.length,
          message: `${t.id}: ${what}`,
          current: i + 1,
          total: ordered.length,
          unit: 'traits',
        });
      }
      await recordMigration(ctx.prisma, runid, {
        localPath: dir,
        traitsDetected: inspection.planned,
        lastOperationId: ctx.operation.id,
      });
      await ctx.report.status(
        inspection.needsMigration
          ? `Version ${inspection.version}; a migration would run: ${inspection.planned.join(', ') || '(no traits, stamp only)'}`
          : `Version ${inspection.version}: current, nothing to migrate`,
      );
      return {
        version: inspection.version,
        current_version: inspection.current_version,
        planned: inspection.planned,
        traits: out,
        needsMigration: inspection.needsMigration,
      };
    },
  );
}
