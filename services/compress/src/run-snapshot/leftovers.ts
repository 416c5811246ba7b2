import { sweepDeadSnapshotTemps, type Config, type Logger } from '@arkive/shared';

/**
 * At start-up, before taking jobs: the temp files (partial archives, spill files) that earlier
 * processes of this host left in runs' archives/ when they were killed. Only files whose owner is
 * provably gone go; a live process's or another host's are never touched (temp-owner.ts).
 */
export async function removeDeadSnapshotTemps(
  config: Pick<Config, 'runsRoot' | 'hostId'>,
  logger?: Pick<Logger, 'info'>,
): Promise<Array<{ path: string; size: number }>> {
  const removed = await sweepDeadSnapshotTemps(config.runsRoot, config.hostId);
  for (const r of removed)
    logger?.info(
      { file: r.path, bytes: r.size },
      `removed ${r.path} (${r.size} bytes), left by a snapshot whose process died`,
    );
  return removed;
}
