import type { Config } from './config';
import type { PrismaClient } from './db';
import { ConflictError, NotFoundError } from './errors';
import { effectiveHostStatus } from './hosts';

export interface MoveCheckInput {
  runid: string;
  destHostId: string;
  /** bytes the destination must hold (the run, with archives/ when they go too) */
  bytesNeeded: number | null;
}

/** The backup region a run's data lives in: its repository's, else its host's, else this host's default. */
export async function runRegion(prisma: PrismaClient, config: Config, runid: string): Promise<string> {
  const run = await prisma.run.findUnique({
    where: { id: runid },
    select: { hostId: true, backupRepo: { select: { region: true } } },
  });
  if (run?.backupRepo) return run.backupRepo.region;
  const host = run
    ? await prisma.host.findUnique({ where: { id: run.hostId }, select: { region: true } })
    : null;
  return host?.region ?? config.backup.defaultRegion;
}

/**
 * Whether a run may move to `destHostId` now (the route before queueing, the validating stage
 * again on the source host): the host exists (404 HOST_NOT_FOUND), is not the run's (409
 * SAME_HOST), is neither turned off (409 HOST_OFF) nor draining (409 HOST_DRAINING), serves the
 * run's backup region (409 REGION_MISMATCH) and last reported enough free space (409
 * INSUFFICIENT_SPACE). An offline host is fine: its part waits for it in its queue.
 */
export async function assertMovePossible(prisma: PrismaClient, config: Config, input: MoveCheckInput) {
  const run = await prisma.run.findUnique({ where: { id: input.runid }, select: { hostId: true } });
  if (!run) throw new NotFoundError('RUN_NOT_FOUND', `Run ${input.runid} not found`);
  const dest = await prisma.host.findUnique({ where: { id: input.destHostId } });
  if (!dest)
    throw new NotFoundError(
      'HOST_NOT_FOUND',
      `Host ${input.destHostId} is not known (GET /api/hosts lists the hosts)`,
    );
  if (dest.id === run.hostId)
    throw new ConflictError('SAME_HOST', `Run ${input.runid} is on host ${dest.id} already`);
  const status = effectiveHostStatus(dest, config);
  if (status === 'off')
    throw new ConflictError('HOST_OFF', `Host ${dest.id} is turned off: runs are not moved onto it`);
  if (status === 'draining')
    throw new ConflictError('HOST_DRAINING', `Host ${dest.id} is draining: runs are not moved onto it`);
  const region = await runRegion(prisma, config, input.runid);
  if (dest.region !== region)
    throw new ConflictError(
      'REGION_MISMATCH',
      `Run ${input.runid}'s backups are in region ${region} and host ${dest.id} is in region ${dest.region}: a move goes through the backups, so only hosts of region ${region} can take it`,
      { runRegion: region, hostRegion: dest.region },
    );
  if (input.bytesNeeded !== null && dest.freeBytes !== null && dest.freeBytes < BigInt(input.bytesNeeded))
    throw new ConflictError(
      'INSUFFICIENT_SPACE',
      `Host ${dest.id} had ${dest.freeBytes} bytes free at its last heartbeat; run ${input.runid} needs ${input.bytesNeeded}`,
      { freeBytes: Number(dest.freeBytes), bytesNeeded: input.bytesNeeded },
    );
  return { dest, status, region, sourceHostId: run.hostId };
}
