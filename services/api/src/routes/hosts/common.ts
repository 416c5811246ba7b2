import { z } from 'zod';
import {
  effectiveHostStatus,
  NotFoundError,
  type Config,
  type Host,
  type PrismaClient,
} from '@arkive/shared';

export const hostIdParams = z.object({ id: z.string().min(1).max(200) });

type HostRecord = Host;

/** The host or 404 HOST_NOT_FOUND. */
export async function loadHost(prisma: PrismaClient, id: string): Promise<HostRecord> {
  const host = await prisma.host.findUnique({ where: { id } });
  if (!host) throw new NotFoundError('HOST_NOT_FOUND', `No host ${id}`);
  return host;
}

/** A host as the API shows it (`runs_root` to administrators only). */
export function presentHost(
  h: HostRecord,
  opts: { config: Pick<Config, 'hostOfflineSeconds'>; isAdmin: boolean; runs: number; now?: number },
) {
  return {
    id: h.id,
    name: h.name,
    region: h.region,
    status: effectiveHostStatus(h, opts.config, opts.now),
    runs_root: opts.isAdmin ? h.runsRoot : null,
    free_bytes: h.freeBytes === null ? null : Number(h.freeBytes),
    total_bytes: h.totalBytes === null ? null : Number(h.totalBytes),
    version: h.version,
    last_heartbeat_at: h.lastHeartbeatAt.toISOString(),
    started_at: h.startedAt.toISOString(),
    runs: opts.runs,
  };
}
