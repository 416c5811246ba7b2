import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express, RequestHandler } from 'express';
import helmet from 'helmet';
import { physicalQueues, QUEUE_NAMES } from '@arkive/shared';
import type { AppDeps } from '../../deps';
import { requireAdmin } from '../../auth/authenticate';
import { MAINTENANCE_QUEUE } from '../../maintenance';

export const BULL_BOARD_PATH = '/admin/queues';

/** bull-board for every queue at /admin/queues: administrators only (session cookie or bearer); anonymous 401, others 403. */
export function mountBullBoard(app: Express, deps: AppDeps): void {
  // Built on the first admitted request: creating the queue clients opens Redis connections,
  // which an app that never serves the board (tests, health probes) should not pay for.
  let board: RequestHandler | undefined;
  let replaceQueues: ((queues: BullMQAdapter[]) => void) | undefined;
  let shownHosts = '';
  let checkedAt = 0;
  const adapters = (hostIds: string[]) =>
    [...physicalQueues(QUEUE_NAMES, hostIds), MAINTENANCE_QUEUE].map(
      (name) => new BullMQAdapter(deps.queues.get(name)),
    );
  const build = (): RequestHandler => {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(BULL_BOARD_PATH);
    const created = createBullBoard({
      queues: adapters([deps.config.hostId]),
      // @bull-board/express pins its own copy of @bull-board/api: same shape, distinct private types.
      serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      options: { uiConfig: { boardTitle: 'Arkive queues' } },
    });
    replaceQueues = created.replaceQueues;
    shownHosts = deps.config.hostId;
    return serverAdapter.getRouter() as RequestHandler;
  };
  // Each host has its own queues (`<queue>@<hostId>`): the board shows those of every known host,
  // re-read at most every 30 s.
  const refreshHosts = async () => {
    if (Date.now() - checkedAt < 30_000 || !replaceQueues) return;
    checkedAt = Date.now();
    const rows = await deps.prisma.host.findMany({ select: { id: true } });
    const ids = [...new Set([deps.config.hostId, ...rows.map((h) => h.id)])].sort();
    if (ids.join(',') === shownHosts) return;
    shownHosts = ids.join(',');
    replaceQueues(adapters(ids));
  };
  const adminOnly: RequestHandler = (req, _res, next) => {
    try {
      requireAdmin(req);
      next();
    } catch (err) {
      next(err);
    }
  };
  // The board's UI needs inline bootstrapping; it gets a CSP without script restrictions of its own.
  app.use(BULL_BOARD_PATH, adminOnly, helmet({ contentSecurityPolicy: false }), (req, res, next) => {
    const handler = (board ??= build());
    refreshHosts().then(
      () => handler(req, res, next),
      () => handler(req, res, next),
    );
  });
}
