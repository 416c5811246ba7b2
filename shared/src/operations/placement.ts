import type { Config } from '../config';
import type { PrismaClient } from '../db';
import type { StageSpec } from '../contracts/kinds';
import type { JobKind } from '../queues/define';

/**
 * Work on a run's directory runs on the host that holds it. Each host's workers listen on
 * `<queue>@<hostId>` (and on the plain `<queue>`, for work any host may do), so a job placed on a
 * host waits in Redis until that host's workers take it, even while the host is offline.
 */
export function placedQueue(queue: string, hostId: string | null | undefined): string {
  return hostId ? `${queue}@${hostId}` : queue;
}

/** The queues a host's workers listen on for one logical queue. */
export function hostQueues(queue: string, hostId: string): string[] {
  return [placedQueue(queue, hostId), queue];
}

/** Every physical queue of the given logical queues on the given hosts (for boards and metrics). */
export function physicalQueues(queues: readonly string[], hostIds: readonly string[]): string[] {
  const hosts = [...new Set(hostIds)].sort();
  return queues.flatMap((q) => [q, ...hosts.map((h) => placedQueue(q, h))]);
}

export interface PlacementEnv {
  prisma: PrismaClient;
  config: Config;
}

/**
 * The host whose workers run `stage` of an operation with this payload. The kind may say
 * (`placement`); otherwise a run's work goes to the run's host (read at every stage, so a stage
 * after a placement change runs on the new host), a folder's to the host that listed it (the one
 * enqueuing), and other work to any host.
 */
export async function stageHost<P>(
  def: JobKind<P, unknown>,
  payload: P,
  stage: StageSpec,
  env: PlacementEnv,
): Promise<string | null> {
  if (def.placement) return def.placement(payload, { ...env, stage });
  switch (def.scopeType) {
    case 'run': {
      const run = await env.prisma.run.findUnique({
        where: { id: def.scopeId(payload) },
        select: { hostId: true },
      });
      return run?.hostId ?? env.config.hostId;
    }
    case 'folder':
      return env.config.hostId;
    default:
      return null;
  }
}
