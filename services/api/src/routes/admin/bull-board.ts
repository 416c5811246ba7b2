import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express, RequestHandler } from 'express';
import helmet from 'helmet';
import { QUEUE_NAMES } from '@arkive/shared';
import type { AppDeps } from '../../deps';
import { requireAdmin } from '../../auth/authenticate';
import { MAINTENANCE_QUEUE } from '../../maintenance';

export const BULL_BOARD_PATH = '/admin/queues';

/** bull-board for every queue at /admin/queues: administrators only (session cookie or bearer); anonymous 401, others 403. */
export function mountBullBoard(app: Express, deps: AppDeps): void {
  // Built on the first admitted request: creating the queue clients opens Redis connections,
  // which an app that never serves the board (tests, health probes) should not pay for.
  let board: RequestHandler | undefined;
  const build = (): RequestHandler => {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(BULL_BOARD_PATH);
    createBullBoard({
      queues: [...QUEUE_NAMES, MAINTENANCE_QUEUE].map((name) => new BullMQAdapter(deps.queues.get(name))),
      // @bull-board/express pins its own copy of @bull-board/api: same shape, distinct private types.
      serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      options: { uiConfig: { boardTitle: 'Arkive queues' } },
    });
    return serverAdapter.getRouter() as RequestHandler;
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
  app.use(BULL_BOARD_PATH, adminOnly, helmet({ contentSecurityPolicy: false }), (req, res, next) =>
    (board ??= build())(req, res, next),
  );
}
