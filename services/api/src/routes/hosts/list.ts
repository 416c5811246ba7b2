import { z } from 'zod';
import { HOST_STATUSES } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { presentHost } from './common';

export const hostSchema = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  status: z.enum(HOST_STATUSES),
  /** The host's RUNS_ROOT (administrators only; null for others). */
  runs_root: z.string().nullable(),
  free_bytes: z.number().nullable(),
  total_bytes: z.number().nullable(),
  version: z.string().nullable(),
  last_heartbeat_at: z.string(),
  started_at: z.string(),
  /** Runs placed on the host. */
  runs: z.number().int(),
});

/** Every host that ever ran workers, with its live status (online while it heartbeats). */
export const listHosts = defineRoute({
  method: 'get',
  path: '/api/hosts',
  summary: 'Hosts: status (online / offline / draining / off), region, free space, runs placed on each',
  tags: ['hosts'],
  access: { kind: 'user' },
  response: z.object({ items: z.array(hostSchema) }),
  async handler({ deps, user }) {
    const [hosts, counts] = await Promise.all([
      deps.prisma.host.findMany({ orderBy: { id: 'asc' } }),
      deps.prisma.run.groupBy({ by: ['hostId'], _count: { _all: true } }),
    ]);
    const runs = new Map(counts.map((c) => [c.hostId, c._count._all]));
    const now = Date.now();
    return {
      items: hosts.map((h) =>
        presentHost(h, { config: deps.config, isAdmin: user!.isAdmin, runs: runs.get(h.id) ?? 0, now }),
      ),
    };
  },
});
