import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { physicalQueues, QUEUE_NAMES, TERMINAL_STATUSES } from '@arkive/shared';
import type { AppDeps } from '../deps';
import { MAINTENANCE_QUEUE } from '../maintenance';
import { requireAdmin } from '../auth/authenticate';
import { requireCronSecret } from '../auth/cron-secret';
import { registerBackupScrubMetrics } from './backup-scrub';

const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'prioritized',
  'waiting-children',
] as const;

export interface ApiMetrics {
  registry: Registry;
  /** Times every request (label: the route pattern, not the raw URL, to keep cardinality bounded). */
  httpMiddleware: RequestHandler;
  /** GET /metrics: administrators (session) or `Authorization: Bearer <CRON_SECRET>`. */
  handler: RequestHandler;
}

/** One registry per app (tests build several apps in one process). */
export function createMetrics(deps: AppDeps): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'arkive_api_' });
  const http = new Histogram({
    name: 'arkive_http_request_duration_seconds',
    help: 'HTTP request durations by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'arkive_queue_jobs',
    help: 'Jobs per BullMQ queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      // Every host's queues (`<queue>@<hostId>`) and the shared ones.
      const hosts = await deps.prisma.host.findMany({ select: { id: true } });
      const ids = [deps.config.hostId, ...hosts.map((h) => h.id)];
      for (const name of [...physicalQueues(QUEUE_NAMES, ids), MAINTENANCE_QUEUE]) {
        const counts = await deps.queues.get(name).getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'arkive_operations',
    help: 'Operation records per kind and status (current totals in PostgreSQL)',
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await deps.prisma.operation.groupBy({ by: ['kind', 'status'], _count: { _all: true } });
      for (const r of rows) this.set({ kind: r.kind, status: r.status }, r._count._all);
    },
  });
  registerBackupScrubMetrics(registry, deps);
  const outcomes = new Counter({
    name: 'arkive_operation_outcomes_total',
    help: 'Operations that finished (succeeded, failed, cancelled, expired) since this API process started',
    labelNames: ['kind', 'status'],
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'arkive_operation_duration_seconds',
    help: 'Run time (start to finish) of operations that finished since this API process started',
    labelNames: ['kind', 'status'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600],
    registers: [registry],
  });
  // Finished operations are picked up from PostgreSQL at scrape time, past a watermark.
  let watermark = new Date();
  async function syncFinished(): Promise<void> {
    const rows = await deps.prisma.operation.findMany({
      where: { finishedAt: { gt: watermark }, status: { in: [...TERMINAL_STATUSES] } },
      select: { kind: true, status: true, startedAt: true, finishedAt: true },
      orderBy: { finishedAt: 'asc' },
      take: 5000,
    });
    for (const r of rows) {
      outcomes.inc({ kind: r.kind, status: r.status });
      if (r.startedAt && r.finishedAt)
        durations.observe(
          { kind: r.kind, status: r.status },
          Math.max(0, (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000),
        );
      if (r.finishedAt && r.finishedAt > watermark) watermark = r.finishedAt;
    }
  }
  const httpMiddleware: RequestHandler = (req, res, next) => {
    const end = http.startTimer();
    res.on('finish', () => {
      const route = routeLabel(req);
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  const handler: RequestHandler = async (req, res, next) => {
    try {
      // A session: administrators only. Otherwise a bearer must be the cron secret (throttled guesses).
      if (!req.user && deps.config.cronSecret && req.header('authorization'))
        await requireCronSecret(req, deps);
      else requireAdmin(req);
      await syncFinished();
      res.setHeader('Content-Type', registry.contentType);
      res.send(await registry.metrics());
    } catch (err) {
      next(err);
    }
  };
  return { registry, httpMiddleware, handler };
}

function routeLabel(req: Request): string {
  const pattern = (req.route as { path?: string } | undefined)?.path;
  if (pattern) return `${req.baseUrl}${pattern}`;
  if (req.originalUrl.startsWith('/admin/queues')) return '/admin/queues';
  return 'unmatched';
}
