import type { ArchiveProgress } from './archive/types';
import type { ProgressUpdate } from './reporter';
import type { ProcessorContext } from './worker';

/**
 * Serialises an engine's synchronous progress callbacks into the reporter, in order, keeping
 * percent non-decreasing and memory bounded however fast the engine reports. `drain()` waits
 * for everything sent so far.
 */
export function progressPump(ctx: Pick<ProcessorContext<unknown>, 'report' | 'logger'>) {
  let last = 0;
  const queued: ProgressUpdate[] = [];
  let running: Promise<void> | null = null;
  let stage = ctx.report.currentStage;
  const run = async () => {
    for (let u = queued.shift(); u; u = queued.shift()) {
      try {
        // The last throttled line of a stage goes out before the next stage's first line.
        if (u.stage !== stage) await ctx.report.flush();
        stage = u.stage;
        await ctx.report.progress(u);
      } catch (err) {
        ctx.logger.warn({ err }, 'progress report failed');
      }
    }
    running = null;
  };
  return {
    send(u: ProgressUpdate) {
      if (u.percent !== undefined) u.percent = last = Math.max(last, Math.min(100, u.percent));
      // While a report is in flight, a newer update of the same stage replaces the waiting one
      // (the reporter throttles lines anyway); stage changes are never dropped.
      const tail = queued.at(-1);
      if (tail && tail.stage === u.stage) queued[queued.length - 1] = u;
      else queued.push(u);
      running ??= run();
    },
    async drain() {
      while (running) await running;
      await ctx.report.flush();
    },
  };
}

/**
 * How far an archive engine is (0-1): the mean of its byte and file fractions. Bytes alone sit
 * near 0 % while thousands of small files are packed (their time is per file, their bytes few);
 * files alone stall on one large file. Both only grow, so their mean never goes back.
 */
export function workFraction(
  p: Pick<ArchiveProgress, 'bytesDone' | 'bytesTotal' | 'filesDone' | 'filesTotal'>,
): number {
  const bytes = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : undefined;
  const files = p.filesTotal > 0 ? Math.min(1, p.filesDone / p.filesTotal) : undefined;
  if (bytes !== undefined && files !== undefined) return (bytes + files) / 2;
  return bytes ?? files ?? 0;
}
