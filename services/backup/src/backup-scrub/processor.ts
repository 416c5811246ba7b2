import type { z } from 'zod';
import {
  backupScrub,
  errorMessage,
  nextScrubSubset,
  PermanentError,
  registerProcessor,
  resticRepoFor,
  ResticLockedError,
  runRestic,
  scrubRepo,
  scrubSubset,
  ScrubDamageError,
  type backupScrubPayload,
  type backupScrubResult,
  type ProcessorContext,
} from '@arkive/shared';

type Payload = z.infer<typeof backupScrubPayload>;
type Result = z.infer<typeof backupScrubResult>;

/** How long a scrub waits before trying again while another process holds the repository. */
export const SCRUB_BUSY_RETRY_MS = 5000;

/**
 * Scrub of one repository: `restic check --read-data-subset=k/n` with n = BACKUP_SCRUB_PERIOD_DAYS
 * and k the repository's rotation (`scrub_next_subset`), so daily scrubs read every pack within n
 * days. A pass moves k on; damage keeps k (the same packs are read again until they pass), records
 * the failure on the repository row (admins see a banner and a metric) and fails the operation.
 */
export async function processBackupScrub(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { repoId } = ctx.payload;
  const row = await ctx.prisma.backupRepo.findUnique({ where: { id: repoId } });
  if (!row) throw new PermanentError(`Backup repository ${repoId} is not registered`, 'BACKUP_REPO_UNKNOWN');
  const repo = resticRepoFor(ctx.config, row.region);
  const { k, n } = scrubSubset(row.scrubNextSubset, ctx.config.backup.scrubPeriodDays);
  const subset = `${k}/${n}`;
  await ctx.report.setStage('scrubbing', `Reading packs ${subset} of repository ${repoId}`, 0);
  try {
    const res = await scrubRepo(repo, { k, n }, ctx.signal);
    await ctx.prisma.backupRepo.update({
      where: { id: repoId },
      data: {
        lastScrubAt: new Date(),
        lastScrubOk: true,
        lastScrubSubset: subset,
        lastScrubMessage: res.message,
        scrubNextSubset: nextScrubSubset(k, n),
      },
    });
    await ctx.report.status(`Repository ${repoId}: ${res.message}`);
    return { ok: true, subset, message: res.message };
  } catch (err) {
    if (err instanceof ResticLockedError) {
      // `restic unlock` removes only stale locks (a dead process of this machine, or older than 30
      // min), e.g. the one a killed scrub left; a live holder's lock stays and the scrub waits its turn
      await runRestic(repo, ['unlock']).catch(() => undefined);
      return ctx.postpone(SCRUB_BUSY_RETRY_MS, 'Waiting for the repository: another operation holds it');
    }
    // damage, or a failure to read the repository at all: both leave the row failed until a pass
    if (!ctx.signal.aborted)
      await ctx.prisma.backupRepo.update({
        where: { id: repoId },
        data: {
          lastScrubAt: new Date(),
          lastScrubOk: false,
          lastScrubSubset: subset,
          lastScrubMessage: errorMessage(err).slice(0, 2000),
        },
      });
    if (err instanceof ScrubDamageError) ctx.logger.error({ repoId, subset }, err.message);
    throw err;
  }
}

export const backupScrubProcessor = registerProcessor(backupScrub, processBackupScrub);
