import type { Config } from './config';
import type { PrismaClient } from './db';
import { diskSpace } from './folders/space';
import type { Logger } from './logger';

export const HOST_STATUSES = ['online', 'offline', 'draining', 'off'] as const;
export type HostStatusName = (typeof HOST_STATUSES)[number];

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../package.json') as { version: string }).version;

export interface HostRow {
  id: string;
  name: string;
  region: string;
  status: HostStatusName;
  runsRoot: string;
  freeBytes: bigint | null;
  totalBytes: bigint | null;
  version: string | null;
  lastHeartbeatAt: Date;
  startedAt: Date;
}

/**
 * What a host is now: `off` and `draining` are what an admin set; otherwise `online` while its
 * workers heartbeat, `offline` once the last heartbeat is older than HOST_OFFLINE_SECONDS.
 */
export function effectiveHostStatus(
  host: Pick<HostRow, 'status' | 'lastHeartbeatAt'>,
  config: Pick<Config, 'hostOfflineSeconds'>,
  now = Date.now(),
): HostStatusName {
  if (host.status === 'off' || host.status === 'draining') return host.status;
  return now - host.lastHeartbeatAt.getTime() > config.hostOfflineSeconds * 1000 ? 'offline' : 'online';
}

/**
 * Records that this host's workers run: created on its first start, then a heartbeat with its
 * free space. A host an admin turned off or set draining keeps that status (its workers still
 * finish what is queued for it); any other comes back online.
 */
export async function heartbeatHost(prisma: PrismaClient, config: Config, starting = false): Promise<void> {
  const space = await diskSpace(config.runsRoot).then(
    (d) => ({ freeBytes: BigInt(d.freeBytes), totalBytes: BigInt(d.totalBytes) }),
    () => null,
  );
  const now = new Date();
  const fields = {
    runsRoot: config.runsRoot,
    // The host's region is its backup region (BACKUP_DEFAULT_REGION).
    region: config.backup.defaultRegion,
    version: VERSION,
    lastHeartbeatAt: now,
    ...(space ?? {}),
  };
  await prisma.host.upsert({
    where: { id: config.hostId },
    create: { id: config.hostId, name: config.hostId, status: 'online', startedAt: now, ...fields },
    update: { ...fields, ...(starting ? { startedAt: now } : {}) },
  });
  await prisma.host.updateMany({
    where: { id: config.hostId, status: 'offline' },
    data: { status: 'online' },
  });
}

/** Heartbeats every HOST_HEARTBEAT_SECONDS until stopped; a failed beat is logged, never fatal. */
export async function startHostHeartbeat(
  prisma: PrismaClient,
  config: Config,
  logger: Logger,
): Promise<() => void> {
  await heartbeatHost(prisma, config, true);
  const timer = setInterval(() => {
    heartbeatHost(prisma, config).catch((err: unknown) => logger.warn({ err }, 'host heartbeat failed'));
  }, config.hostHeartbeatSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/** Maintenance: stores `offline` for hosts whose heartbeat stopped (reads compute it anyway). */
export async function markOfflineHosts(prisma: PrismaClient, config: Config): Promise<string[]> {
  const cutoff = new Date(Date.now() - config.hostOfflineSeconds * 1000);
  const stale = await prisma.host.findMany({
    where: { status: 'online', lastHeartbeatAt: { lt: cutoff } },
    select: { id: true },
  });
  if (stale.length)
    await prisma.host.updateMany({
      where: { id: { in: stale.map((h) => h.id) }, status: 'online', lastHeartbeatAt: { lt: cutoff } },
      data: { status: 'offline' },
    });
  return stale.map((h) => h.id);
}
