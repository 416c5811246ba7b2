import { randomUUID } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { authenticate } from './auth/authenticate';
import type { AppDeps } from './deps';
import { cors } from './http/cors';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { bodyTypeGuard, csrfGuard } from './http/csrf';
import { pathGuard, textGuard } from './http/input-guards';
import { proxyTrust } from './http/trust-proxy';
import { mountRoutes } from './http/mount';
import { createMetrics } from './metrics';
import { openApiHandlers } from './openapi/routes';
import { BULL_BOARD_PATH, mountBullBoard } from './routes/admin/bull-board';
import { routes } from './routes';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', proxyTrust(deps.config));
  const strictHelmet = helmet();
  app.use((req, res, next) => (req.path.startsWith(BULL_BOARD_PATH) ? next() : strictHelmet(req, res, next)));
  app.use((req, res, next) => {
    const incoming = req.header('x-request-id');
    req.requestId = incoming && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    next();
  });
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req) => (req as express.Request).requestId ?? randomUUID(),
      autoLogging: { ignore: (req) => req.url === '/api/health' || req.url === '/metrics' },
      // The URL without its query: signed-link tokens must not reach the log.
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url.split('?')[0],
        }),
      },
    }),
  );
  const metrics = createMetrics(deps);
  app.use(metrics.httpMiddleware);
  app.use(cors(deps.config.corsOrigins));
  app.use(pathGuard);
  app.use(csrfGuard(deps.config.corsOrigins));
  app.use(bodyTypeGuard(routes));
  app.use(express.json({ limit: '1mb' }));
  app.use(textGuard);
  app.use(cookieParser());
  app.use(authenticate(deps));
  const docs = openApiHandlers(routes);
  app.get('/api/openapi.json', docs.json);
  app.get('/api/docs', docs.docs);
  app.get('/metrics', metrics.handler);
  mountBullBoard(app, deps);
  const router = express.Router();
  mountRoutes(router, routes, deps);
  app.use(router as RequestHandler);
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
