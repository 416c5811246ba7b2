import type { Config } from '../config';
import { stageIndex, type StageSpec } from '../contracts/kinds';
import type { Operation } from '../db';
import { ConflictError } from '../errors';
import type { JobKind } from '../queues/define';

/** Worker-owned keys inside Operation.checkpoint (kinds keep their own data beside them). */
export interface ContractState {
  /** The point-of-no-return stage this operation entered (cancel refused, retries never start before it). */
  committed?: string;
  /** Bumped by every user retry; children of an earlier generation that failed are queued again. */
  generation?: number;
  /** The generation in which each children set (by key) last ran. */
  childRounds?: Record<string, number>;
}

export function contractState(op: Pick<Operation, 'checkpoint'>): ContractState {
  const cp = op.checkpoint as Record<string, unknown> | null;
  const state = cp?._arkive;
  return state && typeof state === 'object' ? (state as ContractState) : {};
}

export function stageOf(
  def: JobKind<unknown, unknown>,
  name: string | null | undefined,
): StageSpec | undefined {
  return name ? def.spec.stages.find((s) => s.name === name) : undefined;
}

/** The operation entered a point-of-no-return stage: it can no longer be cancelled. */
export function isCommitted(op: Pick<Operation, 'checkpoint'>): boolean {
  return contractState(op).committed !== undefined;
}

/**
 * The stage a run of `op` starts at: walking back from `from` (default: where it stood) to the
 * nearest stage that allows a retry and whose kind says it can resume there now; never before a
 * point-of-no-return stage it entered. `within` limits the walk to one queue segment (automatic
 * retries on that queue).
 */
export async function resumeStage(
  def: JobKind<unknown, unknown>,
  op: Operation,
  config: Config,
  opts: { from?: string | null; within?: string } = {},
): Promise<StageSpec> {
  const stages = def.spec.stages;
  const from = opts.from === undefined ? op.stage : opts.from;
  let i = stageIndex(def.spec, from);
  const committed = contractState(op).committed;
  const floor = committed ? stageIndex(def.spec, committed) : -1;
  const inSegment = (s: StageSpec) => opts.within === undefined || s.queue === opts.within;
  if (i < 0 || !inSegment(stages[i])) {
    const first = stages.find(inSegment) ?? stages[0];
    i = stageIndex(def.spec, first.name);
    if (floor <= i) return first;
  }
  for (; i >= 0 && inSegment(stages[i]); i--) {
    const s = stages[i];
    if (i < floor) break;
    if (!s.retryFrom) continue;
    if (await (def.canResumeAt?.(s, { config, operation: op }) ?? Promise.resolve(true))) return s;
  }
  if (floor >= 0) {
    throw new ConflictError(
      'OPERATION_NOT_RETRYABLE',
      `This ${def.kind} passed the point of no return (${stages[floor].label}) and cannot resume there now`,
    );
  }
  return stages.find(inSegment) ?? stages[0];
}
