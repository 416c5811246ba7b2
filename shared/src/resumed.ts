import type { ProcessorContext } from './worker';

/**
 * When BullMQ runs a job again because its worker died (a stalled job: the lock expired, the
 * attempt count is unchanged, so the worker's log shows only a second "Started"), say so in the
 * operation's log. `extra` is appended (e.g. what was cleaned up). Returns whether it was a resume.
 */
export async function reportResumed(
  ctx: Pick<ProcessorContext<unknown>, 'job' | 'report'>,
  what: string,
  extra = '',
): Promise<boolean> {
  const stalled = ctx.job.stalledCounter ?? 0;
  if (stalled <= 0) return false;
  await ctx.report.status(
    `The worker that was running this ${what} stopped without finishing (its process died or lost its lock${stalled > 1 ? `; ${stalled} times so far` : ''}); resuming it from the start${extra}`,
    'WARNING',
  );
  return true;
}
