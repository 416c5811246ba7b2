import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Config } from '../config';
import { defineKindSpec } from '../contracts/kinds';
import { PermanentError } from '../errors';
import { registerJobKind } from '../queues';
import { defineJobKind } from '../queues/define';
import { registerProcessor, type ProcessorRegistration } from '../worker';

/**
 * A two-queue kind for the job-contract tests, shaped like the folder archive: `prep` and `build`
 * on one queue write work files, `ship` and `commit` on another; `commit` is a point of no return
 * that writes the target (the irreversible effect). Files live under DATA_DIR/stages/<scope>/.
 */
export const STAGES_QUEUE_A = 'stages-a';
export const STAGES_QUEUE_B = 'stages-b';

export const testStagesPayload = z.object({
  scope: z.string().regex(/^[a-z0-9-]+$/),
  stepMs: z.number().int().min(1).default(30),
});
export type TestStagesPayload = z.infer<typeof testStagesPayload>;

export const scopeDir = (config: Pick<Config, 'dataDir'>, scope: string) =>
  path.join(config.dataDir, 'stages', scope);
const workDir = (config: Pick<Config, 'dataDir'>, scope: string) =>
  path.join(scopeDir(config, scope), 'work');

export const testStagesKind = registerJobKind(
  defineJobKind({
    spec: defineKindSpec({
      kind: 'test-stages',
      scopeType: 'run',
      completeEvent: 'COMPLETE',
      stages: [
        {
          name: 'prep',
          label: 'Preparing',
          queue: STAGES_QUEUE_A,
          weight: 20,
          concurrency: 1,
          retryFrom: true,
        },
        { name: 'build', label: 'Building', queue: STAGES_QUEUE_A, weight: 30, concurrency: 1 },
        {
          name: 'ship',
          label: 'Shipping',
          queue: STAGES_QUEUE_B,
          weight: 30,
          concurrency: 1,
          retryFrom: true,
        },
        {
          name: 'commit',
          label: 'Committing',
          queue: STAGES_QUEUE_B,
          weight: 20,
          concurrency: 1,
          retryFrom: true,
          pointOfNoReturn: true,
        },
      ],
    }),
    payload: testStagesPayload,
    result: z.object({ built: z.string(), target: z.string() }),
    attempts: 2,
    backoffMs: 50,
    scopeId: (p) => p.scope,
    channel: (p) => `${p.scope}:archive`,
    exclusiveKey: (p) => `run:${p.scope}`,
    async canResumeAt(stage, { operation }) {
      if (stage.name !== 'ship') return true;
      const built = (operation.checkpoint as { built?: string } | null)?.built;
      return !!built && (await fs.readFile(built, 'utf8').catch(() => null)) !== null;
    },
    async cleanup({ config, operation }) {
      await fs.rm(workDir(config, operation.scopeId), { recursive: true, force: true });
    },
  }),
);

async function step(ms: number, signal: AbortSignal) {
  await sleep(ms, undefined, { signal });
}

export function testStagesProcessors(): ProcessorRegistration[] {
  const a = registerProcessor(testStagesKind, async (ctx) => {
    const { payload, config, signal } = ctx;
    const work = workDir(config, payload.scope);
    await ctx.enterStage('prep', 'Preparing');
    await fs.rm(work, { recursive: true, force: true });
    await fs.mkdir(work, { recursive: true });
    await step(payload.stepMs, signal);
    await ctx.report.progress({ fraction: 1 });
    await ctx.enterStage('build', 'Building');
    await step(payload.stepMs, signal);
    const built = path.join(work, 'built.txt');
    await fs.writeFile(built, `built by ${ctx.operation.id}`);
    await ctx.saveCheckpoint({ built });
  });
  const b = registerProcessor(
    testStagesKind,
    async (ctx) => {
      const { payload, config, signal } = ctx;
      const built = (ctx.checkpoint as { built?: string }).built;
      if (!built) throw new PermanentError('Nothing was built', 'NOTHING_BUILT');
      if (ctx.runsStage('ship')) {
        await ctx.enterStage('ship', 'Shipping');
        await step(payload.stepMs, signal);
        await fs.readFile(built);
      }
      await ctx.enterStage('commit', 'Committing');
      const target = path.join(scopeDir(config, payload.scope), 'target.txt');
      await fs.writeFile(target, await fs.readFile(built, 'utf8').catch(() => 'rebuilt'));
      await fs.rm(workDir(config, payload.scope), { recursive: true, force: true });
      return { built, target };
    },
    { stage: 'ship' },
  );
  return [a, b];
}

/** For the contract suite's worker processes. */
export const contractProcessors = () => testStagesProcessors();
